// Scenario 2: QBO commits invoice creates but the answers never arrive (commit-then-drop), and the worker
// is SIGKILLed right then — before it could record anything. The next worker must find what QBO already
// has (requestid replay, our marker / document number) instead of creating it again.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { waitFor } from '@qbo-sync/testkit';
import { type Chaos, startChaos } from './support/setup.js';
import { assertExactlyOnce, syncedCount, waitAllSynced } from './support/verify.js';
import { buildWorkload, chaosSeed } from './support/workload.js';

describe('chaos: kill -9 right after QBO committed', () => {
  let c: Chaos;
  beforeAll(async () => {
    c = await startChaos('chaos_commit');
  }, 30_000);
  afterEach(async () => {
    await c?.fleet.killAll();
  });
  afterAll(async () => {
    await c?.close();
  });

  it('adopts the invoices QBO committed unheard instead of creating them twice', async () => {
    const seed = chaosSeed();
    console.log(`chaos seed (replay with CHAOS_SEED=${seed})`);
    const { h, tenant: t } = c;
    await h.admin(`/realms/${t.realmId}/faults`, { kind: 'latency', latencyMs: 100 });
    // The first six invoice creates (retries included) commit in QBO and lose their answer.
    await h.admin(`/realms/${t.realmId}/faults`, {
      kind: 'commit-then-drop',
      times: 6,
      match: { method: 'POST', entity: 'invoice', operation: 'create' },
    });
    const w = buildWorkload(t.id, seed, { customers: 3, invoices: 12, paymentEvery: 4, refunds: 0, tag: 'CD' });

    const first = c.fleet.start();
    await first.ready();
    await c.publishAll(w.events);
    // Kill the moment QBO holds an invoice: its create was dropped, so the worker is between tries.
    await waitFor(async () => (await h.entities(t.realmId, 'Invoice')).length > 0, {
      timeoutMs: 30_000,
      intervalMs: 5,
      what: 'QBO to commit the first invoice',
    });
    await first.kill9();
    // The crash point was hit: QBO has invoices our records do not know about yet.
    const inQbo = (await h.entities(t.realmId, 'Invoice')).length;
    const recorded = await syncedCount(h, t.id, 'invoice');
    expect(inQbo).toBeGreaterThan(recorded);
    const started = await h.db.sql<{ n: number }[]>`
      select count(*)::int as n from sync_records
      where tenant_id = ${t.id} and entity_type = 'invoice' and status <> 'synced' and write_started_at is not null`;
    expect(started[0]?.n).toBeGreaterThan(0);

    const second = c.fleet.start();
    await second.ready();
    await waitAllSynced(h, t.id, w, 60_000);
    await assertExactlyOnce(h, t, w, c.customersBefore);
  }, 90_000);
});
