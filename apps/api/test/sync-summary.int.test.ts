// GET /v1/sync-status: the tenant's "is everything synced?" through the real API, real PostgreSQL and Redis
// queues (no worker runs, so queued jobs stay where the test puts them).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type ErrorBody, JOB_NAMES, type JobName, type SyncSummaryResponse } from '@qbo-sync/contracts';
import { saveGrant } from '@qbo-sync/db/repositories/connections';
import { createRealmLimiter } from '@qbo-sync/qbo-client';
import { freshEvent, type Harness, json, signedPost, startHarness } from './harness.js';

describe('GET /v1/sync-status (tenant summary)', () => {
  let h: Harness;
  const get = (path: string, apiKey?: string) =>
    h.request('GET', path, apiKey === undefined ? {} : { headers: { 'x-api-key': apiKey } });
  const summary = async (query = '') => {
    const res = await get(`/v1/sync-status${query}`, h.acme.apiKey);
    expect(res.statusCode).toBe(200);
    return json<SyncSummaryResponse>(res);
  };

  async function send(type: 'invoice.sent' | 'payment.accepted', id: string): Promise<string> {
    const base = freshEvent(type);
    const event = { ...base, data: { ...base.data, id } };
    expect((await signedPost(h, '/v1/events', event, h.acme)).statusCode).toBe(202);
    return event.id;
  }

  async function jobOf(eventId: string): Promise<{ jobName: JobName; jobId: string }> {
    const [row] = await h.db.sql<{ job_name: string; job_id: string }[]>`
      select job_name, job_id from inbox_events where tenant_id = ${h.acme.id} and event_id = ${eventId}`;
    if (!row || !(JOB_NAMES as readonly string[]).includes(row.job_name)) throw new Error(`no job for ${eventId}`);
    return { jobName: row.job_name as JobName, jobId: row.job_id };
  }

  beforeAll(async () => {
    h = await startHarness('summary');
  });
  afterAll(async () => {
    await h.close();
  });

  it('a tenant with nothing received is all synced, with every count at 0', async () => {
    const body = await summary();
    expect(body).toMatchObject({ tenantId: h.acme.id, allSynced: true, unsyncedEvents: 0, oldestUnsyncedEvent: null });
    expect(body.total.total).toBe(0);
    expect(Object.keys(body.byEntityType).sort()).toEqual(['customer', 'invoice', 'payment', 'refund']);
    expect(body.total.byStatus).toMatchObject({ synced: 0, pending: 0, failed: 0, waiting: 0 });
    expect(body.longPending).toEqual([]);
  });

  it('counts by status, finds the oldest unsynced event, and says why long-pending records have not synced', async () => {
    // Synced and failed records (what workers left behind), and a payment waiting for its invoice for 10 min.
    await h.db.sql`
      insert into sync_records (tenant_id, entity_type, external_id, status, snapshot_at, last_event_id, updated_at, waiting_for)
      values
        (${h.acme.id}, 'invoice', 'inv-done', 'synced', '2001-01-01T00:00:00Z', 'evt-old', now(), null),
        (${h.acme.id}, 'payment', 'pay-bad', 'failed', now(), 'evt-bad', now(), null),
        (${h.acme.id}, 'payment', 'pay-wait', 'waiting', now(), 'evt-w', now() - interval '10 minutes', 'invoice:inv-late')`;
    // An update of the synced invoice, received but not yet applied: outstanding although the record is synced.
    const update = await send('invoice.sent', 'inv-done');
    // A new payment nobody has picked up (no worker runs): queued.
    await send('payment.accepted', 'pay-queued');
    // An invoice whose job was deferred while the company's QBO budget is spent.
    const deferred = await send('invoice.sent', 'inv-budget');
    // An invoice whose job vanished from Redis (e.g. Redis lost its data).
    const lost = await send('invoice.sent', 'inv-lost');
    // An event stored but never queued (a crash between PostgreSQL and Redis).
    const unqueued = await send('payment.accepted', 'pay-unqueued');

    await h.db.sql`update inbox_events set received_at = now() - interval '1 hour' where event_id = ${update}`;
    await h.db.sql`update inbox_events set enqueued_at = null where event_id = ${unqueued}`;
    const lostJob = await jobOf(lost);
    await h.producer.queues[lostJob.jobName].remove(lostJob.jobId);
    const budgetJob = await jobOf(deferred);
    const job = await h.producer.queues[budgetJob.jobName].getJob(budgetJob.jobId);
    if (!job) throw new Error('job not queued');
    await job.remove();
    await h.producer.queues[budgetJob.jobName].add(budgetJob.jobName, job.data, {
      jobId: budgetJob.jobId,
      delay: 45_000,
    });
    // The company's minute budget is spent, through the real limiter.
    const realmId = '9130350000000777';
    await saveGrant(h.db.db, h.acme.id, {
      realmId,
      keyId: 'k1',
      accessTokenEnc: 'enc',
      refreshTokenEnc: 'enc',
      accessTokenExpiresAt: new Date(Date.now() + 3_600_000),
      refreshTokenExpiresAt: new Date(Date.now() + 86_400_000),
      issuedAt: new Date(),
    });
    const rl = h.config.qbo.rateLimit;
    const limiter = createRealmLimiter(h.redis, {
      perWindow: rl.perWindow,
      windowMs: rl.windowMs,
      maxConcurrent: rl.perWindow,
      keyPrefix: h.config.queuePrefix,
      maxWaitMs: 0,
    });
    for (let i = 0; i < rl.perWindow; i++) {
      const lease = await limiter.acquire(realmId);
      if (!lease.ok) throw new Error('limiter refused before the budget was spent');
      await lease.release();
    }

    const body = await summary('?pendingOlderThanSeconds=0');
    expect(body.allSynced).toBe(false);
    expect(body.byEntityType.invoice.byStatus).toMatchObject({ synced: 1, pending: 2 });
    expect(body.byEntityType.payment.byStatus).toMatchObject({ failed: 1, waiting: 1, pending: 2 });
    expect(body.total.total).toBe(7);
    expect(body.total.byStatus.pending).toBe(4);
    // Outstanding: the unapplied update and the four record-less events (failed/waiting records have no events).
    expect(body.unsyncedEvents).toBe(5);
    expect(body.oldestUnsyncedEvent).toMatchObject({
      eventId: update,
      type: 'invoice.sent',
      entityType: 'invoice',
      externalId: 'inv-done',
      status: 'synced',
    });
    expect(body.oldestUnsyncedEvent?.ageSeconds).toBeGreaterThanOrEqual(3599);

    const why = Object.fromEntries(body.longPending.map((p) => [p.externalId, p]));
    expect(Object.keys(why).sort()).toEqual(['inv-budget', 'inv-lost', 'pay-queued', 'pay-unqueued', 'pay-wait']);
    expect(why['pay-wait']).toMatchObject({ status: 'waiting', reasonCode: 'waiting_for_dependency' });
    expect(why['pay-wait']?.reason).toContain('invoice inv-late');
    expect(why['pay-wait']?.ageSeconds).toBeGreaterThanOrEqual(599);
    expect(why['pay-queued']).toMatchObject({ status: 'pending', reasonCode: 'queued', nextAttemptAt: null });
    expect(why['inv-budget']).toMatchObject({ reasonCode: 'deferred_realm_budget' });
    expect(why['inv-budget']?.reason).toContain(`${rl.perWindow} requests per 60 s`);
    expect(Date.parse(why['inv-budget']?.nextAttemptAt ?? '')).toBeGreaterThan(Date.now());
    expect(why['inv-lost']).toMatchObject({ reasonCode: 'job_missing' });
    expect(why['pay-unqueued']).toMatchObject({ reasonCode: 'not_enqueued' });
    // Oldest first.
    expect(body.longPending[0]?.externalId).toBe('pay-wait');

    // With the default threshold (5 min) only what has waited that long is listed.
    const calm = await summary();
    expect(calm.pendingOlderThanSeconds).toBe(300);
    expect(calm.longPending.map((p) => p.externalId)).toEqual(['pay-wait']);
  });

  it('an event older than what the record already holds is not outstanding (newest wins)', async () => {
    const stale = await send('invoice.sent', 'inv-newer');
    await h.db.sql`
      insert into sync_records (tenant_id, entity_type, external_id, status, snapshot_at, last_event_id)
      values (${h.acme.id}, 'invoice', 'inv-newer', 'synced', '2999-01-01T00:00:00Z', 'evt-newest')`;
    const body = await summary('?pendingOlderThanSeconds=0');
    expect(body.longPending.map((p) => p.externalId)).not.toContain('inv-newer');
    const [row] = await h.db.sql<
      { n: number }[]
    >`select count(*)::int as n from inbox_events where event_id = ${stale}`;
    expect(row?.n).toBe(1);
    expect(body.byEntityType.invoice.byStatus.synced).toBe(2);
    expect(body.unsyncedEvents).toBe(5);
  });

  it("another tenant's key sees only its own tenant", async () => {
    const res = await get('/v1/sync-status', h.other.apiKey);
    expect(res.statusCode).toBe(200);
    const body = json<SyncSummaryResponse>(res);
    expect(body).toMatchObject({ tenantId: h.other.id, allSynced: true, unsyncedEvents: 0 });
    expect(body.total.total).toBe(0);
  });

  it('refuses a bad threshold naming the parameter, and a missing key', async () => {
    const bad = await get('/v1/sync-status?pendingOlderThanSeconds=soon', h.acme.apiKey);
    expect(bad.statusCode).toBe(400);
    expect(json<ErrorBody>(bad).error).toMatchObject({
      code: 'invalid_request',
      issues: [{ path: 'pendingOlderThanSeconds' }],
    });
    const unknown = await get('/v1/sync-status?olderThan=5', h.acme.apiKey);
    expect(unknown.statusCode).toBe(400);
    expect(json<ErrorBody>(await get('/v1/sync-status')).error.code).toBe('missing_api_key');
  });

  it('is in the OpenAPI document with its zod-generated response schema', async () => {
    const doc = json<{
      paths: Record<string, { get?: { responses: Record<string, unknown> } }>;
      components: { schemas: Record<string, unknown> };
    }>(await h.request('GET', '/openapi.json'));
    expect(doc.paths['/v1/sync-status']?.get?.responses['200']).toBeDefined();
    expect(doc.components.schemas['SyncSummaryResponse']).toBeDefined();
  });
});
