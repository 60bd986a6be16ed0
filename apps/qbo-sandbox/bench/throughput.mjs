#!/usr/bin/env node
// Throughput benchmark: starts the built sandbox (dist/main.js) as its own process and drives it
// from this one with keep-alive connections. Usage: pnpm bench [-- --seconds 10 --connections 32]
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '10' }, connections: { type: 'string', default: '32' } },
  allowPositionals: true,
});
const seconds = Number(values.seconds);
const connections = Number(values.connections);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');

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
const agent = new Agent({ keepAlive: true, maxSockets: connections });

function call(method, path, body, headers = {}) {
  return new Promise((resolve, reject) => {
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
    req.end(data);
  });
}

const realm = JSON.parse((await call('POST', '/__sandbox/realms', { seed: true })).text);
const realmId = realm.realmId;
// Real QBO allows 500/min; lift the limits so the server, not the throttle, is measured.
await call('PUT', `/__sandbox/realms/${realmId}/limits`, { requestsPerWindow: 1e9, maxConcurrent: 1e6 });
const token = JSON.parse((await call('POST', `/__sandbox/realms/${realmId}/tokens`, {})).text).access_token;
const auth = { authorization: `Bearer ${token}`, accept: 'application/json' };
const customerId = realm.seeded.customers[0].id;

/** Server CPU seconds so far (Linux /proc), so results can be normalised on a busy machine. */
function serverCpuSeconds() {
  try {
    const fields = readFileSync(`/proc/${server.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

async function run(name, next) {
  const cpu0 = serverCpuSeconds();
  let done = 0;
  let errors = 0;
  const latencies = [];
  const end = Date.now() + seconds * 1000;
  async function worker(w) {
    let i = 0;
    while (Date.now() < end) {
      const t0 = performance.now();
      const res = await next(w, i++);
      latencies.push(performance.now() - t0);
      if (res.status !== 200) errors++;
      done++;
    }
  }
  const t0 = Date.now();
  await Promise.all(Array.from({ length: connections }, (_, w) => worker(w)));
  const elapsed = (Date.now() - t0) / 1000;
  const cpu = serverCpuSeconds() - cpu0;
  latencies.sort((a, b) => a - b);
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))].toFixed(2);
  console.log(
    `${name.padEnd(30)} ${String(Math.round(done / elapsed)).padStart(6)} req/s  p50 ${pct(0.5)} ms  p99 ${pct(0.99)} ms` +
      `  server CPU ${Math.round((cpu / elapsed) * 100)}%  => ${Math.round(done / cpu)} req per server CPU-second  non-200: ${errors}`,
  );
}

console.log(
  `qbo-sandbox throughput, ${connections} keep-alive connections, ${seconds}s per scenario (node ${process.version})`,
);
await run('GET /customer/{id}', () => call('GET', `/v3/company/${realmId}/customer/${customerId}`, undefined, auth));
const q = encodeURIComponent("select * from Customer where DisplayName = 'Acme Moving Co.'");
await run('GET /query (DisplayName =)', () => call('GET', `/v3/company/${realmId}/query?query=${q}`, undefined, auth));
await run('POST /customer (create)', (w, i) =>
  call('POST', `/v3/company/${realmId}/customer?requestid=b-${w}-${i}`, { DisplayName: `Bench ${w}-${i}` }, auth),
);

agent.destroy();
server.kill('SIGTERM');
