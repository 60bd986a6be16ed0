// PostgreSQL stops for 15 s while a worker process is syncing: the outage must cost only time. The
// process stays up (no uncaught driver error), its jobs step aside instead of spending their attempts, its
// readiness reports the outage and recovers, and afterwards every billing object is in QBO exactly once.
// The suite runs a PostgreSQL server of its own (`@qbo-sync/testkit`'s startOwnPostgres): the shared one is never stopped.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { freePort, type OwnPostgres, startOwnPostgres, waitFor } from '@qbo-sync/testkit';
import { type Chaos, startChaos } from './support/setup.js';
import { assertExactlyOnce, syncedCount, waitAllSynced } from './support/verify.js';
import { buildWorkload, chaosSeed } from './support/workload.js';

const OUTAGE_MS = 15_000;

async function readiness(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('chaos: PostgreSQL outage', () => {
  let pg: OwnPostgres | undefined;
  let c: Chaos | undefined;
  let metricsPort = 0;
  beforeAll(async () => {
    pg = await startOwnPostgres();
    metricsPort = await freePort();
    c = await startChaos('chaos_pg_outage', {
      pgBaseUrl: pg.baseUrl,
      workerEnv: { WORKER_METRICS_PORT: String(metricsPort) },
    });
  }, 60_000);
  afterEach(async () => {
    await c?.fleet.killAll();
  });
  afterAll(async () => {
    await pg?.start().catch(() => undefined);
    await c?.close();
    await pg?.destroy();
  }, 30_000);

  it('keeps the worker alive through a 15 s stop and syncs everything exactly once afterwards', async () => {
    if (!c || !pg) throw new Error('setup failed');
    const seed = chaosSeed();
    console.log(`chaos seed (replay with CHAOS_SEED=${seed})`);
    const { h, tenant: t } = c;
    // Slow QBO, so jobs are mid-call (holding a database connection's worth of work) when PostgreSQL stops.
    await h.admin(`/realms/${t.realmId}/faults`, { kind: 'latency', latencyMs: 200 });
    const w = buildWorkload(t.id, seed, { customers: 3, invoices: 24, paymentEvery: 3, refunds: 0, tag: 'PG' });

    const worker = c.fleet.start();
    await worker.ready();
    const ready = `http://127.0.0.1:${metricsPort}/health/ready`;
    // The metrics server starts listening just after "worker started".
    await waitFor(() => readiness(ready).then((r) => r.status === 200), {
      timeoutMs: 10_000,
      what: 'worker readiness before the outage',
    });
    await c.publishAll(w.events);
    await waitFor(async () => (await syncedCount(h, t.id, 'invoice')) >= 2, {
      timeoutMs: 30_000,
      intervalMs: 20,
      what: 'the first invoices synced',
    });
    const syncedBefore = await syncedCount(h, t.id);

    await pg.stop();
    const outageEnds = Date.now() + OUTAGE_MS;
    // Readiness says why the worker is not doing work; liveness of the process is the point of the test.
    const during = await waitFor(
      async () => {
        const r = await readiness(ready);
        return r.status === 503 ? r : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 250, what: 'worker readiness to report the outage' },
    );
    expect(during.body).toMatchObject({ status: 'degraded', checks: { database: 'failing', redis: 'ok' } });
    // A worker (re)started during the outage waits for the database instead of exiting.
    const late = c.fleet.start();
    await new Promise((r) => setTimeout(r, Math.max(0, outageEnds - Date.now())));
    expect(worker.exited ? worker.tail(60) : 'alive').toBe('alive');
    await pg.start();

    await waitFor(() => readiness(ready).then((r) => r.status === 200), {
      timeoutMs: 15_000,
      intervalMs: 250,
      what: 'worker readiness to recover',
    });
    await late.ready();
    await waitAllSynced(h, t.id, w, 45_000);
    expect(syncedBefore).toBeLessThan(w.events.length);
    await assertExactlyOnce(h, t, w, c.customersBefore);
    // No sync spent an attempt on the outage: nothing was retried into failure, nothing was marked failed.
    const charged = await h.db.sql<{ outcome: string; status: string; message: string | null }[]>`
      select outcome, status, message from sync_attempts where outcome = 'retry' or status = 'failed'`;
    expect(charged).toEqual([]);
    expect(late.exited ? late.tail(60) : 'alive').toBe('alive');
    // …because jobs did meet the outage and stepped aside (the worker's own deferral counter says so).
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    const deferred = /qbo_sync_deferrals_total\{[^}]*reason="store_outage"[^}]*\} (\d+)/.exec(metrics)?.[1];
    expect(Number(deferred)).toBeGreaterThan(0);
    expect(worker.exited ? worker.tail(60) : 'alive').toBe('alive');
  }, 120_000);
});
