import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readHeartbeats, tenantDeferralsLastHour } from '@qbo-sync/producer';
import { realmKeys } from '@qbo-sync/qbo-client';
import { waitFor } from '@qbo-sync/testkit';
import { event, type Harness, invoiceData, paymentData, startHarness } from '../../support/harness.js';

// Deferrals (company budget spent, QBO 429, entity busy) are not attempts: they write no attempt rows, and a
// parked record is resumed by exactly one job per parked state however often the sweeps and wakes run.
describe('deferrals: no attempt rows, one resume per parked state, no repeated reads', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('deferrals', { sweepIntervalMs: 100 });
  });
  afterAll(async () => {
    await h.close();
  });

  /** Every resume job id ever queued for the record (waiting, delayed, active, completed, failed). */
  async function resumeJobIds(queue: string, tenantId: string, entityId: string): Promise<string[]> {
    const q = h.producer.queues[queue as keyof typeof h.producer.queues];
    const jobs = await q.getJobs(['waiting', 'delayed', 'active', 'completed', 'failed', 'prioritized']);
    return jobs
      .map((j) => j.id ?? '')
      .filter((id) => id.includes(`|${tenantId}|`) && id.includes(`|${entityId}|`) && id.includes('|resume-'));
  }

  it('queues one resume for a waiting payment whose resume runs are throttled again and again', async () => {
    const t = await h.tenant();
    await h.publish(event(t.id, 'payment.accepted', paymentData()));
    await h.waitStatus(t.id, 'payment', 'PAY-1', 'waiting');
    // Each run of the payment's resume is answered 429 with Retry-After 1 s, four times in a row, while the
    // sweep passes every 100 ms: today each run re-stores the snapshot, bumps the stamp, and the sweep queues
    // another resume.
    await h.admin(`/realms/${t.realmId}/limits`, { retryAfterSeconds: 1 }, 'PUT');
    await h.admin(`/realms/${t.realmId}/faults`, {
      kind: 'throttle',
      times: 4,
      match: { method: 'POST', entity: 'payment', operation: 'create' },
    });
    await h.publish(event(t.id, 'invoice.sent', invoiceData()));
    const pay = await h.waitStatus(t.id, 'payment', 'PAY-1', 'synced', 30_000);
    expect(await h.entities(t.realmId, 'Payment')).toHaveLength(1);
    // The overview's per-company figures count each 429 deferral for this tenant (Redis, by reason).
    const deferrals = await tenantDeferralsLastHour(h.redis, h.prefix, [t.id], Date.now());
    expect(deferrals.get(t.id)?.['qbo_throttled']).toBe(4);

    const ids = await resumeJobIds('payment.sync', t.id, 'PAY-1');
    expect(ids).toHaveLength(1);
    const attempts = await h.attempts(pay.id);
    // Deferrals are counted in metrics, not written as attempts: one park, one sync (newest first).
    expect(attempts.map((a) => a.outcome)).toEqual(['synced', 'parked']);
  }, 40_000);

  it('does not redo QBO reads when the company budget runs out mid-job', async () => {
    const t = await h.tenant();
    // A new customer and an invoice: customer search (1 query) + customer create + invoice create.
    await h.publish(event(t.id, 'invoice.sent', invoiceData()));
    await h.waitStatus(t.id, 'invoice', 'INV-1', 'synced', 20_000);
    const clean = ((await h.admin(`/realms/${t.realmId}/stats`)) as { requests: number }).requests;

    // The same work for a second tenant whose company budget is taken (a QBO cooldown of 1.5 s, as after a
    // 429 answered to another job) while the job's first request, the customer search, is in flight.
    const t2 = await h.tenant();
    await h.admin(`/realms/${t2.realmId}/stats`, undefined, 'DELETE');
    await h.admin(`/realms/${t2.realmId}/faults`, {
      kind: 'latency',
      latencyMs: 500,
      times: 1,
      match: { method: 'GET', entity: 'query' },
    });
    const { leases } = realmKeys(h.prefix, t2.realmId);
    await h.publish(event(t2.id, 'invoice.sent', invoiceData()));
    await waitFor(async () => (await h.redis.zcard(leases)) >= 1, { intervalMs: 5, what: 'the first request' });
    await h.qbo.limiter.penalize(t2.realmId, 1_500);
    await h.waitStatus(t2.id, 'invoice', 'INV-1', 'synced', 20_000);
    const stats = (await h.admin(`/realms/${t2.realmId}/stats`)) as { requests: number };
    expect(stats.requests).toBe(clean);

    // The worker process reports itself to the overview by heartbeat.
    const beats = await readHeartbeats(h.redis, h.prefix, Date.now());
    expect(beats.length).toBeGreaterThanOrEqual(1);
    expect(beats[0]?.pid).toBe(process.pid);
  }, 40_000);
});
