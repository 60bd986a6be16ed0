import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { jobIdFor, RetryState } from '@qbo-sync/contracts';
import { getConnection } from '@qbo-sync/db/repositories/connections';
import { getRecord } from '@qbo-sync/db/repositories/sync-records';
import { TokenSet } from '@qbo-sync/qbo-client';
import { waitFor } from '@qbo-sync/testkit';
import {
  customer,
  event,
  type Harness,
  invoiceData,
  paymentData,
  refundData,
  startHarness,
} from '../../support/harness.js';

describe('faults: transient retried with backoff, permanent fail fast, reconnect parks', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('faults');
  });
  afterAll(async () => {
    await h.close();
  });

  const jobOf = (tenantId: string, e: { id: string }, entityId = 'INV-1') =>
    h.producer.queues['invoice.sync'].getJob(jobIdFor('invoice.sync', { tenantId, entityId, eventId: e.id }));

  /** Waits for the job to settle, then reads it again: a copy fetched just before it settled shows old fields. */
  async function settledJob(tenantId: string, e: { id: string }, state: 'completed' | 'failed', entityId = 'INV-1') {
    await waitFor(async () => (await (await jobOf(tenantId, e, entityId))?.getState()) === state, {
      what: `job of ${e.id} to be ${state}`,
    });
    const job = await jobOf(tenantId, e, entityId);
    if (!job) throw new Error(`the job of ${e.id} is gone`);
    return job;
  }

  it('retries a transient QBO fault with BullMQ backoff and ends with one invoice', async () => {
    const t = await h.tenant();
    // Three 503s: the client's own quick retries (2) are spent, so the job attempt fails and BullMQ backs off.
    await h.admin(`/realms/${t.realmId}/faults`, {
      kind: 'http5xx',
      status: 503,
      times: 3,
      match: { method: 'POST', entity: 'invoice', operation: 'create' },
    });
    const e = event(t.id, 'invoice.sent', invoiceData());
    const publishedAt = Date.now();
    await h.publish(e);
    // While BullMQ backs off, the record says it is being retried: which attempt failed, why, when next.
    const retrying = await waitFor(
      async () =>
        (await getRecord(h.db.db, { tenantId: t.id, entityType: 'invoice', externalId: 'INV-1' }))?.retry ?? undefined,
      { what: 'the record to show its retry' },
    );
    const retry = RetryState.parse(retrying);
    expect(retry).toMatchObject({ attempt: 1, maxAttempts: 10, faultCode: 'SERVER_ERROR' });
    expect(retry.reason).toMatch(/QuickBooks/);
    const nextTry = Date.parse(retry.nextTryAt ?? '');
    expect(nextTry - Date.parse(retry.at)).toBe(5_000);
    expect(nextTry).toBeGreaterThan(publishedAt);
    const rec = await h.waitStatus(t.id, 'invoice', 'INV-1', 'synced', 20_000);
    expect(rec.retry).toBeNull();
    expect((await h.attempts(rec.id)).map((a) => [a.outcome, a.faultCode])).toEqual([
      ['synced', null],
      ['retry', 'SERVER_ERROR'],
    ]);
    const job = await settledJob(t.id, e, 'completed');
    expect(job.opts.backoff).toEqual({ type: 'exponential', delay: 5_000 });
    expect(job.attemptsMade).toBe(2);
    expect(await h.entities(t.realmId, 'Invoice')).toHaveLength(1);
  }, 30_000);

  it('fails a permanent fault at once, without spending retries', async () => {
    const t = await h.tenant();
    // A customer mapped to an id QBO does not have: QBO refuses the reference for good. (A mapped item QBO
    // does not have parks as needs_mapping instead: inactive-records.test.ts.)
    await h.map(t.id, 'customer', 'C-1', '999999');
    const e = event(t.id, 'invoice.sent', invoiceData({ customer: customer('C-1') }));
    await h.publish(e);
    const rec = await h.waitStatus(t.id, 'invoice', 'INV-1', 'failed');
    expect(rec.reasonCode).toBe('INVALID_REFERENCE');
    const job = await settledJob(t.id, e, 'failed');
    expect(job.attemptsMade).toBe(1);
    expect(job.opts.attempts).toBe(10);
    expect(job.failedReason).toContain('A mapping points at something that does not exist in QuickBooks.');
    expect((await h.attempts(rec.id)).map((a) => a.outcome)).toEqual(['parked']);
    expect(await h.entities(t.realmId, 'Invoice')).toHaveLength(0);
  });

  it('parks syncs as needs_reconnect when the grant is dead, and resumes them after a reconnect', async () => {
    const t = await h.tenant();
    await h.publish(event(t.id, 'invoice.sent', invoiceData()));
    await h.waitStatus(t.id, 'invoice', 'INV-1', 'synced');
    await h.admin('/expire-refresh-tokens', { realmId: t.realmId });
    await h.admin('/expire-access-tokens', { realmId: t.realmId });
    const e = event(t.id, 'invoice.sent', invoiceData({ id: 'INV-2', number: 'INV-2' }));
    await h.publish(e);
    const parked = await h.waitStatus(t.id, 'invoice', 'INV-2', 'needs_reconnect');
    expect(parked.reasonCode).toBe('NEEDS_RECONNECT');
    expect(parked.reason).toContain('Reconnect QuickBooks');
    expect((await getConnection(h.db.db, t.id))?.status).toBe('needs_reconnect');
    const job = await settledJob(t.id, e, 'completed', 'INV-2');
    expect(job.returnvalue).toBe('needs_reconnect');
    expect(await h.entities(t.realmId, 'Invoice')).toHaveLength(1);

    // The user reconnects: a new grant; the sweep resumes the parked sync by itself.
    const tokens = await h.admin(`/realms/${t.realmId}/tokens`, {});
    await h.qbo.oauth.saveGrant(t.id, t.realmId, TokenSet.parse(tokens));
    const rec = await h.waitStatus(t.id, 'invoice', 'INV-2', 'synced');
    expect((await h.entities(t.realmId, 'Invoice')).map((i) => i['Id']).sort()).toContain(rec.qboId);
    expect(await h.entities(t.realmId, 'Invoice')).toHaveLength(2);
  });

  it('finds a refund an earlier attempt committed unheard (our marker) instead of posting it again', async () => {
    const t = await h.tenant();
    await h.publish(event(t.id, 'invoice.sent', invoiceData()));
    await h.publish(event(t.id, 'payment.accepted', paymentData()));
    await h.waitStatus(t.id, 'payment', 'PAY-1', 'synced');
    // Every try of the first attempt commits and loses the answer; the next attempt runs after backoff.
    await h.admin(`/realms/${t.realmId}/faults`, {
      kind: 'commit-then-drop',
      times: 3,
      match: { method: 'POST', entity: 'purchase', operation: 'create' },
    });
    await h.publish(event(t.id, 'refund.issued', refundData()));
    const rec = await h.waitStatus(t.id, 'refund', 'REF-1', 'synced', 20_000);
    const purchases = await h.entities(t.realmId, 'Purchase');
    expect(purchases).toHaveLength(1);
    expect(purchases[0]).toMatchObject({ Id: rec.qboId, TotalAmt: 50 });
    expect((await h.attempts(rec.id)).map((a) => [a.outcome, a.faultCode])).toEqual([
      ['synced', null],
      ['retry', 'NETWORK'],
    ]);
    // The client's own two retries were answered from the requestid; the next attempt posted nothing.
    const stats = (await h.admin(`/realms/${t.realmId}/stats`)) as { requestIdReplays: number };
    expect(stats.requestIdReplays).toBe(2);
    expect(rec.writeStartedAt).toBeNull();
  }, 30_000);
});
