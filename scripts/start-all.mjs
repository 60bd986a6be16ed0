#!/usr/bin/env node
// Starts the local QBO sandbox (unless Intuit credentials are configured), the API and the worker
// from their built bundles, waits until each answers, prints the URLs, and stops them all on Ctrl-C.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const env = { ...process.env };
const intuit = Boolean(env.QBO_CLIENT_ID && env.QBO_CLIENT_SECRET && env.QBO_API_BASE_URL);
const sandboxPort = env.SANDBOX_PORT || '4010';
const apiPort = env.API_PORT || '3000';
const host = env.API_HOST || '127.0.0.1';
const workerMetricsPort = env.WORKER_METRICS_PORT?.trim() || '9464';

const children = [];
function start(name, script, extraEnv = {}) {
  const child = spawn(process.execPath, ['--enable-source-maps', join(root, script)], {
    env: { ...env, ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const prefix = `[${name}] `;
  for (const stream of [child.stdout, child.stderr]) {
    let buffered = '';
    stream.on('data', (chunk) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) process.stdout.write(`${prefix + line}\n`);
    });
  }
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`${prefix}exited (${code ?? signal}); stopping everything.`);
      stop(1);
    }
  });
  children.push(child);
  return child;
}

async function waitHealthy(name, url, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 250));
  }
  console.error(`${name} did not become healthy at ${url} within ${timeoutMs / 1000}s`);
  stop(1);
}

let stopping = false;
function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  for (const c of children) c.kill('SIGTERM');
  setTimeout(() => process.exit(code), 3000).unref();
  Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r() : c.on('exit', r))))).then(() =>
    process.exit(code),
  );
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

if (!intuit) {
  start('sandbox', 'apps/qbo-sandbox/dist/main.js', { SANDBOX_SEED_DEMO: '1', SANDBOX_PORT: sandboxPort });
  await waitHealthy('sandbox', `http://127.0.0.1:${sandboxPort}/__sandbox/health`);
}
start('api', 'apps/api/dist/main.js');
await waitHealthy('api', `http://${host}:${apiPort}/health`);
start('worker', 'apps/worker/dist/main.js');

// The in-memory sandbox starts with a fresh demo company every time, so the demo tenant is set up anew
// (--reset): a tenant whose mappings point at a previous run's QBO ids would sync to the wrong objects.
if (!intuit) {
  const demo = spawn(process.execPath, [join(root, 'apps/cli/dist/main.js'), 'demo', 'setup', '--reset'], {
    env,
    stdio: 'inherit',
  });
  await new Promise((r) => demo.on('exit', r));
}

const base = `http://${host}:${apiPort}`;
console.log(`
qbo-sync is up.
  API + event ingest   ${base}/v1/events
  API reference        ${base}/docs
  Queue dashboard      ${base}/admin/queues
  Sync console         ${base}/console
  Metrics              ${base}/metrics
  Worker metrics       ${workerMetricsPort === '0' ? 'off (WORKER_METRICS_PORT=0)' : `http://${host}:${workerMetricsPort}/metrics`}
  Health               ${base}/health
${intuit ? `  QBO target           Intuit (${env.QBO_API_BASE_URL})` : `  Local QBO sandbox    http://127.0.0.1:${sandboxPort}  (demo company 9130350000000001; inspect it at /__sandbox/realms/9130350000000001/entities/Invoice)`}
Press Ctrl-C to stop.`);
