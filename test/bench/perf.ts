// One command per figure of docs/benchmarks.md; each writes bench/results/<figure>.json and .md.
//   pnpm --filter @qbo-sync/tests exec tsx bench/perf.ts <figure> [--flags]
//   ingest      signed POST /v1/events:batch, worker idle: events/s
//   pipeline    invoices/s cold (new customers) and steady (customers mapped), QBO limits lifted, the sandbox
//               in its own process, against raw BullMQ (empty jobs, same Redis, same concurrency, same run);
//               worker process RSS after the run
//   counts      PostgreSQL statements, Redis commands and QBO requests per sync (cold and steady), counted
//   processes   steady invoices/s with 1, 2 and 4 worker processes (apps/worker/src/main.ts) on one Redis
//   memory      one worker process's RSS sampled while it syncs N invoices
//   cpu         one worker process's CPU per steady invoice sync (--profile: where it goes, by library)
//   efficiency  one company, 1,000 events at Intuit's real limits (500/min, 10 at once in the sandbox; our
//               budget 450/min and 8/s): requests used vs the minimum, time vs requests ÷ 450/min, 429s
// The machine is shared (2 cores, other sessions running tests): timings are noisy, counts are not.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMetricsRegistry } from '@qbo-sync/observability';
import { deleteKeysWithPrefix, TEST_REDIS_URL, uniqueQueuePrefix } from '@qbo-sync/testkit';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import {
  type Harness,
  type SandboxEndpoint,
  startCallbackReceiver,
  startHarness,
  type Tenant,
} from '../support/harness.js';
import { analyseProfileFile } from './cpu-profile.js';
import { sandboxProcess } from './sandbox-process.js';

const here = dirname(fileURLToPath(import.meta.url));
const arg = (name: string, fallback: number) => {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? Number(hit.split('=')[1]) : fallback;
};
const secs = (ms: number) => ms / 1000;
const strArg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];

/**
 * --profile=<file.cpuprofile>: a V8 CPU profile of this process (API, producer and the bench's own client,
 * all in-process) over the timed section only; open it in Chrome DevTools or summarise it with
 * `node bench/profile-summary.mjs <file>`.
 */
async function profiled<T>(work: () => Promise<T>): Promise<T> {
  const file = strArg('profile');
  if (!file) return work();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  try {
    return await work();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    await writeFile(file, JSON.stringify(profile));
    session.disconnect();
    console.log(`CPU profile of the timed section: ${file}`);
  }
}
const round = (x: number, d = 1) => Number(x.toFixed(d));

async function report(name: string, title: string, command: string, rows: [string, string | number][], data: unknown) {
  const dir = join(here, 'results');
  await mkdir(dir, { recursive: true });
  const at = new Date().toISOString();
  const json = { figure: name, at, command, machine: machineNote(), rows: Object.fromEntries(rows), data };
  await writeFile(join(dir, `${name}.json`), `${JSON.stringify(json, null, 2)}\n`);
  const md = [
    `### ${title}`,
    '',
    `\`${command}\` — ${at.slice(0, 16)}Z, ${machineNote()}`,
    '',
    '| measure | value |',
    '|---|---|',
    ...rows.map(([k, v]) => `| ${k} | ${typeof v === 'number' ? v.toLocaleString('en-US') : v} |`),
    '',
  ].join('\n');
  await writeFile(join(dir, `${name}.md`), md);
  console.log(md);
}

// Figures move with what else the machine runs: the note says how many cores and how loaded it was.
const loadAtStart = os.loadavg()[0] ?? 0;
function machineNote() {
  return `Node ${process.version}, ${os.cpus().length} cores, load average ${loadAtStart.toFixed(2)} at the start`;
}

let seq = 0;
function invoiceEvent(tenantId: string, n: number, customerId: string) {
  seq++;
  return {
    id: `evt-${tenantId}-inv-${n}-${seq}`,
    type: 'invoice.sent',
    version: 1,
    tenantId,
    occurredAt: new Date(Date.UTC(2026, 10, 1) + n * 1000).toISOString(),
    data: {
      id: `INV-${n}`,
      number: `${1000 + n}`,
      status: 'sent',
      issueDate: '2026-11-01',
      currency: 'USD',
      customer: {
        id: customerId,
        firstName: 'Pat',
        lastName: `Customer ${customerId}`,
        email: `${customerId}@example.com`,
      },
      lines: [
        { id: 'L1', itemId: 'ITM-LABOR', quantity: '3', unitPrice: '95.00', amount: '285.00' },
        { id: 'L2', itemId: 'ITM-PACK', quantity: '12', unitPrice: '2.49', amount: '29.88' },
      ],
      totals: { subtotal: '314.88', tax: '0.00', total: '314.88' },
    },
  };
}

function paymentEvent(tenantId: string, n: number, customerId: string) {
  seq++;
  return {
    id: `evt-${tenantId}-pay-${n}-${seq}`,
    type: 'payment.accepted',
    version: 1,
    tenantId,
    occurredAt: new Date(Date.UTC(2026, 10, 2) + n * 1000).toISOString(),
    data: {
      id: `PAY-${n}`,
      invoiceId: `INV-${n}`,
      customer: {
        id: customerId,
        firstName: 'Pat',
        lastName: `Customer ${customerId}`,
        email: `${customerId}@example.com`,
      },
      amount: '314.88',
      currency: 'USD',
      receivedOn: '2026-11-05',
      method: 'card',
      reference: `ch_${n}`,
    },
  };
}

async function sendBatches(h: Harness, tenant: Tenant, events: unknown[], size = 100) {
  for (let i = 0; i < events.length; i += size) {
    const res = await h.post(tenant.id, '/v1/events:batch', { events: events.slice(i, i + size) });
    if (!res.ok) throw new Error(`batch rejected: ${res.status} ${await res.text()}`);
  }
}

async function terminalCount(h: Harness, entityType: string, status = 'synced'): Promise<number> {
  const rows = await h.db.sql<{ n: string }[]>`
    select count(*) n from sync_records where entity_type = ${entityType} and status = ${status}`;
  return Number(rows[0]?.n ?? 0);
}

async function waitCount(h: Harness, entityType: string, want: number, timeoutMs = 1_800_000) {
  const deadline = Date.now() + timeoutMs;
  while ((await terminalCount(h, entityType)) < want) {
    if (Date.now() > deadline) throw new Error(`only ${await terminalCount(h, entityType)} of ${want} ${entityType}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const LIFTED = { requestsPerWindow: 1_000_000, maxConcurrent: 100, batchPerWindow: 100_000 };
const liftedEnv = { QBO_RATE_LIMIT_PER_WINDOW: '1000000', QBO_MAX_CONCURRENT_PER_REALM: '10' };

async function stats(h: Harness, realmId: string) {
  return (await h.admin(`/realms/${realmId}/stats`)) as { requests: number; throttled429: number };
}

// ---- ingest ---------------------------------------------------------------------------------------------

/** CPU (µs) used so far by each PostgreSQL backend serving the harness database, from /proc (Linux). */
async function backendCpuUs(h: Harness): Promise<Map<number, number>> {
  const rows = await h.db.sql<{ pid: number }[]>`
    select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`;
  const cpu = new Map<number, number>();
  for (const { pid } of rows) {
    // A backend that ended meanwhile is skipped.
    const ms = await processCpuMs(pid).catch(() => undefined);
    if (ms !== undefined) cpu.set(pid, ms * 1000);
  }
  return cpu;
}

/** PostgreSQL CPU (µs) the harness database's backends used since `before` (a backendCpuUs reading). */
async function backendCpuSinceUs(h: Harness, before: Map<number, number>): Promise<number> {
  let us = 0;
  for (const [pid, now] of await backendCpuUs(h)) us += now - (before.get(pid) ?? 0);
  return us;
}

/** Redis server CPU (µs, user + sys) so far; the whole server, so other sessions' use is included. */
async function redisCpuUs(h: Harness): Promise<number> {
  const info = await h.redis.info('cpu');
  const field = (k: string) => Number(new RegExp(`${k}:([\\d.]+)`).exec(info)?.[1] ?? 0);
  return (field('used_cpu_user') + field('used_cpu_sys')) * 1e6;
}

async function ingest() {
  const tenants = arg('tenants', 4);
  const perTenant = arg('events', 1000);
  const h = await startHarness('bench-ingest', { startWorker: false });
  try {
    const ts: Tenant[] = [];
    for (let i = 0; i < tenants; i++) ts.push(await h.tenant({}, { id: `ingest-${i}` }));
    // One warm-up batch per tenant (JIT, connection pools) not counted.
    await Promise.all(ts.map((t) => sendBatches(h, t, [invoiceEvent(t.id, 999_999, 'C-w')])));
    const batches = ts.map((t) => Array.from({ length: perTenant }, (_, n) => invoiceEvent(t.id, n, `C-${n % 50}`)));
    const t0 = performance.now();
    const pg0 = await backendCpuUs(h);
    const redis0 = await redisCpuUs(h);
    const cpu0 = process.cpuUsage();
    await profiled(() => Promise.all(ts.map((t, i) => sendBatches(h, t, batches[i] ?? []))));
    const ms = performance.now() - t0;
    // CPU of this process (API + producer + the bench's client): steadier than events/s on a shared machine.
    const cpu = process.cpuUsage(cpu0);
    const redisUs = (await redisCpuUs(h)) - redis0;
    const pgUs = await backendCpuSinceUs(h, pg0);
    const total = tenants * perTenant;
    await report(
      'ingest',
      'Ingest through the signed batch endpoint',
      `tsx bench/perf.ts ingest --tenants=${tenants} --events=${perTenant}`,
      [
        ['events (batches of 100, one client per tenant, in parallel)', total],
        ['events/s', round(total / secs(ms), 0)],
        ['Node CPU per event (API + bench client, one process), µs', round((cpu.user + cpu.system) / total, 0)],
        ['PostgreSQL CPU per event (backends of this database), µs', round(pgUs / total, 0)],
        ['Redis CPU per event (whole server, other sessions included), µs', round(redisUs / total, 0)],
      ],
      { tenants, perTenant, ms, cpuUserUs: cpu.user, cpuSystemUs: cpu.system, pgUs, redisUs },
    );
  } finally {
    await h.close();
  }
}

// ---- pipeline -------------------------------------------------------------------------------------------

/** Raw BullMQ: empty jobs through one queue at the same concurrency, same Redis. */
async function rawBullmq(jobs: number, concurrency: number): Promise<number> {
  const prefix = uniqueQueuePrefix('bench-raw');
  const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  const queue = new Queue('raw', { connection: redis, prefix });
  let done = 0;
  let finish: () => void = () => {};
  const all = new Promise<void>((r) => {
    finish = r;
  });
  const worker = new Worker(
    'raw',
    async () => {
      if (++done === jobs) finish();
    },
    { connection: redis, prefix, concurrency, autorun: false },
  );
  try {
    for (let i = 0; i < jobs; i += 500)
      await queue.addBulk(
        Array.from({ length: Math.min(500, jobs - i) }, (_, k) => ({ name: 'raw', data: { n: i + k } })),
      );
    const t0 = performance.now();
    void worker.run();
    await all;
    return jobs / secs(performance.now() - t0);
  } finally {
    await worker.close();
    await queue.close();
    await deleteKeysWithPrefix(redis, prefix);
    await redis.quit();
  }
}

async function pipeline() {
  const tenants = arg('tenants', 4);
  const perTenant = arg('invoices', 250);
  const concurrency = arg('concurrency', 20);
  const sandbox = await sandboxProcess();
  const h = await startHarness('bench-pipe', {
    externalSandbox: sandbox,
    env: liftedEnv,
    workerConcurrency: concurrency,
    startWorker: false,
  });
  try {
    const ts: Tenant[] = [];
    for (let i = 0; i < tenants; i++) {
      const t = await h.tenant({}, { id: `pipe-${i}` });
      await h.admin(`/realms/${t.realmId}/limits`, LIFTED, 'PUT');
      ts.push(t);
    }
    const total = tenants * perTenant;
    const rssStart = process.memoryUsage().rss;
    // Cold: every invoice brings a customer QBO has not seen (lookup + create + invoice).
    await Promise.all(
      ts.map((t) =>
        sendBatches(
          h,
          t,
          Array.from({ length: perTenant }, (_, n) => invoiceEvent(t.id, n, `C-${n}`)),
        ),
      ),
    );
    let t0 = performance.now();
    h.app.start();
    await waitCount(h, 'invoice', total);
    const coldMs = performance.now() - t0;
    let requests = 0;
    for (const t of ts) requests += (await stats(h, t.realmId)).requests;
    const coldRequests = requests;
    // Steady: new invoices of the same (now mapped) customers.
    // Workers paused while the steady batch is ingested, so it is timed from a full queue like the cold one.
    await Promise.all([...h.app.workers.values()].map((w) => w.pause()));
    await Promise.all(
      ts.map((t) =>
        sendBatches(
          h,
          t,
          Array.from({ length: perTenant }, (_, n) => invoiceEvent(t.id, perTenant + n, `C-${n}`)),
        ),
      ),
    );
    t0 = performance.now();
    for (const w of h.app.workers.values()) w.resume();
    await waitCount(h, 'invoice', 2 * total);
    const steadyMs = performance.now() - t0;
    requests = 0;
    for (const t of ts) requests += (await stats(h, t.realmId)).requests;
    const steadyRequests = requests - coldRequests;
    const rssEnd = process.memoryUsage().rss;
    const raw = await rawBullmq(total, concurrency);
    const steadyRate = total / secs(steadyMs);
    await report(
      'pipeline',
      'Pipeline: queued invoice → synced in QBO (limits lifted, sandbox in its own process)',
      `tsx bench/perf.ts pipeline --tenants=${tenants} --invoices=${perTenant} --concurrency=${concurrency}`,
      [
        ['invoices per phase', total],
        ['cold (new customer each): invoices/s', round(total / secs(coldMs))],
        ['cold: QBO requests per invoice', round(coldRequests / total, 2)],
        ['steady (customers mapped): invoices/s', round(steadyRate)],
        ['steady: QBO requests per invoice', round(steadyRequests / total, 2)],
        [`raw BullMQ, empty jobs, concurrency ${concurrency}, same run: jobs/s`, round(raw, 0)],
        ['raw BullMQ ÷ steady pipeline', `${round(raw / steadyRate)}×`],
        [
          `process RSS (API + worker + harness) start → after ${2 * total} syncs`,
          `${round(rssStart / 2 ** 20, 0)} → ${round(rssEnd / 2 ** 20, 0)} MiB`,
        ],
      ],
      { tenants, perTenant, concurrency, coldMs, steadyMs, coldRequests, steadyRequests, raw, rssStart, rssEnd },
    );
  } finally {
    await h.close();
    await sandbox.close();
  }
}

// ---- counts ---------------------------------------------------------------------------------------------

async function counts() {
  const n = arg('invoices', 50);
  const h = await startHarness('bench-counts', {
    countRoundTrips: true,
    sweepIntervalMs: 3_600_000,
    env: { WORKER_LOCK_DURATION_MS: '600000' },
  });
  const c = h.roundTrips;
  if (!c) throw new Error('no counters');
  try {
    const t = await h.tenant();
    const run = async (from: number, customer: (i: number) => string) => {
      c.reset();
      const before = (await stats(h, t.realmId)).requests;
      await sendBatches(
        h,
        t,
        Array.from({ length: n }, (_, i) => invoiceEvent(t.id, from + i, customer(i))),
      );
      await waitCount(h, 'invoice', from + n);
      await new Promise((r) => setTimeout(r, 500));
      const s = c.snapshot();
      const qbo = (await stats(h, t.realmId)).requests - before;
      return { pg: round(s.pg / n, 2), redis: round(s.redis / n, 2), qbo: round(qbo / n, 2) };
    };
    // Warm-up: the tenant's context, preferences, connection.
    await sendBatches(h, t, [invoiceEvent(t.id, 999_999, 'C-warm')]);
    await waitCount(h, 'invoice', 1);
    const cold = await run(1, (i) => `C-cold-${i}`);
    const steady = await run(1 + n, (i) => `C-cold-${i}`);
    const callbacks = await countCallbacks(h, c, n);
    await report(
      'counts',
      'Round trips per invoice sync (counted, worker side; no callback URL)',
      `tsx bench/perf.ts counts --invoices=${n}`,
      [
        [
          'steady: PostgreSQL statements / Redis commands / QBO requests',
          `${steady.pg} / ${steady.redis} / ${steady.qbo}`,
        ],
        [
          'cold customer: PostgreSQL statements / Redis commands / QBO requests',
          `${cold.pg} / ${cold.redis} / ${cold.qbo}`,
        ],
        [
          'steady, tenant with a callback URL: PostgreSQL statements / Redis commands',
          `${callbacks.pg} / ${callbacks.redis}`,
        ],
        [
          'of which callbacks: PostgreSQL statements / Redis commands (callback.deliver) / runs for the batch',
          `${callbacks.callbackPg} / ${callbacks.callbackRedis} / ${callbacks.runs}`,
        ],
      ],
      { n, steady, cold, callbacks },
    );
  } finally {
    await h.close();
  }
}

/**
 * `n` steady invoices of a tenant with a callback URL, sent in batches of 100: what the worker spends per
 * invoice in all and on callbacks (the callback reads and marks, and the callback.deliver queue's commands).
 */
async function countCallbacks(h: Harness, c: NonNullable<Harness['roundTrips']>, n: number) {
  const receiver = await startCallbackReceiver();
  try {
    const t = await h.tenant({ callbackUrl: receiver.url });
    const synced = await terminalCount(h, 'invoice');
    await sendBatches(h, t, [invoiceEvent(t.id, 999_999, 'C-warm')]);
    await waitCount(h, 'invoice', synced + 1);
    const announced = async (want: number) => {
      while (receiver.hits.length < want) await new Promise((r) => setTimeout(r, 25));
    };
    // The warm-up invoice and its new customer.
    await announced(2);
    await new Promise((r) => setTimeout(r, 500));
    c.reset();
    await sendBatches(
      h,
      t,
      Array.from({ length: n }, (_, i) => invoiceEvent(t.id, 1 + i, 'C-warm')),
    );
    await waitCount(h, 'invoice', synced + 1 + n);
    await announced(2 + n);
    await new Promise((r) => setTimeout(r, 500));
    const s = c.snapshot();
    // The callback run's read (main: one per version) and its mark(s).
    const callbackPg = s.pgLog.filter(
      (q) => q.startsWith('select "sync_records"."id", "sync_records"."tenant_id"') || q.includes('callback_version'),
    ).length;
    const runs = s.pgLog.filter((q) => q.startsWith('select "sync_records"."id", "sync_records"."tenant_id"')).length;
    const callbackRedis = s.redisLog.filter((q) => q.includes('callback.deliver')).length;
    return {
      pg: round(s.pg / n, 2),
      redis: round(s.redis / n, 2),
      callbackPg: round(callbackPg / n, 2),
      callbackRedis: round(callbackRedis / n, 2),
      runs,
    };
  } finally {
    await receiver.close();
  }
}

// ---- efficiency at Intuit's real limits ----------------------------------------------------------------

async function efficiency() {
  const customers = arg('customers', 100);
  const invoices = arg('invoices', 700);
  const payments = arg('payments', 300);
  const registry = createMetricsRegistry('bench');
  const h = await startHarness('bench-eff', {
    // Intuit's figures: 500 requests a minute and 10 at once per company (the sandbox enforces both, and
    // answers 429 beyond); our side keeps to its default 450/min and 8 a second.
    sandbox: { limits: { requestsPerWindow: 500, windowMs: 60_000, maxConcurrent: 10 } },
    qboLimits: { burst: { perWindow: 8, windowMs: 1000 } },
    workerConcurrency: 20,
    startWorker: false,
    metrics: registry,
  });
  try {
    const t = await h.tenant({}, { id: 'eff' });
    const events = [
      ...Array.from({ length: invoices }, (_, n) => invoiceEvent(t.id, n, `C-${n % customers}`)),
      ...Array.from({ length: payments }, (_, n) => paymentEvent(t.id, n, `C-${n % customers}`)),
    ];
    await sendBatches(h, t, events);
    await h.admin(`/realms/${t.realmId}/stats`, undefined, 'DELETE');
    const t0 = performance.now();
    h.app.start();
    await waitCount(h, 'invoice', invoices);
    await waitCount(h, 'payment', payments);
    const ms = performance.now() - t0;
    const s = await stats(h, t.realmId);
    const minimum = customers * 2 + invoices + payments;
    const byKind = (await registry.getSingleMetric('qbo_sync_qbo_requests_total')?.get())?.values.map(
      (v) => `${v.labels['method']} ${v.labels['entity']}: ${v.value}`,
    );
    const attempts = await h.db.sql<{ outcome: string; n: string }[]>`
      select outcome, count(*) n from sync_attempts group by 1 order by 1`;
    const ideal = (s.requests / 450) * 60_000;
    await report(
      'efficiency',
      `Efficiency at Intuit's limits: one company, ${invoices + payments} events`,
      `tsx bench/perf.ts efficiency --customers=${customers} --invoices=${invoices} --payments=${payments}`,
      [
        ['events (invoices + payments, customers new)', `${invoices} + ${payments}, ${customers} customers`],
        ['minimum requests (customer lookup + create, 1 per invoice, 1 per payment)', minimum],
        ['requests used', s.requests],
        ['requests used ÷ minimum', `${round(s.requests / minimum, 3)}×`],
        ['time to all synced', `${round(secs(ms))} s`],
        ['requests used ÷ 450 per minute', `${round(secs(ideal))} s`],
        ['time ÷ (requests ÷ 450/min)', `${round(ms / ideal, 2)}×`],
        ['HTTP 429 from QBO', s.throttled429],
        ['requests by kind', (byKind ?? []).join(', ')],
        ['job attempts by outcome', attempts.map((a) => `${a.outcome} ${a.n}`).join(', ')],
      ],
      { customers, invoices, payments, ms, stats: s, minimum, byKind, attempts },
    );
  } finally {
    await h.close();
  }
}

/** The environment of a worker process started by a benchmark: the harness's stores, QBO limits lifted. */
function workerProcessEnv(h: Harness, concurrency: number): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    DATABASE_URL: h.db.url,
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: h.prefix,
    SANDBOX_PORT: String(h.sandbox.port),
    WORKER_CONCURRENCY: String(concurrency),
    WORKER_METRICS_PORT: '0',
    SWEEP_INTERVAL_MS: '60000',
    ...liftedEnv,
  };
}

// ---- worker processes: scale-out and memory --------------------------------------------------------------

interface WorkerProcs {
  pids: number[];
  rssMiB(): Promise<number[]>;
  stop(): Promise<void>;
}

/** N worker processes (apps/worker/src/main.ts, as deployed) on the harness's database, Redis prefix and sandbox. */
async function startWorkers(h: Harness, n: number, concurrency: number): Promise<WorkerProcs> {
  const main = join(here, '..', '..', 'apps', 'worker', 'src', 'main.ts');
  // `node --import tsx`: one process per worker (the tsx binary adds a loader process), so its CPU is readable.
  const children = Array.from({ length: n }, () =>
    spawn(process.execPath, ['--import', 'tsx', main], {
      cwd: join(here, '..'),
      env: workerProcessEnv(h, concurrency),
      stdio: ['ignore', 'inherit', 'inherit'],
    }),
  );
  const rss = async (pid: number) => {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  };
  return {
    pids: children.map((c) => c.pid ?? 0),
    rssMiB: () => Promise.all(children.map((c) => rss(c.pid ?? 0))),
    async stop() {
      await Promise.all(
        children.map((c) => {
          const exited = new Promise((r) => c.once('exit', r));
          c.kill('SIGTERM');
          return exited;
        }),
      );
    },
  };
}

async function processes() {
  const perTenant = arg('invoices', 250);
  const tenants = arg('tenants', 4);
  const concurrency = arg('concurrency', 20);
  const counts = (process.argv.find((a) => a.startsWith('--procs='))?.split('=')[1] ?? '1,2,4').split(',').map(Number);
  const sandbox = await sandboxProcess();
  const h = await startHarness('bench-procs', { externalSandbox: sandbox, env: liftedEnv, startWorker: false });
  const rows: [string, string | number][] = [];
  const data: unknown[] = [];
  let synced = 0;
  try {
    for (const n of counts) {
      const ts: Tenant[] = [];
      for (let i = 0; i < tenants; i++) {
        const t = await h.tenant({}, { id: `procs${n}-${i}` });
        await h.admin(`/realms/${t.realmId}/limits`, LIFTED, 'PUT');
        ts.push(t);
      }
      // The N processes start first and sync a warm-up batch (customers created, JIT and pools warmed in
      // every process); the timed batch is then queued while the queue is paused (neither ingest nor
      // start-up is the figure) and the clock runs from resume to the last sync.
      const procs = await startWorkers(h, n, concurrency);
      const queue = h.producer.queues['invoice.sync'];
      while ((await queue.getWorkersCount()) < n) await new Promise((r) => setTimeout(r, 100));
      const batch = (from: number) =>
        Promise.all(
          ts.map((t) =>
            sendBatches(
              h,
              t,
              Array.from({ length: perTenant }, (_, k) => invoiceEvent(t.id, from + k, `C-${k % 50}`)),
            ),
          ),
        );
      await batch(0);
      synced += tenants * perTenant;
      await waitCount(h, 'invoice', synced);
      await queue.pause();
      await batch(perTenant);
      await new Promise((r) => setTimeout(r, 500));
      const cpu0 = await Promise.all(procs.pids.map(processCpuMs));
      const machine0 = await machineCpu();
      const t0 = performance.now();
      await queue.resume();
      synced += tenants * perTenant;
      await waitCount(h, 'invoice', synced);
      const ms = performance.now() - t0;
      const machine = machineBusy(machine0, await machineCpu());
      const cpuMs = (await Promise.all(procs.pids.map(processCpuMs))).reduce((a, c, i) => a + c - (cpu0[i] ?? 0), 0);
      await procs.stop();
      const invoices = tenants * perTenant;
      const rate = invoices / secs(ms);
      const label = `${n} worker process${n > 1 ? 'es' : ''} (concurrency ${concurrency} each)`;
      rows.push([`${label}: invoices/s`, round(rate)]);
      rows.push([`${label}: worker CPU per sync, all processes`, `${round(cpuMs / invoices, 2)} ms`]);
      rows.push([`${label}: machine CPU busy (all ${machine.cores} cores)`, `${round(machine.busyPct)}%`]);
      data.push({ processes: n, invoices, ms, rate, workerCpuMs: cpuMs, machine });
    }
    await report(
      'processes',
      'Scale-out: worker processes on one Redis and one PostgreSQL (steady invoices, sandbox in its own process)',
      `tsx bench/perf.ts processes --tenants=${tenants} --invoices=${perTenant} --procs=${counts.join(',')}`,
      [
        ...rows,
        [
          'note',
          "queued while paused, timed from resume to all synced; the machine's cores are shared by the workers, the sandbox, PostgreSQL and Redis",
        ],
      ],
      data,
    );
  } finally {
    await h.close();
    await sandbox.close();
  }
}

async function memory() {
  const jobs = arg('jobs', 20_000);
  const tenants = 4;
  const sandbox = await sandboxProcess();
  const h = await startHarness('bench-mem', { externalSandbox: sandbox, env: liftedEnv, startWorker: false });
  try {
    const ts: Tenant[] = [];
    for (let i = 0; i < tenants; i++) {
      const t = await h.tenant({}, { id: `mem-${i}` });
      await h.admin(`/realms/${t.realmId}/limits`, LIFTED, 'PUT');
      ts.push(t);
    }
    const procs = await startWorkers(h, 1, 20);
    const samples: { synced: number; rssMiB: number }[] = [];
    const per = Math.ceil(jobs / tenants);
    const chunk = arg('chunk', 250);
    let sent = 0;
    for (let from = 0; from < per; from += chunk) {
      const size = Math.min(chunk, per - from);
      await Promise.all(
        ts.map((t) =>
          sendBatches(
            h,
            t,
            Array.from({ length: size }, (_, k) => invoiceEvent(t.id, from + k, `C-${(from + k) % 50}`)),
          ),
        ),
      );
      sent += size * tenants;
      await waitCount(h, 'invoice', sent);
      samples.push({ synced: sent, rssMiB: round((await procs.rssMiB())[0] ?? 0, 0) });
      console.log(samples.at(-1));
    }
    await procs.stop();
    const first = samples[0];
    const last = samples.at(-1);
    const peak = Math.max(...samples.map((x) => x.rssMiB));
    await report(
      'memory',
      'Worker process RSS while syncing (one process, steady invoices)',
      `tsx bench/perf.ts memory --jobs=${jobs} --chunk=${chunk}`,
      [
        [`RSS after ${first?.synced} syncs`, `${first?.rssMiB} MiB`],
        [`RSS after ${last?.synced} syncs`, `${last?.rssMiB} MiB`],
        ['peak RSS', `${peak} MiB`],
        ['samples (syncs: MiB)', samples.map((x) => `${x.synced}: ${x.rssMiB}`).join(', ')],
      ],
      samples,
    );
  } finally {
    await h.close();
    await sandbox.close();
  }
}

// ---- worker CPU per steady sync --------------------------------------------------------------------------

/** User + system CPU of a process so far, ms (/proc/<pid>/stat, clock ticks of 10 ms). */
async function processCpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After "pid (comm) ": state is field 3 of stat(5), utime 14 and stime 15.
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** The machine's CPU time counters (/proc/stat, in clock ticks): all cores, busy and idle. */
async function machineCpu(): Promise<{ busy: number; total: number }> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0] ?? '';
  const t = line.trim().split(/\s+/).slice(1).map(Number);
  const total = t.reduce((a, b) => a + b, 0);
  // idle and iowait are the two not-busy columns.
  return { busy: total - (t[3] ?? 0) - (t[4] ?? 0), total };
}

function machineBusy(from: { busy: number; total: number }, to: { busy: number; total: number }) {
  const cores = os.cpus().length || 1;
  return { cores, busyPct: (100 * (to.busy - from.busy)) / Math.max(1, to.total - from.total) };
}

/** The system's monotonic clock in µs: the clock V8's profiler stamps its samples with on Linux. */
const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

/**
 * One worker process (apps/worker/src/main.ts under `node --import tsx`, a single process, optionally with
 * --cpu-prof) syncs a cold batch (customers created; warms the JIT), then a steady batch queued while the
 * queue is paused: its CPU per steady sync is the process's CPU delta over the steady phase ÷ invoices.
 * With --profile, the profile's samples of the steady phase are grouped by library.
 */
async function cpu() {
  const tenants = arg('tenants', 4);
  const perTenant = arg('invoices', 250);
  const concurrency = arg('concurrency', 20);
  const profile = process.argv.includes('--profile');
  const sandbox = await sandboxProcess();
  const h = await startHarness('bench-cpu', { externalSandbox: sandbox, env: liftedEnv, startWorker: false });
  // Profiles are tens of MB: kept out of the repository.
  const profDir = join(os.tmpdir(), `qbo-sync-cpu-prof-${Date.now()}`);
  let child: ChildProcess | undefined;
  try {
    const ts: Tenant[] = [];
    for (let i = 0; i < tenants; i++) {
      const t = await h.tenant({}, { id: `cpu-${i}` });
      await h.admin(`/realms/${t.realmId}/limits`, LIFTED, 'PUT');
      ts.push(t);
    }
    const main = join(here, '..', '..', 'apps', 'worker', 'src', 'main.ts');
    const nodeArgs = [...(profile ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : []), '--import', 'tsx', main];
    child = spawn(process.execPath, nodeArgs, {
      cwd: join(here, '..'),
      env: workerProcessEnv(h, concurrency),
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const pid = child.pid ?? 0;
    const queue = h.producer.queues['invoice.sync'];
    while ((await queue.getWorkersCount()) < 1) await new Promise((r) => setTimeout(r, 100));
    const total = tenants * perTenant;
    // Cold: every invoice brings a new customer; warms the process (JIT, pools, tenant caches).
    await Promise.all(
      ts.map((t) =>
        sendBatches(
          h,
          t,
          Array.from({ length: perTenant }, (_, n) => invoiceEvent(t.id, n, `C-${n}`)),
        ),
      ),
    );
    await waitCount(h, 'invoice', total);
    // Steady: queued while the queue is paused, then timed from a full queue.
    await queue.pause();
    await Promise.all(
      ts.map((t) =>
        sendBatches(
          h,
          t,
          Array.from({ length: perTenant }, (_, n) => invoiceEvent(t.id, perTenant + n, `C-${n}`)),
        ),
      ),
    );
    await new Promise((r) => setTimeout(r, 500));
    const cpu0 = await processCpuMs(pid);
    const others0 = { sandbox: await processCpuMs(sandbox.pid), pg: await backendCpuUs(h), redis: await redisCpuUs(h) };
    const machine0 = await machineCpu();
    const from = monotonicUs();
    const t0 = performance.now();
    await queue.resume();
    await waitCount(h, 'invoice', 2 * total);
    const ms = performance.now() - t0;
    const to = monotonicUs();
    const cpuMs = (await processCpuMs(pid)) - cpu0;
    const machine = machineBusy(machine0, await machineCpu());
    const sandboxMs = (await processCpuMs(sandbox.pid)) - others0.sandbox;
    const pgUs = await backendCpuSinceUs(h, others0.pg);
    const redisUs = (await redisCpuUs(h)) - others0.redis;
    const exited = new Promise((r) => child?.once('exit', r));
    child.kill('SIGTERM');
    await exited;
    child = undefined;
    const raw = await rawBullmq(total, concurrency);
    const rate = total / secs(ms);
    const rows: [string, string | number][] = [
      ['steady invoices (customers mapped), one worker process', total],
      ['worker process CPU per steady sync (user + system)', `${round(cpuMs / total, 2)} ms`],
      ['steady invoices/s', round(rate)],
      [`raw BullMQ, empty jobs, concurrency ${concurrency}, same run: jobs/s`, round(raw, 0)],
      ['raw BullMQ ÷ steady worker', `${round(raw / rate)}×`],
      ['PostgreSQL CPU per steady sync (backends of this database)', `${round(pgUs / 1000 / total, 2)} ms`],
      ['Redis CPU per steady sync (whole server)', `${round(redisUs / 1000 / total, 2)} ms`],
      ['QBO sandbox process CPU per steady sync', `${round(sandboxMs / total, 2)} ms`],
      [`machine CPU busy over the steady phase (all ${machine.cores} cores)`, `${round(machine.busyPct)}%`],
      [
        'load average at the end (1/5/15 min)',
        os
          .loadavg()
          .map((x) => round(x, 2))
          .join(' '),
      ],
    ];
    let breakdown: Awaited<ReturnType<typeof analyseProfileFile>> | undefined;
    if (profile) {
      // The main thread's profile (CPU.<date>.<time>.<pid>.0.<seq>.cpuprofile); a worker thread writes its own.
      const file = (await readdir(profDir)).find((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f));
      if (!file) throw new Error(`no profile written in ${profDir}`);
      breakdown = await analyseProfileFile(join(profDir, file), { from, to }, 30);
      rows.push(['profile', join(profDir, file)]);
      rows.push(['profiled busy time in the steady phase per sync', `${round(breakdown.busyMs / total, 2)} ms`]);
      for (const g of breakdown.groups)
        rows.push([`self time: ${g.group}`, `${g.pct}% (${round(g.ms / total, 3)} ms/sync)`]);
      for (const f of breakdown.top.slice(0, 20))
        rows.push([`top: [${f.group}] ${f.fn.replaceAll('|', '\\|')}`, `${f.pct}%`]);
    }
    await report(
      'cpu',
      'Worker CPU per steady invoice sync (one worker process, sandbox in its own process, QBO limits lifted)',
      `tsx bench/perf.ts cpu --tenants=${tenants} --invoices=${perTenant} --concurrency=${concurrency}${profile ? ' --profile' : ''}`,
      rows,
      {
        tenants,
        perTenant,
        concurrency,
        ms,
        cpuMs,
        pgUs,
        redisUs,
        sandboxMs,
        machine,
        raw,
        window: { from, to },
        breakdown,
      },
    );
  } finally {
    if (child) {
      const exited = new Promise((r) => child?.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    await h.close();
    await sandbox.close();
  }
}

const figures: Record<string, () => Promise<void>> = { ingest, pipeline, counts, efficiency, processes, memory, cpu };
const which = process.argv[2] ?? '';
const run = figures[which];
if (!run) {
  console.error(`usage: tsx bench/perf.ts <${Object.keys(figures).join('|')}> [--flags]`);
  process.exit(2);
}
await run();
process.exit(0);
