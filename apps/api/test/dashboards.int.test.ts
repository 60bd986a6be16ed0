import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type CreateTenantResponse, EXAMPLE_EVENTS, JOB_NAMES } from '@qbo-sync/contracts';
import { saveGrant } from '@qbo-sync/db/repositories/connections';
import { signatureHeader } from '../src/index.js';
import { type AdminHarness, startAdminHarness } from './admin-harness.js';

describe('queue dashboard, sync console, metrics', () => {
  let h: AdminHarness;
  let acme: CreateTenantResponse;
  beforeAll(async () => {
    h = await startAdminHarness('dashboards');
    acme = (
      await h.request('POST', '/admin/tenants', { body: { id: EXAMPLE_EVENTS['invoice.sent'].tenantId, name: 'Acme' } })
    ).json<CreateTenantResponse>();
    await h.request('POST', '/admin/tenants', { body: { id: 'quiet-co', name: 'Quiet' } });
  });
  afterAll(async () => {
    await h.close();
  });

  /** Sends one event as a billing system would (signed), so the ingest counters move. */
  async function ingest(event: unknown) {
    const raw = JSON.stringify(event);
    const ts = String(Math.floor(Date.now() / 1000));
    return h.request('POST', '/v1/events', {
      token: null,
      body: raw,
      headers: {
        'x-api-key': acme.apiKey,
        'x-qbo-sync-timestamp': ts,
        'x-qbo-sync-signature': signatureHeader(acme.signingSecret, ts, raw),
      },
    });
  }

  it('bull-board answers 200 HTML at /admin/queues and lists every queue of the catalogue', async () => {
    const page = await h.request('GET', '/admin/queues');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.text).toContain('qbo-sync queues');
    const api = await h.request('GET', '/admin/queues/api/queues');
    expect(api.status).toBe(200);
    const names = api.json<{ queues: Array<{ name: string }> }>().queues.map((q) => q.name);
    expect(names.sort()).toEqual([...JOB_NAMES].sort());
  });

  it('bull-board links each job to its record in the console', async () => {
    await h.producer.queues['invoice.sync'].add(
      'invoice.sync',
      { tenantId: 'acme', eventId: 'evt-bb', entityId: 'INV 7/1', source: 'live' },
      { jobId: 'bb-link', delay: 600_000 },
    );
    const res = await h.request('GET', '/admin/queues/api/queues?activeQueue=invoice.sync&status=delayed&page=1');
    expect(res.status).toBe(200);
    const queue = res
      .json<{
        queues: Array<{ name: string; description?: string; jobs: Array<{ id: string; externalUrl?: unknown }> }>;
      }>()
      .queues.find((q) => q.name === 'invoice.sync');
    expect(queue?.description).toContain('needs_mapping');
    expect(queue?.jobs.find((j) => j.id === 'bb-link')?.externalUrl).toEqual({
      displayText: 'Open the record in the console',
      href: '/console/records/acme/invoice/INV%207%2F1',
    });
  });

  it('every console page answers HTML with its navigation, served scripts only, and its assets load', async () => {
    for (const path of ['/console', '/console/records', '/console/mappings']) {
      const page = await h.request('GET', path);
      expect([path, page.status]).toEqual([path, 200]);
      expect(page.headers.get('content-type')).toMatch(/text\/html/);
      expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
      for (const link of [
        'href="/console"',
        'href="/console/records',
        'href="/console/mappings',
        'href="/admin/queues"',
      ]) {
        expect([path, link, page.text.includes(link)]).toEqual([path, link, true]);
      }
      // No CDN: every script is this API's own.
      for (const m of page.text.matchAll(/<script src="([^"]+)"/g)) expect(m[1]).toMatch(/^\/console\//);
    }
    const records = await h.request('GET', '/console/records');
    for (const control of [
      'id="tenant"',
      'id="q"',
      'id="status"',
      'id="entityType"',
      'id="from"',
      'id="to"',
      'id="replay-all"',
    ]) {
      expect([control, records.text.includes(control)]).toEqual([control, true]);
    }
    // The default filter shows every status: red "Needs a mapping" rows are never hidden by it.
    expect(records.text).toContain('<option value="">any status</option>');
    expect(records.text).not.toMatch(/<option value="[a-z_]+" selected>/);

    for (const asset of [
      '/console/assets/htmx.min.js',
      '/console/assets/idiomorph-ext.min.js',
      '/console/assets/uPlot.iife.min.js',
      '/console/app.js',
    ]) {
      const res = await h.request('GET', asset);
      expect([asset, res.status]).toEqual([asset, 200]);
      expect(res.headers.get('content-type')).toMatch(/javascript/);
      expect(() => new Function(res.text)).not.toThrow();
    }
    expect((await h.request('GET', '/console/assets/uPlot.min.css')).status).toBe(200);
    expect((await h.request('GET', '/console/assets/nope.js')).status).toBe(404);
  });

  it('metrics expose queue depth per queue and state, ingest counters, records by status, connections', async () => {
    expect((await ingest({ ...EXAMPLE_EVENTS['invoice.sent'], id: 'evt-metrics-1' })).status).toBe(202);
    expect((await ingest({ ...EXAMPLE_EVENTS['invoice.sent'], id: 'evt-metrics-1' })).status).toBe(200);
    expect((await ingest({ ...EXAMPLE_EVENTS['invoice.sent'], id: 'evt-metrics-2', occurredAt: 'soon' })).status).toBe(
      400,
    );
    await h.parkRecord({ tenantId: acme.tenant.id, entityType: 'invoice', externalId: 'INV-X' }, 'failed');
    await h.parkRecord({ tenantId: acme.tenant.id, entityType: 'invoice', externalId: 'INV-Y' }, 'failed');
    await saveGrant(h.db.db, acme.tenant.id, {
      realmId: '9130000000000001',
      keyId: h.secrets.currentKeyId,
      accessTokenEnc: h.secrets.encrypt('a'),
      refreshTokenEnc: h.secrets.encrypt('r'),
      accessTokenExpiresAt: new Date(Date.now() + 3_600_000),
      refreshTokenExpiresAt: new Date(Date.now() + 86_400_000),
      issuedAt: new Date(),
    });

    const res = await h.request('GET', '/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    const t = acme.tenant.id;
    const lines = res.text.split('\n');
    const value = (series: string) => {
      const line = lines.find((l) => l.startsWith(`${series} `));
      return line === undefined ? undefined : Number(line.slice(series.length + 1));
    };
    // Live events carry a priority, so BullMQ keeps them in its prioritized set until a worker takes them.
    expect(value(`qbo_sync_queue_jobs{queue="invoice.sync",state="prioritized",app="qbo-sync-api"}`)).toBe(1);
    for (const q of JOB_NAMES) expect(res.text).toContain(`qbo_sync_queue_jobs{queue="${q}",state="failed"`);
    expect(value(`qbo_sync_events_ingested_total{tenant="${t}",app="qbo-sync-api"}`)).toBe(1);
    expect(value(`qbo_sync_events_duplicate_total{tenant="${t}",app="qbo-sync-api"}`)).toBe(1);
    expect(value(`qbo_sync_events_rejected_total{tenant="${t}",code="invalid_event",app="qbo-sync-api"}`)).toBe(1);
    expect(value(`qbo_sync_records{tenant="${t}",status="failed",app="qbo-sync-api"}`)).toBe(2);
    expect(value(`qbo_sync_qbo_connection{tenant="${t}",status="active",app="qbo-sync-api"}`)).toBe(1);
    expect(value(`qbo_sync_qbo_connection{tenant="quiet-co",status="not_connected",app="qbo-sync-api"}`)).toBe(1);
    expect(res.text).toContain('process_cpu_user_seconds_total');
  });

  it('the OpenAPI document covers the admin API with its schemas and bearer auth', async () => {
    const doc = (await h.request('GET', '/openapi.json', { token: null })).json<{
      paths: Record<string, Record<string, { security?: unknown; tags?: string[] }>>;
      components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
    }>();
    expect(doc.paths['/admin/tenants/{tenantId}/replay']?.post?.security).toEqual([{ adminToken: [] }]);
    expect(doc.paths['/admin/tenants/{tenantId}/sync-records']?.get?.tags).toEqual(['support']);
    expect(Object.keys(doc.paths).some((p) => p.startsWith('/admin/queues'))).toBe(false);
    expect(Object.keys(doc.paths)).not.toContain('/v1/connect/callback');
    expect(doc.components.schemas).toHaveProperty('ReplayRequest');
    expect(doc.components.securitySchemes).toHaveProperty('adminToken');
  });

  it('the records page offers the manual sync window (with a note) and a link that starts a QuickBooks connect', async () => {
    await h.request('POST', '/admin/tenants', {
      body: { id: 'manual-co', name: 'Manual', settings: { autoSync: false } },
    });
    await h.parkRecord({ tenantId: 'manual-co', entityType: 'invoice', externalId: 'INV-M1' }, 'needs_sync');
    const page = await h.request('GET', '/console/records?tenant=manual-co');
    expect(page.text).toContain('Sync everything waiting for a manual sync (1)…');
    expect(page.text).toContain('href="/console/connect?tenant=manual-co">Connect QuickBooks</a>');
    const form = { 'content-type': 'application/x-www-form-urlencoded', 'hx-request': 'true' };
    const noNote = await h.request('POST', '/console/manual-sync', { body: 'tenant=manual-co&note=', headers: form });
    expect(noNote.text).toContain('The note is required');
    const done = await h.request('POST', '/console/manual-sync', {
      body: 'tenant=manual-co&note=the+customer+asked',
      headers: form,
    });
    expect(done.text).toContain('1 waiting sync queued.');
    expect(done.headers.get('hx-trigger')).toContain('records-changed');
    const connect = await h.request('GET', '/console/connect?tenant=manual-co');
    expect(connect.status).toBe(303);
    expect(connect.headers.get('location')).toMatch(/^https?:\/\/.+state=/);
  });
});
