import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ErrorBody } from '@qbo-sync/contracts';
import { rotateApiKey } from '@qbo-sync/db/repositories/tenants';
import { signatureHeader } from '../src/index.js';
import { freshEvent, type Harness, inboxCount, jobCount, json, signedPost, startHarness } from './harness.js';

describe('ingest authentication', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('auth');
  });
  afterAll(async () => {
    await h.close();
  });

  const nowSeconds = () => Math.floor(h.clock.nowMs / 1000);

  async function expectRejected(
    send: () => Promise<{ statusCode: number; body: string }>,
    status: number,
    code: string,
  ): Promise<ErrorBody['error']> {
    const rowsBefore = await inboxCount(h);
    const jobsBefore = await jobCount(h);
    const res = await send();
    expect(res.statusCode).toBe(status);
    const { error } = JSON.parse(res.body) as ErrorBody;
    expect(error.code).toBe(code);
    expect(await inboxCount(h)).toBe(rowsBefore);
    expect(await jobCount(h)).toBe(jobsBefore);
    return error;
  }

  it('missing API key → 401 missing_api_key', async () => {
    const error = await expectRejected(
      () => signedPost(h, '/v1/events', freshEvent('invoice.sent'), h.acme, { apiKey: null }),
      401,
      'missing_api_key',
    );
    expect(error.message).toContain('X-Api-Key');
  });

  it('unknown API key → 401 invalid_api_key', async () => {
    await expectRejected(
      () => signedPost(h, '/v1/events', freshEvent('invoice.sent'), h.acme, { apiKey: 'qsk_not-a-real-key' }),
      401,
      'invalid_api_key',
    );
  });

  it('missing signature or timestamp → 401 missing_signature', async () => {
    const event = freshEvent('invoice.sent');
    const e1 = await expectRejected(
      () => signedPost(h, '/v1/events', event, h.acme, { signature: null }),
      401,
      'missing_signature',
    );
    expect(e1.message).toContain('X-Qbo-Sync-Signature');
    const e2 = await expectRejected(
      () => signedPost(h, '/v1/events', event, h.acme, { timestamp: null }),
      401,
      'missing_signature',
    );
    expect(e2.message).toContain('X-Qbo-Sync-Timestamp');
  });

  it('wrong signature (other secret, tampered body, malformed) → 401 invalid_signature', async () => {
    const event = freshEvent('invoice.sent');
    await expectRejected(
      () => signedPost(h, '/v1/events', event, h.acme, { secret: h.other.signingSecret }),
      401,
      'invalid_signature',
    );
    const ts = String(nowSeconds());
    const signedForOther = signatureHeader(h.acme.signingSecret, ts, JSON.stringify({ ...event, id: 'evt-other' }));
    await expectRejected(
      () => signedPost(h, '/v1/events', event, h.acme, { timestamp: ts, signature: signedForOther }),
      401,
      'invalid_signature',
    );
    await expectRejected(
      () => signedPost(h, '/v1/events', event, h.acme, { signature: 'sha256=abc' }),
      401,
      'invalid_signature',
    );
  });

  it('a signature over a different timestamp than the header → 401 invalid_signature', async () => {
    const event = freshEvent('invoice.sent');
    const ts = nowSeconds();
    const signature = signatureHeader(h.acme.signingSecret, String(ts - 10), JSON.stringify(event));
    await expectRejected(
      () => signedPost(h, '/v1/events', event, h.acme, { timestamp: String(ts), signature }),
      401,
      'invalid_signature',
    );
  });

  it('expired or future timestamps → 401 stale_timestamp', async () => {
    const event = freshEvent('invoice.sent');
    const tolerance = h.config.api.signatureToleranceSeconds;
    for (const ts of [nowSeconds() - tolerance - 1, nowSeconds() + tolerance + 1]) {
      const error = await expectRejected(
        () => signedPost(h, '/v1/events', event, h.acme, { timestamp: String(ts) }),
        401,
        'stale_timestamp',
      );
      expect(error.message).toContain(`at most ${tolerance} s`);
    }
    await expectRejected(
      () => signedPost(h, '/v1/events', event, h.acme, { timestamp: '2026-03-02T15:04:05Z' }),
      401,
      'stale_timestamp',
    );
  });

  it('a captured request replayed inside the window is a harmless duplicate; outside it is refused', async () => {
    const event = freshEvent('payment.accepted');
    const raw = JSON.stringify(event);
    const ts = String(nowSeconds());
    const captured = {
      'content-type': 'application/json',
      'x-api-key': h.acme.apiKey,
      'x-qbo-sync-timestamp': ts,
      'x-qbo-sync-signature': signatureHeader(h.acme.signingSecret, ts, raw),
    };
    const first = await h.request('POST', '/v1/events', { headers: captured, body: raw });
    expect(first.statusCode).toBe(202);
    const replay = await h.request('POST', '/v1/events', { headers: captured, body: raw });
    expect(replay.statusCode).toBe(200);
    expect(json(replay)).toMatchObject({ status: 'duplicate' });
    // The same bytes, an hour later.
    const saved = h.clock.nowMs;
    h.clock.nowMs += 3600_000;
    try {
      await expectRejected(
        () => h.request('POST', '/v1/events', { headers: captured, body: raw }),
        401,
        'stale_timestamp',
      );
    } finally {
      h.clock.nowMs = saved;
    }
  });

  it('accepts any one valid v1 signature among several (secret rollover)', async () => {
    const event = freshEvent('customer.updated');
    const raw = JSON.stringify(event);
    const ts = String(nowSeconds());
    const both = `${signatureHeader('old-secret', ts, raw)},${signatureHeader(h.acme.signingSecret, ts, raw)}`;
    const res = await signedPost(h, '/v1/events', event, h.acme, { timestamp: ts, signature: both });
    expect(res.statusCode).toBe(202);
  });

  it('cross-tenant writes are refused: key of A, event of B (even signed with B’s secret)', async () => {
    const event = freshEvent('invoice.sent', { tenantId: h.other.id });
    await expectRejected(() => signedPost(h, '/v1/events', event, h.acme), 403, 'tenant_mismatch');
    await expectRejected(
      () => signedPost(h, '/v1/events', event, h.acme, { secret: h.other.signingSecret }),
      401,
      'invalid_signature',
    );
    await expectRejected(() => signedPost(h, '/v1/events:batch', { events: [event] }, h.acme), 403, 'tenant_mismatch');
    // B's own key works for B.
    expect((await signedPost(h, '/v1/events', event, h.other)).statusCode).toBe(202);
  });

  it('a rotated API key stops working at once', async () => {
    const before = h.acme.apiKey;
    const { apiKey } = await rotateApiKey(h.db.db, h.acme.id);
    h.acme.apiKey = apiKey;
    await expectRejected(
      () => signedPost(h, '/v1/events', freshEvent('invoice.sent'), h.acme, { apiKey: before }),
      401,
      'invalid_api_key',
    );
    expect((await signedPost(h, '/v1/events', freshEvent('invoice.sent'), h.acme)).statusCode).toBe(202);
  });
});
