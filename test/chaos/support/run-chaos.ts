// The chaos run: a seeded multi-tenant workload sent through the signed HTTP API (its own process) to
// worker processes, against the local QBO sandbox, on a private Redis and a private PostgreSQL, while
// faults are injected; then a settle phase without faults and the checker. Returns a report object.
import { createHmac } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '@qbo-sync/config';
import type { DomainEventInput } from '@qbo-sync/contracts';
import { createDb, prepareDatabase, SecretBox } from '@qbo-sync/db';
import { upsertMapping } from '@qbo-sync/db/repositories/mappings';
import { createTenant } from '@qbo-sync/db/repositories/tenants';
import { createLogger } from '@qbo-sync/observability';
import { createQueues, type Queues } from '@qbo-sync/producer';
import { createQboClient, TokenSet } from '@qbo-sync/qbo-client';
import { type RunningSandbox, startSandbox } from '@qbo-sync/qbo-sandbox';
import { freePort, startOwnPostgres, startOwnRedis } from '@qbo-sync/testkit';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import { checkCompany, type Failure, type RecordRow, type VoidPolicy } from './checker.js';
import { type ExpectedCompany, expectedCompany, expectedRecordStatuses } from './model.js';
import { buildTenantWorkload, type TenantWorkload } from './scenario.js';
import { API_MAIN, spawnNodeProcess, WorkerFleet, type WorkerProcess } from './worker-process.js';
import { prng } from './workload.js';

export interface ChaosOptions {
  seed: number;
  tenants: number;
  /** Unique events in all (re-deliveries on top). */
  events: number;
  duplicateRate: number;
  /** Deliveries shuffled across stories up to this many places (0: story order; see ScenarioShape). */
  shuffleWindow: number;
  workers: number;
  workerConcurrency: number;
  /** Access-token lifetime in the sandbox (seconds). */
  tokenTtlSeconds: number;
  /** Background fault probabilities per QBO request. */
  p5xx: number;
  p429: number;
  pCommitDrop: number;
  /** Mean time between worker SIGKILLs and between 5xx/429 storms (ms); 0 = none. */
  killEveryMs: number;
  stormEveryMs: number;
  /** When Redis is killed and restarted empty, and PostgreSQL stopped (ms after the first delivery; <0 = never). */
  redisLossAtMs: number;
  pgStopAtMs: number;
  pgStopForMs: number;
  /** Least time faults are injected, even if the workload was sent sooner. */
  minChaosMs: number;
  /**
   * Faults go on while the system works: until this share of the expected records is terminal, or nothing
   * is queued any more (what is left is stuck), or `maxChaosMs` passed. On a busy machine syncing lags far
   * behind sending, so ending the faults with the sending would leave most of the syncing unharmed.
   */
  chaosUntilDone: number;
  maxChaosMs: number;
  /**
   * Whole-run budget (ms from the start), for the jest test: faults stop by half of it and the settle phase
   * ends 20 s before it, so the checker always reports instead of the test timing out. 0 = none.
   */
  budgetMs: number;
  /** How long the fault-free settle phase may last before the checker runs anyway. */
  settleTimeoutMs: number;
  /** QBO budget per realm and minute (sandbox) — the client budget is set 10 % under it. */
  qboRequestsPerMinute: number;
  /** Parallel ingest requests, and events per signed batch request. */
  publishConcurrency: number;
  publishBatch: number;
  voidPolicy: VoidPolicy;
  log: (line: string) => void;
}

export const FULL_PROFILE: Omit<ChaosOptions, 'seed' | 'log'> = {
  tenants: 10,
  events: 10_000,
  duplicateRate: 0.2,
  shuffleWindow: 0,
  workers: 3,
  workerConcurrency: 10,
  tokenTtlSeconds: 5,
  p5xx: 0.02,
  // No background 429s: each one rightly pauses the company for 60 s, so 2 % of requests would pause it for good.
  p429: 0,
  pCommitDrop: 0.03,
  killEveryMs: 20_000,
  stormEveryMs: 15_000,
  redisLossAtMs: 45_000,
  pgStopAtMs: 110_000,
  pgStopForMs: 20_000,
  minChaosMs: 180_000,
  chaosUntilDone: 0.9,
  maxChaosMs: 45 * 60_000,
  budgetMs: 0,
  settleTimeoutMs: 15 * 60_000,
  qboRequestsPerMinute: 3000,
  publishConcurrency: 4,
  publishBatch: 10,
  voidPolicy: 'either',
};

/** ~600 events over 3 tenants with the same kinds of fault, sized for `npm test` on a 2-core machine. */
export const SHORT_PROFILE: Omit<ChaosOptions, 'seed' | 'log'> = {
  ...FULL_PROFILE,
  tenants: 3,
  events: 600,
  workers: 2,
  workerConcurrency: 8,
  killEveryMs: 7_000,
  stormEveryMs: 5_000,
  redisLossAtMs: 5_000,
  pgStopAtMs: 12_000,
  pgStopForMs: 5_000,
  minChaosMs: 20_000,
  maxChaosMs: 60_000,
  budgetMs: 165_000,
  // Longer than the 60 s a company pauses after a 429 (a storm just before the chaos phase ends must not
  // fail the run), and bounded by budgetMs so the jest test reports (rather than times out) in three minutes.
  settleTimeoutMs: 100_000,
};

/** No faults at all: a baseline that checks the workload, the model and the checker against each other. */
export const CALM_PROFILE: Omit<ChaosOptions, 'seed' | 'log'> = {
  ...SHORT_PROFILE,
  p5xx: 0,
  p429: 0,
  pCommitDrop: 0,
  killEveryMs: 0,
  stormEveryMs: 0,
  redisLossAtMs: -1,
  pgStopAtMs: -1,
  minChaosMs: 0,
};

/**
 * The books: several companies, deliveries shuffled across stories (drafts sent and voided, deposits voided
 * during close-out, payments and refunds before their parents), no injected faults, and the strict void
 * policy — every QBO object exactly right, voided ones posted and voided. Sized for `npm test`.
 */
export const BOOKS_PROFILE: Omit<ChaosOptions, 'seed' | 'log'> = {
  ...CALM_PROFILE,
  tenants: 4,
  events: 400,
  duplicateRate: 0.1,
  shuffleWindow: 40,
  voidPolicy: 'post-and-void',
  // Bounded so the jest test reports (rather than times out) on a loaded machine.
  budgetMs: 170_000,
  settleTimeoutMs: 120_000,
};

export interface FaultLog {
  workerKills: number;
  /** Worker processes that exited before they were ready (e.g. started while PostgreSQL was down). */
  workerStartFailures: number;
  workerCrashes: { name: string; code: number | null; signal: string | null; tail: string }[];
  apiCrashes: { code: number | null; signal: string | null; tail: string }[];
  storms5xx: number;
  storms429: number;
  redisLoss: { atMs: number; downMs: number } | null;
  pgOutage: { atMs: number; downMs: number } | null;
  /** Times the background and storm rules fired in the sandbox, by kind. */
  sandboxFired: Record<string, number>;
}

export interface ChaosReport {
  passed: boolean;
  seed: number;
  options: Omit<ChaosOptions, 'log'>;
  startedAt: string;
  durationMs: number;
  phases: { setupMs: number; publishMs: number; chaosMs: number; settleMs: number; settled: boolean; stuck: boolean };
  workload: {
    uniqueEvents: number;
    deliveries: number;
    byType: Record<string, number>;
    stories: Record<string, number>;
    expected: { customers: number; invoices: number; payments: number; refunds: number; records: number };
  };
  ingest: {
    accepted: number;
    duplicate: number;
    retries: number;
    rejected: { id: string; status: number; body: string }[];
  };
  faults: FaultLog;
  qbo: {
    requests: number;
    throttled429: number;
    tokenRefreshes: number;
    requestIdReplays: number;
    faultsByCode: Record<string, number>;
    writes: Record<string, number>;
  };
  records: Record<string, number>;
  queues: Record<string, Record<string, number>>;
  inboxUnprocessed: number;
  /** Records not terminal at the end, grouped by their last attempt and when their events arrived. */
  stuckRecords: Record<string, number>;
  failures: {
    byCategory: Record<string, number>;
    byCategoryAndEntity: Record<string, number>;
    samples: Failure[];
    /** Every failure (the JSON report only). */
    all: Failure[];
  };
  unhandled: string[];
}

interface TenantSetup {
  id: string;
  realmId: string;
  apiKey: string;
  signingSecret: string;
  customersBefore: Set<string>;
  workload: TenantWorkload;
  model: ExpectedCompany;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const withTimeout = <T>(p: Promise<T>, ms: number): Promise<T> =>
  Promise.race([p, new Promise<T>((_, rej) => setTimeout(() => rej(new Error('timeout')), ms))]);

export async function runChaos(opts: ChaosOptions): Promise<ChaosReport> {
  const t0 = Date.now();
  const log = (s: string) => opts.log(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s] ${s}`);
  const rnd = prng(opts.seed ^ 0xc4a05);
  const unhandled: string[] = [];
  const onUnhandled = (err: unknown) => {
    if (unhandled.length < 50) unhandled.push(err instanceof Error ? (err.stack ?? err.message) : String(err));
  };
  process.on('unhandledRejection', onUnhandled);

  const cleanups: (() => Promise<unknown>)[] = [];
  const cleanup = async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
  };
  try {
    // ---- infrastructure of our own
    const redis = await startOwnRedis();
    cleanups.push(() => redis.stop());
    const pg = await startOwnPostgres();
    cleanups.push(() => pg.destroy());
    const databaseUrl = await pg.createDatabase('qbo_chaos');
    await prepareDatabase(databaseUrl);
    log(`private redis :${redis.port}, postgres :${pg.port}`);
    const sandbox: RunningSandbox = await startSandbox({
      accessTokenTtlSeconds: opts.tokenTtlSeconds,
      limits: { requestsPerWindow: opts.qboRequestsPerMinute, windowMs: 60_000, maxConcurrent: 10 },
      seed: opts.seed,
    });
    cleanups.push(() => sandbox.close());
    const prefix = `{chaos-${opts.seed}}`;
    const baseEnv = {
      NODE_ENV: 'test',
      DATABASE_URL: databaseUrl,
      REDIS_URL: redis.url,
      QUEUE_PREFIX: prefix,
      SANDBOX_PORT: String(sandbox.port),
      QBO_RATE_LIMIT_PER_WINDOW: String(Math.floor(opts.qboRequestsPerMinute * 0.9)),
      // Short HTTP timeout: the limiter's leases a killed process held expire soon.
      QBO_HTTP_TIMEOUT_MS: '5000',
      // A job Redis lost is queued again from the inbox after this long (production default 60 s), so a
      // short run sees the healing instead of waiting a minute for it.
      INBOX_REQUEUE_AFTER_MS: '10000',
      SWEEP_INTERVAL_MS: '5000',
    };
    const config = loadConfig({ ...baseEnv, LOG_LEVEL: 'silent' });
    const secrets = new SecretBox(config.encryptionKeys);

    // ---- tenants: a seeded QBO company each, connected, with the usual mappings and a workload
    const setupDb = createDb(databaseUrl, { max: 2 });
    const setupRedis = new Redis(redis.url, { maxRetriesPerRequest: null });
    const qbo = createQboClient({
      qbo: config.qbo,
      db: setupDb.db,
      redis: setupRedis,
      secrets,
      logger: createLogger({ name: 'chaos-setup', level: 'silent' }),
      keyPrefix: prefix,
    });
    const perTenant = Math.ceil(opts.events / opts.tenants);
    const tenants: TenantSetup[] = [];
    for (let i = 1; i <= opts.tenants; i++) {
      const id = `chaos-t${i}`;
      const realm = sandbox.createRealm({ seed: true });
      const s = realm.seeded;
      if (!s) throw new Error('the sandbox did not seed the realm');
      const created = await createTenant(setupDb.db, secrets, { id, name: `Chaos tenant ${i}` });
      await qbo.oauth.saveGrant(id, realm.realmId, TokenSet.parse(sandbox.issueTokens(realm.realmId)));
      const map = (kind: string, externalKey: string, qboId: string) =>
        upsertMapping(setupDb.db, { tenantId: id, kind, externalKey, qboId });
      await map('item', 'ITM-LABOR', s.items.movingLabor);
      await map('item', 'ITM-PACK', s.items.packingMaterials);
      await map('item', 'sales_tax', s.items.consultation);
      await map('payment_method', 'card', s.paymentMethods.creditCard);
      await map('payment_method', 'check', s.paymentMethods.check);
      await map('deposit_account', 'USD', s.accounts.checking);
      await map('account', 'accounts_receivable', s.accounts.accountsReceivable);
      await map('account', 'refund_bank', s.accounts.checking);
      const workload = buildTenantWorkload(id, i, opts.seed, {
        eventsPerTenant: perTenant,
        duplicateRate: opts.duplicateRate,
        shuffleWindow: opts.shuffleWindow,
      });
      tenants.push({
        id,
        realmId: realm.realmId,
        apiKey: created.apiKey,
        signingSecret: created.signingSecret,
        customersBefore: new Set(sandbox.entities(realm.realmId, 'Customer').map((c) => String(c['Id']))),
        workload,
        model: expectedCompany(workload.events),
      });
    }
    await qbo.close();
    await setupRedis.quit();
    await setupDb.close();

    // ---- processes: the API and the workers
    const apiPort = await freePort();
    const faults: FaultLog = {
      workerKills: 0,
      workerStartFailures: 0,
      workerCrashes: [],
      apiCrashes: [],
      storms5xx: 0,
      storms429: 0,
      redisLoss: null,
      pgOutage: null,
      sandboxFired: {},
    };
    let stopping = false;
    let api: WorkerProcess | undefined;
    const startApi = async (): Promise<void> => {
      const p = spawnNodeProcess({
        name: 'api',
        entry: API_MAIN,
        readyText: 'qbo-sync API listening',
        env: { ...baseEnv, LOG_LEVEL: 'info', API_PORT: String(apiPort) },
      });
      api = p;
      let ready = false;
      void p.exit.then(async (e) => {
        if (stopping || e.killed) return;
        if (ready) {
          faults.apiCrashes.push({ code: e.code, signal: e.signal, tail: p.tail(20) });
          log(`API exited by itself (${e.code ?? e.signal}); restarting it`);
        } else await pause(1000);
        if (!stopping) void startApi();
      });
      await p.ready().then(
        () => {
          ready = true;
        },
        () => {},
      );
    };
    await startApi();
    cleanups.push(async () => api?.kill9());
    const fleet = new WorkerFleet({
      databaseUrl,
      redisUrl: redis.url,
      queuePrefix: prefix,
      sandboxPort: sandbox.port,
      concurrency: opts.workerConcurrency,
      lockDurationMs: 2_000,
      sweepIntervalMs: 500,
      extra: {
        LOG_LEVEL: 'info',
        QBO_RATE_LIMIT_PER_WINDOW: baseEnv.QBO_RATE_LIMIT_PER_WINDOW,
        QBO_HTTP_TIMEOUT_MS: '5000',
        // The workers' inbox sweep is what queues again the jobs Redis lost: without this they waited the
        // production 60 s, longer than the settle phase's 30 s "nothing moves" limit (runs ended "stuck").
        INBOX_REQUEUE_AFTER_MS: baseEnv.INBOX_REQUEUE_AFTER_MS,
      },
    });
    cleanups.push(() => fleet.killAll());
    const workers = new Set<WorkerProcess>();
    const startWorker = async (): Promise<void> => {
      const w = fleet.start();
      workers.add(w);
      let ready = false;
      void w.exit.then(async (e) => {
        workers.delete(w);
        if (stopping || e.killed) return;
        if (ready) {
          faults.workerCrashes.push({ name: w.name, code: e.code, signal: e.signal, tail: w.tail(25) });
          log(`${w.name} exited by itself (${e.code ?? e.signal}); starting another`);
        } else {
          // A process that cannot start while a store is down is not a crash; it is started again.
          faults.workerStartFailures++;
          await pause(1000);
        }
        if (!stopping) void startWorker();
      });
      await w.ready().then(
        () => {
          ready = true;
        },
        () => {},
      );
    };
    await Promise.all(Array.from({ length: opts.workers }, () => startWorker()));
    log(`API on :${apiPort}, ${opts.workers} workers, ${opts.tenants} tenants`);

    // ---- background QBO faults on every company
    const rules: { kind: string; rule: { fired: number } }[] = [];
    for (const t of tenants) {
      const add = (kind: string, rule: Parameters<RunningSandbox['injectFault']>[1]) =>
        rules.push({ kind, rule: sandbox.injectFault(t.realmId, rule) });
      if (opts.p5xx > 0) add('5xx', { kind: 'http5xx', status: 503, probability: opts.p5xx });
      if (opts.p429 > 0) add('429', { kind: 'throttle', probability: opts.p429 });
      if (opts.pCommitDrop > 0)
        add('commit-then-drop', { kind: 'commit-then-drop', probability: opts.pCommitDrop, match: { method: 'POST' } });
      add('latency', { kind: 'latency', latencyMs: 40, probability: 0.3 });
    }

    // ---- monitoring connections (each call guarded: the stores go away on purpose)
    const monitorSql = postgres(databaseUrl, { max: 2, connect_timeout: 3, idle_timeout: 5, onnotice: () => {} });
    cleanups.push(() => monitorSql.end({ timeout: 2 }));
    const monitorRedis = new Redis(redis.url, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
    monitorRedis.on('error', () => {});
    cleanups.push(async () => monitorRedis.disconnect());
    const queues: Queues = createQueues(monitorRedis, prefix);
    for (const q of Object.values(queues)) q.on('error', () => {});
    cleanups.push(async () => {
      for (const q of Object.values(queues)) await withTimeout(q.close(), 2000).catch(() => {});
    });
    const expectedTotal = tenants.reduce((s, t) => s + expectedRecordStatuses(t.model).size, 0);
    const recordCounts = async (): Promise<Record<string, number> | undefined> => {
      try {
        const rows = await withTimeout(
          monitorSql<{ status: string; n: number }[]>`select status, count(*)::int as n from sync_records group by 1`,
          4000,
        );
        return Object.fromEntries(rows.map((r) => [r.status, r.n]));
      } catch {
        return undefined;
      }
    };
    /** Accepted events not yet through a finished job run (inbox processed_at null). */
    const unprocessedEvents = async (): Promise<number | undefined> => {
      try {
        const [row] = await withTimeout(
          monitorSql<{ n: number }[]>`select count(*)::int as n from inbox_events where processed_at is null`,
          4000,
        );
        return row?.n ?? 0;
      } catch {
        return undefined;
      }
    };
    const queueCounts = async (): Promise<Record<string, Record<string, number>> | undefined> => {
      try {
        const out: Record<string, Record<string, number>> = {};
        for (const [name, q] of Object.entries(queues))
          out[name] = await withTimeout(
            q.getJobCounts('active', 'waiting', 'delayed', 'prioritized', 'waiting-children', 'failed'),
            3000,
          );
        return out;
      } catch {
        return undefined;
      }
    };
    const sumQueues = (q: Record<string, Record<string, number>>, states: string[]) =>
      Object.values(q).reduce((s, c) => s + states.reduce((a, k) => a + (c[k] ?? 0), 0), 0);

    // ---- publishing through the signed API, retrying 5xx / network errors as a billing system would
    const ingest = { accepted: 0, duplicate: 0, retries: 0, rejected: [] as ChaosReport['ingest']['rejected'] };
    // Deliveries go in signed batches of a few events per tenant (the batch endpoint), tenants interleaved.
    const batches: { t: TenantSetup; events: DomainEventInput[] }[] = [];
    const maxLen = Math.max(...tenants.map((t) => t.workload.deliveries.length));
    for (let i = 0; i < maxLen; i += opts.publishBatch)
      for (const t of tenants) {
        const events = t.workload.deliveries.slice(i, i + opts.publishBatch);
        if (events.length > 0) batches.push({ t, events });
      }
    const deliveryCount = tenants.reduce((n, t) => n + t.workload.deliveries.length, 0);
    const send = async (t: TenantSetup, events: DomainEventInput[]) => {
      for (let attempt = 0; ; attempt++) {
        const raw = JSON.stringify({ events });
        const ts = String(Math.floor(Date.now() / 1000));
        const sig = createHmac('sha256', t.signingSecret).update(`${ts}.${raw}`).digest('hex');
        try {
          const res = await fetch(`http://127.0.0.1:${apiPort}/v1/events:batch`, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              'x-api-key': t.apiKey,
              'x-qbo-sync-timestamp': ts,
              'x-qbo-sync-signature': `v1=${sig}`,
            },
            body: raw,
            signal: AbortSignal.timeout(20_000),
          });
          const body = await res.text();
          if (res.status === 200) {
            const results = (JSON.parse(body) as { results: { id: string; status: string }[] }).results;
            for (const r of results) {
              if (r.status === 'accepted') ingest.accepted++;
              else if (r.status === 'duplicate') ingest.duplicate++;
              else ingest.rejected.push({ id: r.id, status: 200, body: JSON.stringify(r).slice(0, 300) });
            }
            return;
          }
          if (res.status < 500 && res.status !== 429) {
            ingest.rejected.push({ id: events[0]?.id ?? '?', status: res.status, body: body.slice(0, 300) });
            return;
          }
        } catch {
          // connection refused / reset / timeout: the API is restarting or a store is down
        }
        ingest.retries++;
        await pause(Math.min(3000, 200 * 2 ** Math.min(attempt, 4)));
      }
    };
    const tPublish = Date.now();
    let published = 0;
    const publishing = (async () => {
      let next = 0;
      await Promise.all(
        Array.from({ length: opts.publishConcurrency }, async () => {
          while (next < batches.length) {
            const item = batches[next++];
            if (!item) continue;
            await send(item.t, item.events);
            published += item.events.length;
          }
        }),
      );
    })();
    let publishMs = 0;
    void publishing.then(() => {
      publishMs = Date.now() - tPublish;
      log(`all ${deliveryCount} deliveries sent in ${(publishMs / 1000).toFixed(1)} s`);
    });

    // ---- progress line every 5 s
    let lastProgress = '';
    const progress = setInterval(() => {
      void (async () => {
        const r = await recordCounts();
        const q = await queueCounts();
        const line = `sent ${published}/${deliveryCount} | records ${r ? JSON.stringify(r) : 'db down'} | queued ${q ? sumQueues(q, ['waiting', 'prioritized', 'active', 'delayed']) : 'redis down'} | workers ${workers.size}`;
        if (line !== lastProgress) log(line);
        lastProgress = line;
      })();
    }, 5000);
    cleanups.push(async () => clearInterval(progress));

    // ---- the chaos phase
    const since = () => Date.now() - tPublish;
    let nextKill = opts.killEveryMs > 0 ? opts.killEveryMs * (0.5 + rnd.next()) : Infinity;
    let nextStorm = opts.stormEveryMs > 0 ? opts.stormEveryMs * (0.5 + rnd.next()) : Infinity;
    let redisDone = opts.redisLossAtMs < 0;
    let pgDone = opts.pgStopAtMs < 0;
    let publishDone = false;
    void publishing.then(() => {
      publishDone = true;
    });
    const outages: Promise<void>[] = [];
    let doneEnough = false;
    let lastProgressCheck = 0;
    while (!(publishDone && redisDone && pgDone && since() >= opts.minChaosMs && doneEnough)) {
      await pause(250);
      const now = since();
      if (now >= opts.maxChaosMs || (opts.budgetMs > 0 && Date.now() - t0 >= opts.budgetMs / 2)) break;
      if (publishDone && now - lastProgressCheck >= 5000) {
        lastProgressCheck = now;
        const r = await recordCounts();
        const q = await queueCounts();
        if (r && q) {
          const terminal = (r['synced'] ?? 0) + (r['skipped'] ?? 0) + (r['voided'] ?? 0);
          const queued = sumQueues(q, ['waiting', 'prioritized', 'active', 'delayed']);
          doneEnough = terminal >= opts.chaosUntilDone * expectedTotal || queued === 0;
        }
      }
      if (now >= nextKill) {
        nextKill = now + opts.killEveryMs * (0.5 + rnd.next());
        const alive = [...workers];
        const victim = alive[rnd.int(0, alive.length - 1)];
        if (victim) {
          faults.workerKills++;
          log(`SIGKILL ${victim.name}`);
          await victim.kill9();
          void startWorker();
        }
      }
      if (now >= nextStorm) {
        nextStorm = now + opts.stormEveryMs * (0.5 + rnd.next());
        const t = tenants[rnd.int(0, tenants.length - 1)] as TenantSetup;
        // Storms last a few seconds, not a number of requests: after a 429 the client rightly waits 60 s
        // (Intuit's rule) before its next request, so a count-bounded 429 storm would last an hour.
        const is5xx = rnd.next() < 0.6;
        const rule = sandbox.injectFault(
          t.realmId,
          is5xx
            ? { kind: 'http5xx', status: rnd.next() < 0.5 ? 500 : 503, probability: 0.8 }
            : { kind: 'throttle', probability: 0.9 },
        );
        const injector = sandbox.sandbox.realm(t.realmId).injector;
        setTimeout(
          () => {
            injector.rules = injector.rules.filter((r) => r !== rule);
          },
          is5xx ? 8_000 : 3_000,
        ).unref();
        rules.push({ kind: is5xx ? '5xx storm' : '429 storm', rule });
        if (is5xx) faults.storms5xx++;
        else faults.storms429++;
        log(`${is5xx ? '5xx' : '429'} storm on ${t.id}`);
      }
      if (!redisDone && now >= opts.redisLossAtMs) {
        redisDone = true;
        const at = now;
        log('Redis: SIGKILL, restarting EMPTY');
        const down = Date.now();
        await redis.stop();
        await pause(1000);
        await redis.start();
        faults.redisLoss = { atMs: at, downMs: Date.now() - down };
        log(`Redis back (empty) after ${Date.now() - down} ms`);
      }
      if (!pgDone && now >= opts.pgStopAtMs) {
        pgDone = true;
        const at = now;
        log(`PostgreSQL: stopping for ${opts.pgStopForMs / 1000} s`);
        const down = Date.now();
        outages.push(
          (async () => {
            await pg.stop();
            await pause(opts.pgStopForMs);
            await pg.start();
            faults.pgOutage = { atMs: at, downMs: Date.now() - down };
            log(`PostgreSQL back after ${Date.now() - down} ms`);
          })(),
        );
      }
    }
    await Promise.all(outages);
    await publishing;
    const chaosMs = since();
    for (const r of rules) faults.sandboxFired[r.kind] = (faults.sandboxFired[r.kind] ?? 0) + r.rule.fired;
    for (const t of tenants) sandbox.clearFaults(t.realmId);
    log(`chaos phase over after ${(chaosMs / 1000).toFixed(0)} s; faults cleared, waiting for the system to settle`);

    // ---- settle: every expected record terminal and nothing queued, twice in a row. It gives up early when
    // the system is stuck: nothing queued or scheduled and no record moving for 30 s (or nothing at all
    // changing for 5 minutes) — records left pending then are pending for good.
    const tSettle = Date.now();
    let settled = false;
    let stuck = false;
    let calm = 0;
    let lastState = '';
    let lastChange = Date.now();
    const settleUntil = Math.min(
      tSettle + opts.settleTimeoutMs,
      opts.budgetMs > 0 ? t0 + opts.budgetMs - 20_000 : Number.POSITIVE_INFINITY,
    );
    while (Date.now() < settleUntil) {
      await pause(2000);
      const r = await recordCounts();
      const q = await queueCounts();
      if (!r || !q) continue;
      const total = Object.values(r).reduce((a, b) => a + b, 0);
      // Every accepted event must have been through a finished job run: a record that looks terminal may
      // still have an update whose job Redis lost (the inbox sweep queues it again).
      const unprocessed = await unprocessedEvents();
      const busy = (r['pending'] ?? 0) + (r['syncing'] ?? 0) + (r['waiting'] ?? 0) + (unprocessed ?? 1);
      const running = sumQueues(q, ['waiting', 'prioritized', 'active']);
      const delayed = sumQueues(q, ['delayed']);
      if (busy === 0 && running + delayed === 0 && total >= expectedTotal) calm++;
      else calm = 0;
      if (calm >= 2) {
        settled = true;
        break;
      }
      const state = JSON.stringify([r, q]);
      if (state !== lastState) {
        lastState = state;
        lastChange = Date.now();
      }
      const still = Date.now() - lastChange;
      if ((running + delayed === 0 && still >= 30_000) || still >= 300_000) {
        stuck = true;
        // With CHAOS_LOG_DIR: each live worker writes a diagnostic report (where its JS is, what it waits on).
        if (process.env.CHAOS_LOG_DIR) {
          for (const w of workers) w.signal('SIGUSR2');
          await new Promise((r) => setTimeout(r, 2_000));
        }
        log(
          `stuck: nothing changed for ${(still / 1000).toFixed(0)} s (${busy} records not terminal, ${delayed} delayed jobs)`,
        );
        break;
      }
    }
    const settleMs = Date.now() - tSettle;
    log(
      settled ? `settled in ${(settleMs / 1000).toFixed(0)} s` : `NOT settled after ${(settleMs / 1000).toFixed(0)} s`,
    );
    stopping = true;
    clearInterval(progress);

    // ---- the check
    const allRecords = await monitorSql<(RecordRow & { tenant_id: string })[]>`
      select tenant_id, entity_type, external_id, status, qbo_id, reason_code from sync_records`;
    const [inbox] = await monitorSql<
      { n: number }[]
    >`select count(*)::int as n from inbox_events where enqueued_at is null or processed_at is null`;
    const finalQueues = (await queueCounts()) ?? {};
    const failures: Failure[] = [];
    for (const t of tenants) {
      failures.push(
        ...checkCompany({
          tenantId: t.id,
          model: t.model,
          company: {
            customers: sandbox.entities(t.realmId, 'Customer'),
            invoices: sandbox.entities(t.realmId, 'Invoice'),
            payments: sandbox.entities(t.realmId, 'Payment'),
            purchases: sandbox.entities(t.realmId, 'Purchase'),
          },
          customersBefore: t.customersBefore,
          records: allRecords.filter((r) => r.tenant_id === t.id),
          voidPolicy: opts.voidPolicy,
        }),
      );
    }
    for (const [name, c] of Object.entries(finalQueues)) {
      const stuck = Object.entries(c).filter(([k, n]) => k !== 'paused' && n > 0);
      if (stuck.length > 0)
        failures.push({
          tenantId: '*',
          category: 'queue_not_empty',
          entity: `queue:${name}`,
          detail: stuck.map(([k, n]) => `${k} ${n}`).join(', '),
        });
    }
    if ((inbox?.n ?? 0) > 0) {
      // Why: never queued, or queued and the job is in which state in Redis (the sweep re-queues 'unknown').
      const open = await monitorSql<{ job_name: string; job_id: string; enqueued_at: Date | null; age_s: number }[]>`
        select job_name, job_id, enqueued_at, extract(epoch from now() - coalesce(enqueued_at, received_at))::int as age_s
        from inbox_events where enqueued_at is null or processed_at is null order by received_at limit 200`;
      const why: Record<string, number> = {};
      for (const r of open) {
        const q = (queues as Record<string, { getJobState(id: string): Promise<string> }>)[r.job_name];
        const state = q ? await withTimeout(q.getJobState(r.job_id), 3000).catch(() => 'unreadable') : 'no queue';
        const key = `${r.enqueued_at ? 'queued' : 'never queued'}, job ${state}, ${r.age_s >= 30 ? '30s+' : '<30s'} ago`;
        why[key] = (why[key] ?? 0) + 1;
      }
      failures.push({
        tenantId: '*',
        category: 'inbox_unprocessed',
        entity: 'inbox_events',
        detail: `${inbox?.n} accepted events never queued or never through a finished job run (first ${open.length}: ${JSON.stringify(why)})`,
      });
    }

    // Why records are not terminal: the last attempt, deferrals, and whether their events arrived before
    // the Redis loss (events acknowledged then lost from the queues) — the report's diagnosis.
    // Jobs queued before Redis came back empty were lost with it (the kill itself is a little earlier).
    const redisLossAt = faults.redisLoss ? tPublish + faults.redisLoss.atMs + faults.redisLoss.downMs : undefined;
    const stuckRows = await monitorSql<
      {
        tenant_id: string;
        entity_type: string;
        external_id: string;
        status: string;
        deferrals: number;
        last_attempt: string | null;
        last_received: Date | null;
      }[]
    >`
      select r.tenant_id, r.entity_type, r.external_id, r.status,
        (select count(*)::int from sync_attempts a where a.sync_record_id = r.id and a.outcome = 'deferred') as deferrals,
        (select a.outcome || ': ' || coalesce(left(a.message, 100), '') from sync_attempts a
          where a.sync_record_id = r.id order by a.id desc limit 1) as last_attempt,
        (select max(i.received_at) from inbox_events i
          where i.tenant_id = r.tenant_id and i.entity_id = r.external_id) as last_received
      from sync_records r where r.status not in ('synced', 'skipped', 'voided')`;
    const stuckRecords: Record<string, number> = {};
    const whyOf = new Map<string, string>();
    for (const r of stuckRows) {
      const when =
        redisLossAt === undefined || !r.last_received
          ? ''
          : r.last_received.getTime() < redisLossAt
            ? '; its last event arrived before Redis came back empty'
            : '; its last event arrived after Redis came back';
      const last = r.last_attempt ? r.last_attempt.replace(/\d+/g, 'N') : 'no attempt ever';
      const key = `${r.entity_type}/${r.status}: ${last}${r.deferrals > 0 ? ` (${r.deferrals >= 10 ? '10+' : r.deferrals} deferrals)` : ''}${when}`;
      stuckRecords[key] = (stuckRecords[key] ?? 0) + 1;
      whyOf.set(
        `${r.tenant_id}/${r.entity_type}:${r.external_id}`,
        `last attempt ${r.last_attempt ?? 'none'}; ${r.deferrals} deferrals${when}`,
      );
    }
    for (const f of failures) {
      const why = whyOf.get(`${f.tenantId}/${f.entity}`);
      if (why && (f.category === 'record_not_terminal' || f.category === 'record_wrong_status'))
        f.detail += ` — ${why}`;
    }

    const byCategory: Record<string, number> = {};
    const byCategoryAndEntity: Record<string, number> = {};
    for (const f of failures) {
      byCategory[f.category] = (byCategory[f.category] ?? 0) + 1;
      const k = `${f.category} ${f.entity.split(':')[0]}`;
      byCategoryAndEntity[k] = (byCategoryAndEntity[k] ?? 0) + 1;
    }
    const samples: Failure[] = [];
    for (const cat of Object.keys(byCategory)) samples.push(...failures.filter((f) => f.category === cat).slice(0, 12));
    const recordStatus: Record<string, number> = {};
    for (const r of allRecords) {
      const k = `${r.entity_type}/${r.status}${r.reason_code ? ` (${r.reason_code})` : ''}`;
      recordStatus[k] = (recordStatus[k] ?? 0) + 1;
    }
    const qboStats = {
      requests: 0,
      throttled429: 0,
      tokenRefreshes: 0,
      requestIdReplays: 0,
      faultsByCode: {} as Record<string, number>,
      writes: {} as Record<string, number>,
    };
    for (const t of tenants) {
      const s = sandbox.stats(t.realmId);
      qboStats.requests += s.requests;
      qboStats.throttled429 += s.throttled429;
      qboStats.tokenRefreshes += s.tokenRefreshes;
      qboStats.requestIdReplays += s.requestIdReplays;
      for (const [k, v] of Object.entries(s.faultsByCode))
        qboStats.faultsByCode[k] = (qboStats.faultsByCode[k] ?? 0) + v;
      for (const [k, v] of Object.entries(s.writesByEntity)) qboStats.writes[k] = (qboStats.writes[k] ?? 0) + v;
    }
    const byType: Record<string, number> = {};
    const stories: Record<string, number> = {};
    for (const t of tenants) {
      for (const e of t.workload.events) byType[e.type] = (byType[e.type] ?? 0) + 1;
      for (const [k, v] of Object.entries(t.workload.stories)) stories[k] = (stories[k] ?? 0) + v;
    }
    const sum = (f: (m: ExpectedCompany) => number) => tenants.reduce((s, t) => s + f(t.model), 0);
    const { log: _log, ...options } = opts;
    return {
      passed: failures.length === 0 && faults.workerCrashes.length === 0 && faults.apiCrashes.length === 0,
      seed: opts.seed,
      options,
      startedAt: new Date(t0).toISOString(),
      durationMs: Date.now() - t0,
      phases: { setupMs: tPublish - t0, publishMs, chaosMs, settleMs, settled, stuck },
      workload: {
        uniqueEvents: tenants.reduce((s, t) => s + t.workload.events.length, 0),
        deliveries: deliveryCount,
        byType,
        stories,
        expected: {
          customers: sum((m) => m.customers.size),
          invoices: sum((m) => m.invoices.size),
          payments: sum((m) => m.payments.size),
          refunds: sum((m) => m.refunds.size),
          records: expectedTotal,
        },
      },
      ingest,
      faults,
      qbo: qboStats,
      records: recordStatus,
      queues: finalQueues,
      inboxUnprocessed: inbox?.n ?? 0,
      stuckRecords,
      failures: { byCategory, byCategoryAndEntity, samples, all: failures },
      unhandled,
    };
  } finally {
    await cleanup();
    process.off('unhandledRejection', onUnhandled);
  }
}

export const CHAOS_OUT_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'out');
