import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type ErrorBody, EVENT_TYPES, type SyncStatusResponse } from '@qbo-sync/contracts';
import { freshEvent, type Harness, json, signedPost, startHarness } from './harness.js';

describe('GET /v1/sync-status', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('status');
    await h.db.sql`
      insert into sync_records (tenant_id, entity_type, external_id, status, qbo_id, doc_number, qbo_url, reason_code, reason, last_event_id)
      values
        (${h.acme.id}, 'invoice', 'inv-synced', 'synced', '130', 'INV-2026-0042', 'http://qbo.local/app/invoice?txnId=130', null, null, 'evt-1'),
        (${h.acme.id}, 'invoice', 'inv-parked', 'needs_mapping', null, null, null, 'missing_item_mapping', 'Map billing item "moving-labor" to a QuickBooks item, then it syncs by itself.', 'evt-2'),
        (${h.other.id}, 'invoice', 'inv-b-only', 'synced', '7', 'B-7', 'http://qbo.local/app/invoice?txnId=7', null, null, 'evt-3')`;
  });
  afterAll(async () => {
    await h.close();
  });

  const get = (path: string, apiKey?: string) =>
    h.request('GET', path, apiKey === undefined ? {} : { headers: { 'x-api-key': apiKey } });

  it('returns status, QBO id, link and doc number of a synced entity', async () => {
    const res = await get('/v1/sync-status/invoice/inv-synced', h.acme.apiKey);
    expect(res.statusCode).toBe(200);
    expect(json<SyncStatusResponse>(res)).toMatchObject({
      tenantId: h.acme.id,
      entityType: 'invoice',
      externalId: 'inv-synced',
      status: 'synced',
      qboId: '130',
      qboUrl: 'http://qbo.local/app/invoice?txnId=130',
      docNumber: 'INV-2026-0042',
      reasonCode: null,
      updatedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
    });
  });

  it('carries the reason code and sentence of a parked entity', async () => {
    const body = json<SyncStatusResponse>(await get('/v1/sync-status/invoice/inv-parked', h.acme.apiKey));
    expect(body).toMatchObject({ status: 'needs_mapping', reasonCode: 'missing_item_mapping' });
    expect(body.reason).toContain('moving-labor');
  });

  it('reports pending for an entity whose event was received but not yet processed', async () => {
    const event = freshEvent('payment.accepted', { data: { ...freshEvent('payment.accepted').data, id: 'pay-fresh' } });
    expect((await signedPost(h, '/v1/events', event, h.acme)).statusCode).toBe(202);
    const body = json<SyncStatusResponse>(await get('/v1/sync-status/payment/pay-fresh', h.acme.apiKey));
    expect(body).toMatchObject({ status: 'pending', reasonCode: 'awaiting_worker', lastEventId: event.id });
  });

  it('404 with a clear message for an unknown entity', async () => {
    const res = await get('/v1/sync-status/invoice/inv-nope', h.acme.apiKey);
    expect(res.statusCode).toBe(404);
    expect(json<ErrorBody>(res).error).toMatchObject({ code: 'not_found' });
    expect(json<ErrorBody>(res).error.message).toContain('inv-nope');
  });

  it('a key of tenant A never reads tenant B', async () => {
    expect((await get('/v1/sync-status/invoice/inv-b-only', h.other.apiKey)).statusCode).toBe(200);
    const res = await get('/v1/sync-status/invoice/inv-b-only', h.acme.apiKey);
    expect(res.statusCode).toBe(404);
    expect(res.body).not.toContain('B-7');
  });

  it('requires a valid API key and a known entity type', async () => {
    expect(json<ErrorBody>(await get('/v1/sync-status/invoice/inv-synced')).error.code).toBe('missing_api_key');
    const wrong = await get('/v1/sync-status/invoice/inv-synced', 'qsk_wrong');
    expect(wrong.statusCode).toBe(401);
    const badType = await get('/v1/sync-status/estimate/x', h.acme.apiKey);
    expect(badType.statusCode).toBe(400);
    expect(json<ErrorBody>(badType).error).toMatchObject({
      code: 'invalid_entity_type',
      issues: [{ path: 'entityType' }],
    });
  });
});

describe('docs, health and unknown routes', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('docs');
  });
  afterAll(async () => {
    await h.close();
  });

  it('serves an OpenAPI 3.1 document generated from the contract', async () => {
    const res = await h.request('GET', '/openapi.json');
    expect(res.statusCode).toBe(200);
    const doc = json<{
      openapi: string;
      paths: Record<string, Record<string, { requestBody?: unknown }>>;
      components: { schemas: Record<string, { examples?: unknown[] }>; securitySchemes: Record<string, unknown> };
    }>(res);
    expect(doc.openapi).toBe('3.1.0');
    // Other areas (admin, support, metrics) add their paths; the ingest ones must all be there.
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/health',
        '/v1/events',
        '/v1/events:batch',
        '/v1/sync-status/{entityType}/{externalId}',
      ]),
    );
    expect(JSON.stringify(doc.paths['/v1/events']?.post?.requestBody)).toContain('#/components/schemas/DomainEvent');
    expect(doc.components.schemas.InvoiceSentEvent?.examples).toHaveLength(1);
    expect(doc.components.securitySchemes.apiKey).toMatchObject({ in: 'header', name: 'X-Api-Key' });
    expect(EVENT_TYPES.every((t) => res.body.includes(`"enum":["${t}"]`))).toBe(true);
    // Every reference resolves inside the document.
    for (const [, name] of res.body.matchAll(/"#\/components\/schemas\/([^"]+)"/g)) {
      expect(doc.components.schemas[name as string]).toBeDefined();
    }
  });

  it('serves a browsable reference at /docs', async () => {
    const res = await h.request('GET', '/docs');
    expect(res.statusCode).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
  });

  it('reports health of PostgreSQL and Redis', async () => {
    const res = await h.request('GET', '/health');
    expect(res.statusCode).toBe(200);
    expect(json(res)).toEqual({ status: 'ok', checks: { database: 'ok', redis: 'ok' } });
  });

  it('answers unknown routes with the error shape', async () => {
    const res = await h.request('GET', '/v1/nothing');
    expect(res.statusCode).toBe(404);
    expect(json<ErrorBody>(res).error).toMatchObject({ code: 'not_found', requestId: expect.any(String) });
  });
});
