import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PRIORITY } from '@qbo-sync/contracts';
import { ensureRecord } from '@qbo-sync/db/repositories/sync-records';
import { waitFor } from '@qbo-sync/testkit';
import { ENTITY_BUSY_REPORT_AFTER } from '@qbo-sync/worker';
import { customer, event, type Harness, invoiceData, startHarness } from '../../support/harness.js';

type Row = Record<string, unknown>;

describe('entity locks: re-entrant within a job, a job kept waiting is reported, overlapping runs fenced', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('entity_locks');
  });
  afterAll(async () => {
    await h.close();
  });

  const lockKey = (tenantId: string, entityType: string, id: string) =>
    `{${h.prefix.replace(/^\{|\}$/g, '')}:t:${tenantId}}:lock:${entityType}:${encodeURIComponent(id)}`;

  it('syncs a new customer whose first event is customer.updated (the run re-enters its own lock)', async () => {
    const t = await h.tenant();
    await h.publish(event(t.id, 'customer.updated', customer('C-NEW', { firstName: 'Nina', lastName: 'Park' })));
    const rec = await h.waitStatus(t.id, 'customer', 'C-NEW', 'synced', 20_000);
    const inQbo = (await h.entities(t.realmId, 'Customer')).filter((c) => c['DisplayName'] === 'Nina Park');
    expect(inQbo.map((c: Row) => c['Id'])).toEqual([rec.qboId]);
    // find-or-create marks the record synced before the run writes its attempt: wait for the run to end.
    const attempts = await waitFor(async () => {
      const a = await h.attempts(rec.id);
      return a.length > 0 ? a : undefined;
    });
    expect(attempts.map((a) => a.outcome)).toEqual(['synced']);
  }, 30_000);

  it('reports a job deferred for entity_busy many times in a row on the record, then syncs once free', async () => {
    const t = await h.tenant();
    const key = { tenantId: t.id, entityType: 'customer', externalId: 'C-HELD' };
    await ensureRecord(h.db.db, key);
    // Another job holds the entity (a stuck run elsewhere).
    await h.redis.set(lockKey(t.id, 'customer', 'C-HELD'), 'some-token customer.sync:stuck-job', 'PX', 60_000);
    const ev = event(t.id, 'customer.updated', customer('C-HELD', { firstName: 'Held', lastName: 'Back' }));
    await h.publish(ev);
    // A job that has already been deferred for entity_busy one time short of the report (as after a minute).
    await h.producer.queues['customer.sync'].add(
      'customer.sync',
      {
        tenantId: t.id,
        eventId: ev.id,
        entityId: 'C-HELD',
        source: 'live',
        entityBusyDeferrals: ENTITY_BUSY_REPORT_AFTER - 1,
      },
      { jobId: `entity-busy-streak|${t.id}`, priority: PRIORITY.live, attempts: 10 },
    );
    const reported = await waitFor(
      async () => {
        const r = await h.record(t.id, 'customer', 'C-HELD');
        return r?.reasonCode === 'ENTITY_BUSY' ? r : undefined;
      },
      { timeoutMs: 15_000, what: 'the record to say it waits for another sync' },
    );
    expect(reported.status).toBe('pending');
    expect(reported.reason).toMatch(/another sync of this entity/);
    // Deferrals are not attempts.
    expect(await h.attempts(reported.id)).toEqual([]);

    await h.redis.del(lockKey(t.id, 'customer', 'C-HELD'));
    const synced = await h.waitStatus(t.id, 'customer', 'C-HELD', 'synced', 20_000);
    expect(synced.reasonCode).toBeNull();
    expect((await h.entities(t.realmId, 'Customer')).filter((c) => c['DisplayName'] === 'Held Back')).toHaveLength(1);
  }, 40_000);

  it('a write that lands after an overlapping newer run (lock lost mid-write) does not leave QBO at the older version', async () => {
    const t = await h.tenant();
    const withTotal = (amount: string) =>
      invoiceData({
        id: 'INV-FENCE',
        number: 'INV-FENCE',
        lines: [
          { id: 'L1', itemId: 'ITM-LABOR', description: 'Moving labor', quantity: '1', unitPrice: amount, amount },
        ],
        totals: { subtotal: amount, tax: '0.00', total: amount },
      });
    await h.publish(event(t.id, 'invoice.sent', withTotal('100.00')));
    await h.waitStatus(t.id, 'invoice', 'INV-FENCE', 'synced', 20_000);
    // The next invoice write QBO receives stays in flight for 2.5 s before QBO applies it.
    await h.admin(`/realms/${t.realmId}/faults`, {
      kind: 'latency',
      latencyMs: 2_500,
      times: 1,
      match: { method: 'POST', entity: 'invoice' },
    });
    await h.publish(event(t.id, 'invoice.updated', withTotal('200.00'), 60_000));
    await waitFor(
      async () => {
        const { rules } = (await h.admin(`/realms/${t.realmId}/faults`)) as { rules: unknown[] };
        return rules.length === 0 || undefined;
      },
      { timeoutMs: 15_000, what: 'the update to 200.00 to be in flight' },
    );
    // Redis loses that run's entity lock (as when it restarts empty) and a newer event arrives: a second
    // run syncs 300.00 while the first run's 200.00 is still on its way (it then meets a stale SyncToken,
    // re-reads and writes 200.00 over 300.00).
    await h.redis.del(lockKey(t.id, 'invoice', 'INV-FENCE'));
    await h.publish(event(t.id, 'invoice.updated', withTotal('300.00'), 120_000));
    const queue = h.producer.queues['invoice.sync'];
    const settled = await waitFor(
      async () => {
        const counts = await queue.getJobCounts('active', 'waiting', 'delayed', 'prioritized');
        if (Object.values(counts).some((n) => n > 0)) return undefined;
        const r = await h.record(t.id, 'invoice', 'INV-FENCE');
        return r?.status === 'synced' ? r : undefined;
      },
      { timeoutMs: 30_000, what: 'both updates to finish' },
    );
    const [inv] = await h.entities(t.realmId, 'Invoice');
    expect(inv).toMatchObject({ Id: settled.qboId, TotalAmt: 300 });
    expect(settled.syncToken).toBe(inv?.['SyncToken']);
    // The older run's outcome was refused (it had been overtaken), and its rerun wrote the newest version.
    const outcomes = (await h.attempts(settled.id)).map((a) => a.outcome);
    expect(outcomes).toContain('superseded');
    // Every event ended with a finished run (the superseded one's rerun included).
    const [open] = await h.db.sql<{ n: number }[]>`
      select count(*)::int as n from inbox_events where tenant_id = ${t.id} and processed_at is null`;
    expect(open?.n).toBe(0);
  }, 60_000);
});
