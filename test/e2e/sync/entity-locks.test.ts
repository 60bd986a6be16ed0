import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PRIORITY } from '@qbo-sync/contracts';
import { ensureRecord } from '@qbo-sync/db/repositories/sync-records';
import { waitFor } from '@qbo-sync/testkit';
import { ENTITY_BUSY_REPORT_AFTER } from '@qbo-sync/worker';
import { customer, event, type Harness, startHarness } from '../../support/harness.js';

type Row = Record<string, unknown>;

describe('entity locks: re-entrant within a job, and a job kept waiting is reported', () => {
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
});
