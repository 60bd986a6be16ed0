// Scenario 1: SIGKILL the worker while QBO calls are in flight (slow QBO), start another, and prove
// every billing object ends up in QBO exactly once.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { waitFor } from '@qbo-sync/testkit';
import { type Chaos, startChaos } from './support/setup.js';
import { assertExactlyOnce, syncedCount, waitAllSynced } from './support/verify.js';
import { buildWorkload, chaosSeed } from './support/workload.js';

describe('chaos: kill -9 mid-flight', () => {
  let c: Chaos;
  beforeAll(async () => {
    c = await startChaos('chaos_midflight');
  }, 30_000);
  afterEach(async () => {
    await c?.fleet.killAll();
  });
  afterAll(async () => {
    await c?.close();
  });

  it('loses nothing and doubles nothing when the worker dies with jobs active', async () => {
    const seed = chaosSeed();
    console.log(`chaos seed (replay with CHAOS_SEED=${seed})`);
    const { h, tenant: t } = c;
    // Slow QBO: 300 ms on every call, 800 ms on about half of them, so jobs are mid-call when the kill lands.
    await h.admin(`/realms/${t.realmId}/faults`, { kind: 'latency', latencyMs: 300 });
    await h.admin(`/realms/${t.realmId}/faults`, { kind: 'latency', latencyMs: 500, probability: 0.5 });
    // 30 invoices over 4 customers (every customer is found-or-created by several jobs at once), 10 payments.
    const w = buildWorkload(t.id, seed, { customers: 4, invoices: 30, paymentEvery: 3, refunds: 0, tag: 'MF' });

    const first = c.fleet.start();
    await first.ready();
    await c.publishAll(w.events);
    const activeJobs = async () => {
      const counts = await Promise.all(Object.values(h.producer.queues).map((q) => q.getActiveCount()));
      return counts.reduce((a, b) => a + b, 0);
    };
    // Some invoices done, not all, and jobs running right now: kill there.
    await waitFor(
      async () => {
        const done = await syncedCount(h, t.id, 'invoice');
        return done >= 3 && done < w.invoices.length - 5 && (await activeJobs()) > 0;
      },
      { timeoutMs: 30_000, intervalMs: 20, what: 'the first invoices synced while others are active' },
    );
    await first.kill9();
    const syncedAtKill = await syncedCount(h, t.id);
    expect(syncedAtKill).toBeLessThan(w.events.length);

    const second = c.fleet.start();
    await second.ready();
    await waitAllSynced(h, t.id, w, 60_000);
    await assertExactlyOnce(h, t, w, c.customersBefore);
  }, 90_000);
});
