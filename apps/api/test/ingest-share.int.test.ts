// Per-tenant ingest share: a tenant past its events a second (or its burst) gets 429 with Retry-After and
// nothing is stored, while another tenant's events are still accepted.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { BatchResponse, ErrorBody } from '@qbo-sync/contracts';
import { waitFor } from '@qbo-sync/testkit';
import { freshEvent, type Harness, inboxCount, jobCount, json, signedPost, startHarness } from './harness.js';

describe('per-tenant ingest share', () => {
  let h: Harness;
  beforeAll(async () => {
    // 3 events at once, then 2 a second: small enough to cross in a test without any clock tricks.
    h = await startHarness('share', { INGEST_TENANT_EVENTS_PER_SECOND: '2', INGEST_TENANT_BURST_EVENTS: '3' });
  });
  afterAll(async () => {
    await h.close();
  });

  it('refuses a tenant past its share with 429 + Retry-After, stores nothing, and keeps serving other tenants', async () => {
    const batch = Array.from({ length: 3 }, () => freshEvent('invoice.sent'));
    const first = await signedPost(h, '/v1/events:batch', { events: batch }, h.acme);
    expect(first.statusCode).toBe(200);
    expect(json<BatchResponse>(first).summary.accepted).toBe(3);

    const rows = await inboxCount(h);
    const jobs = await jobCount(h);
    const over = freshEvent('invoice.sent');
    const refused = await signedPost(h, '/v1/events', over, h.acme);
    expect(refused.statusCode).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const body = json<ErrorBody>(refused);
    expect(body.error.code).toBe('tenant_rate_limited');
    expect(body.error.message).toMatch(/faster than its share .*Retry-After/);
    expect(await inboxCount(h)).toBe(rows);
    expect(await jobCount(h)).toBe(jobs);

    // Another tenant's share is its own.
    const other = await signedPost(h, '/v1/events', freshEvent('invoice.sent', { tenantId: h.other.id }), h.other);
    expect(other.statusCode).toBe(202);

    // A batch larger than the burst can never fit: the message says to split it.
    const big = Array.from({ length: 4 }, () => freshEvent('invoice.sent'));
    const tooBig = await signedPost(h, '/v1/events:batch', { events: big }, h.acme);
    expect(tooBig.statusCode).toBe(429);
    expect(json<ErrorBody>(tooBig).error.message).toMatch(/at most 3 events .* Split it/);

    // Refused requests cost nothing: once the bucket refills, the same event is accepted.
    const accepted = await waitFor(
      async () => {
        const res = await signedPost(h, '/v1/events', over, h.acme);
        return res.statusCode === 202 ? res : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 200, what: 'the bucket to refill' },
    );
    expect(accepted.statusCode).toBe(202);
  });
});
