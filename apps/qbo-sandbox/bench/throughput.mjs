#!/usr/bin/env node
// Throughput benchmark: starts the built sandbox (dist/main.js) as its own process and drives it with
// keep-alive HTTP from separate load processes. Usage: pnpm bench [--seconds 10 --connections 32 --workers 2]
import { fork, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const self = fileURLToPath(import.meta.url);

function makeCaller(url, maxSockets) {
  const agent = new Agent({ keepAlive: true, maxSockets });
  const call = (method, path, body, headers = {}) =>
    new Promise((resolve, reject) => {
      const data = body === undefined ? undefined : JSON.stringify(body);
      const req = request(
        `${url}${path}`,
        { method, agent, headers: { ...headers, ...(data ? { 'content-type': 'application/json' } : {}) } },
        (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString() }));
        },
      );
      req.on('error', reject);
      req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
      req.end(data);
    });
  return { call, agent };
}

// ---- load worker: runs one scenario and reports counts + latencies to the parent ----
if (process.env.BENCH_WORKER) {
  const job = JSON.parse(process.env.BENCH_WORKER);
  const { call, agent } = makeCaller(job.url, job.connections);
  const auth = { authorization: `Bearer ${job.token}`, accept: 'application/json' };
  const base = `/v3/company/${job.realmId}`;
  const q = encodeURIComponent("select * from Customer where DisplayName = 'Acme Moving Co.'");
  const scenarios = {
    read: () => call('GET', `${base}/customer/${job.customerId}`, undefined, auth),
    query: () => call('GET', `${base}/query?query=${q}`, undefined, auth),
    create: (c, i) =>
      call(
        'POST',
        `${base}/customer?requestid=b${job.worker}-${c}-${i}`,
        { DisplayName: `Bench ${job.worker}-${c}-${i}` },
        auth,
      ),
  };
  const next = scenarios[job.scenario];
  let done = 0;
  let errors = 0;
  const latencies = [];
  const end = Date.now() + job.seconds * 1000;
  await Promise.all(
    Array.from({ length: job.connections }, async (_, c) => {
      for (let i = 0; Date.now() < end; i++) {
        const t0 = performance.now();
        const res = await next(c, i).catch(() => ({ status: 0 }));
        latencies.push(performance.now() - t0);
        if (res.status !== 200) errors++;
        done++;
      }
    }),
  );
  agent.destroy();
  process.send({ done, errors, latencies }, () => process.exit(0));
} else {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '10' },
      connections: { type: 'string', default: '32' },
      workers: { type: 'string', default: '2' },
    },
    allowPositionals: true,
  });
  const seconds = Number(values.seconds);
  const workers = Number(values.workers);
  const perWorker = Math.max(1, Math.round(Number(values.connections) / workers));
  const root = join(dirname(self), '..');
  const serverArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const server = spawn(process.execPath, [...serverArgs, join(root, 'dist/main.js')], {
    env: { ...process.env, SANDBOX_PORT: '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise((resolve, reject) => {
    server.stdout.on('data', (d) => {
      const m = /listening on (http:\/\/\S+)/.exec(String(d));
      if (m) resolve(m[1]);
    });
    server.on('exit', (code) => reject(new Error(`sandbox exited with ${code}`)));
  });
  const { call, agent } = makeCaller(url, 4);
  const realm = JSON.parse((await call('POST', '/__sandbox/realms', { seed: true })).text);
  // Real QBO allows 500/min; lift the limits so the server, not the throttle, is measured.
  await call('PUT', `/__sandbox/realms/${realm.realmId}/limits`, { requestsPerWindow: 1e9, maxConcurrent: 1e6 });
  const token = JSON.parse((await call('POST', `/__sandbox/realms/${realm.realmId}/tokens`, {})).text).access_token;
  agent.destroy();

  /** Server CPU seconds so far (Linux /proc), to normalise results on a shared machine. */
  const serverCpu = () => {
    try {
      const f = readFileSync(`/proc/${server.pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return (Number(f[11]) + Number(f[12])) / 100;
    } catch {
      return Number.NaN;
    }
  };

  const runScenario = async (name, scenario) => {
    const cpu0 = serverCpu();
    const t0 = Date.now();
    const results = await Promise.all(
      Array.from(
        { length: workers },
        (_, worker) =>
          new Promise((resolve, reject) => {
            const job = { url, token, realmId: realm.realmId, customerId: realm.seeded.customers[0].id };
            Object.assign(job, { scenario, seconds, connections: perWorker, worker });
            const child = fork(self, [], { env: { ...process.env, BENCH_WORKER: JSON.stringify(job) } });
            let result;
            child.once('message', (m) => {
              result = m;
            });
            child.once('error', reject);
            child.once('exit', (code) =>
              result ? resolve(result) : reject(new Error(`load worker exited with ${code}`)),
            );
          }),
      ),
    );
    const elapsed = (Date.now() - t0) / 1000;
    const cpu = serverCpu() - cpu0;
    const done = results.reduce((s, r) => s + r.done, 0);
    const errors = results.reduce((s, r) => s + r.errors, 0);
    const lat = results.flatMap((r) => r.latencies).sort((a, b) => a - b);
    const pct = (p) => lat[Math.min(lat.length - 1, Math.floor(lat.length * p))].toFixed(1);
    console.log(
      `${name.padEnd(28)} ${String(Math.round(done / elapsed)).padStart(6)} req/s  p50 ${pct(0.5)} ms  p99 ${pct(0.99)} ms` +
        `  server CPU ${Math.round((cpu / elapsed) * 100)}% (${Math.round(done / cpu)} req/CPU-s)  non-200: ${errors}`,
    );
  };

  console.log(
    `qbo-sandbox throughput: ${workers} load processes x ${perWorker} keep-alive connections, ${seconds}s each (node ${process.version})`,
  );
  try {
    await runScenario('GET /customer/{id}', 'read');
    await runScenario('GET /query (DisplayName =)', 'query');
    await runScenario('POST /customer (create)', 'create');
  } finally {
    server.kill('SIGTERM');
  }
}
