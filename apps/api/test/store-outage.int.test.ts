// PostgreSQL unreachable (restart, failover): ingest and status said 500 internal_error. They answer 503 with
// Retry-After, as readiness does, and work again once the database is back.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ErrorBody } from '@qbo-sync/contracts';
import { freshEvent, type Harness, json, signedPost, startHarness } from './harness.js';

describe('a PostgreSQL outage', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('store-outage', {}, { databaseProxy: true });
  });
  afterAll(async () => {
    await h.close();
  });

  const status = () => h.request('GET', '/v1/sync-status', { headers: { 'x-api-key': h.acme.apiKey } });

  it('answers ingest and status 503 with Retry-After while the database is unreachable, and recovers', async () => {
    expect((await status()).statusCode).toBe(200);
    const proxy = h.databaseProxy;
    if (!proxy) throw new Error('the harness was asked for a database proxy');
    await proxy.cut();
    try {
      for (const res of [
        await signedPost(h, '/v1/events', freshEvent('invoice.sent'), h.acme),
        await signedPost(h, '/v1/events:batch', { events: [freshEvent('invoice.sent')] }, h.acme),
        await status(),
      ]) {
        expect(res.statusCode).toBe(503);
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
        const { error } = json<ErrorBody>(res);
        expect(error.code).toBe('service_unavailable');
        expect(error.message).toMatch(/retry/i);
      }
      expect((await h.request('GET', '/health/ready')).statusCode).toBe(503);
    } finally {
      await proxy.restore();
    }
    const event = freshEvent('invoice.sent');
    expect((await signedPost(h, '/v1/events', event, h.acme)).statusCode).toBe(202);
    expect((await status()).statusCode).toBe(200);
  });
});
