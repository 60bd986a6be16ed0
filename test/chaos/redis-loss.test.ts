// Redis loses its data (killed and restarted empty, as after a crash without persistence or a failover to
// an empty replica) while events are accepted and syncing. PostgreSQL's inbox is the authority: every
// accepted event whose job never finished is found and queued again under its own job id — by the worker's
// sweep, by a re-send of the event, or by a person's replay — and ends up in QBO exactly once.
// The suite runs a Redis server of its own (`@qbo-sync/testkit`'s startOwnRedis): the shared one is never touched.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { type OwnRedis, startOwnRedis, waitFor } from '@qbo-sync/testkit';
import { event, invoiceData } from '../support/harness.js';
import { type Chaos, startChaos } from './support/setup.js';
import { assertExactlyOnce, syncedCount, waitAllSynced } from './support/verify.js';
import { buildWorkload, chaosSeed } from './support/workload.js';

/** INBOX_REQUEUE_AFTER_MS for the suite: an unfinished event is looked up in Redis after this long. */
const REQUEUE_MS = 1_500;
const QUEUED = ['waiting', 'prioritized', 'delayed', 'active'];

describe('chaos: Redis restarted empty', () => {
  let redis: OwnRedis | undefined;
  let c: Chaos | undefined;
  beforeAll(async () => {
    redis = await startOwnRedis();
    c = await startChaos('chaos_redis_loss', { redisUrl: redis.url, requeueAfterMs: REQUEUE_MS });
  }, 60_000);
  afterEach(async () => {
    await c?.fleet.killAll();
  });
  afterAll(async () => {
    await c?.close();
    await redis?.stop();
  }, 30_000);

  /** Kills Redis; after `downMs` (the API's readiness reporting the outage meanwhile) starts it empty. */
  async function restartEmpty(downMs = 0) {
    if (!c || !redis) throw new Error('setup failed');
    const { h } = c;
    await redis.stop();
    if (downMs > 0) {
      const back = Date.now() + downMs;
      const during = await waitFor(
        async () => {
          const res = await fetch(`${h.apiUrl}/health/ready`);
          return res.status === 503 ? ((await res.json()) as Record<string, unknown>) : undefined;
        },
        { timeoutMs: 10_000, intervalMs: 200, what: 'API readiness to report Redis down' },
      );
      expect(during).toMatchObject({ status: 'degraded', checks: { database: 'ok', redis: 'failing' } });
      await new Promise((r) => setTimeout(r, Math.max(0, back - Date.now())));
    }
    await redis.start();
    await waitFor(() => h.redis.ping().then((p) => p === 'PONG'), { timeoutMs: 10_000, what: 'Redis back' });
  }

  it('queues a lost event again when it is re-sent or replayed, and reports how long it has waited', async () => {
    if (!c) throw new Error('setup failed');
    const { h } = c;
    const t = await h.tenant();
    const resent = event(t.id, 'invoice.sent', invoiceData({ id: 'INV-RS', number: 'RL-RS' }));
    const replayed = event(t.id, 'invoice.sent', invoiceData({ id: 'INV-RP', number: 'RL-RP' }));
    await h.publish(resent);
    await h.publish(replayed);
    const jobIds = await h.db.sql<{ event_id: string; job_id: string }[]>`
      select event_id, job_id from inbox_events where tenant_id = ${t.id}`;
    const jobOf = (id: string) => jobIds.find((r) => r.event_id === id)?.job_id ?? 'none';
    const queue = h.producer.queues['invoice.sync'];
    const stateOf = (eventId: string) => queue.getJobState(jobOf(eventId));
    expect(QUEUED).toContain(await stateOf(resent.id));

    // No worker runs: both jobs are waiting when Redis loses everything.
    await restartEmpty();
    expect(await h.redis.dbsize()).toBe(0);
    expect(await stateOf(resent.id)).toBe('unknown');
    expect(await stateOf(replayed.id)).toBe('unknown');

    // The backlog shows on the API's /metrics (read from PostgreSQL, not from the queues Redis lost).
    await new Promise((r) => setTimeout(r, REQUEUE_MS + 200));
    const metrics = await (await fetch(`${h.apiUrl}/metrics`)).text();
    const gauge = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(metrics)?.[1]);
    expect(gauge('qbo_sync_inbox_unprocessed_events')).toBe(2);
    expect(gauge('qbo_sync_inbox_oldest_unprocessed_age_seconds')).toBeGreaterThanOrEqual(REQUEUE_MS / 1000);

    // A re-send is a duplicate, and its lost job is back under the same id.
    const again = await h.post(t.id, '/v1/events', resent);
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ status: 'duplicate', jobId: jobOf(resent.id) });
    expect(QUEUED).toContain(await stateOf(resent.id));

    // A replay of an entity that has events but no sync record yet queues its event's job.
    const replay = await fetch(`${h.apiUrl}/admin/tenants/${t.id}/sync-records/invoice/INV-RP/replay`, {
      method: 'POST',
    });
    expect(replay.status).toBe(200);
    expect(await replay.json()).toMatchObject({ replayed: 1, jobId: jobOf(replayed.id) });
    expect(QUEUED).toContain(await stateOf(replayed.id));

    // A worker then syncs each once.
    const worker = c.fleet.start();
    await worker.ready();
    await h.waitStatus(t.id, 'invoice', 'INV-RS', 'synced', 30_000);
    await h.waitStatus(t.id, 'invoice', 'INV-RP', 'synced', 30_000);
    const docs = (await h.entities(t.realmId, 'Invoice')).map((i) => i['DocNumber']).sort();
    expect(docs).toEqual(['RL-RP', 'RL-RS']);
    await waitFor(
      async () => {
        const [row] = await h.db.sql<{ n: number }[]>`
          select count(*)::int as n from inbox_events where tenant_id = ${t.id} and processed_at is null`;
        return row?.n === 0;
      },
      { timeoutMs: 10_000, what: 'both events processed' },
    );
  }, 90_000);

  it('syncs every accepted event exactly once when Redis goes down mid-sync and comes back empty', async () => {
    if (!c) throw new Error('setup failed');
    const seed = chaosSeed();
    console.log(`chaos seed (replay with CHAOS_SEED=${seed})`);
    const { h, tenant: t } = c;
    // Slow QBO, so most jobs are still queued (or mid-call) when Redis loses them.
    await h.admin(`/realms/${t.realmId}/faults`, { kind: 'latency', latencyMs: 200 });
    const w = buildWorkload(t.id, seed, { customers: 3, invoices: 30, paymentEvery: 3, refunds: 3, tag: 'RL' });

    const worker = c.fleet.start();
    await worker.ready();
    await c.publishAll(w.events);
    await waitFor(
      async () => {
        const done = await syncedCount(h, t.id, 'invoice');
        return done >= 3 && done < w.invoices.length - 10;
      },
      { timeoutMs: 30_000, intervalMs: 20, what: 'some invoices synced, most not yet' },
    );
    // Down for 4 s (an outage: jobs in flight meet it), then back without any of its data.
    await restartEmpty(4_000);
    const synced = await syncedCount(h, t.id);
    expect(synced).toBeLessThan(w.events.length);

    await waitAllSynced(h, t.id, w, 60_000);
    await assertExactlyOnce(h, t, w, c.customersBefore);
    expect(worker.exited ? worker.tail(60) : 'alive').toBe('alive');
    expect((await fetch(`${h.apiUrl}/health/ready`)).status).toBe(200);
  }, 120_000);
});
