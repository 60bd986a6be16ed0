import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type {
  CreateTenantResponse,
  DeleteTenantResponse,
  ErrorBody,
  RotateKeyResponse,
  RotateSecretResponse,
  TenantDetailResponse,
  TenantListResponse,
  TenantView,
} from '@qbo-sync/contracts';
import { getTenantSigningSecret } from '@qbo-sync/db/repositories/tenants';
import { type AdminHarness, startAdminHarness } from './admin-harness.js';

describe('admin: tenants', () => {
  let h: AdminHarness;
  let created: CreateTenantResponse;
  beforeAll(async () => {
    h = await startAdminHarness('admin-tenants');
  });
  afterAll(async () => {
    await h.close();
  });

  /** The tenant API (X-Api-Key) with a given key: 404 means the key was accepted and the record is unknown. */
  const statusWithKey = async (apiKey: string) =>
    (
      await h.request('GET', '/v1/sync-status/invoice/NO-SUCH-INVOICE', {
        token: null,
        headers: { 'x-api-key': apiKey },
      })
    ).status;

  it('creates a tenant and shows its API key and signing secret once', async () => {
    const res = await h.request('POST', '/admin/tenants', {
      body: { id: 'acme-moving', name: 'Acme Moving', settings: { customerMatch: 'name_and_email' } },
    });
    expect(res.status).toBe(201);
    created = res.json<CreateTenantResponse>();
    expect(created.apiKey).toMatch(/^qsk_/);
    expect(created.signingSecret).toMatch(/^whsec_/);
    expect(created.tenant).toMatchObject({
      id: 'acme-moving',
      name: 'Acme Moving',
      apiKeyPrefix: created.apiKey.slice(0, 12),
      settings: { autoSync: true, customerMatch: 'name_and_email', representatives: 'parent' },
    });
    expect(await statusWithKey(created.apiKey)).toBe(404);
    // Neither is ever shown again.
    const detail = await h.request('GET', '/admin/tenants/acme-moving');
    expect(detail.text).not.toContain(created.apiKey);
    expect(detail.text).not.toContain(created.signingSecret);
  });

  it('409 when the id exists, 400 with field reasons for a bad body', async () => {
    const again = await h.request('POST', '/admin/tenants', { body: { id: 'acme-moving', name: 'Another' } });
    expect(again.status).toBe(409);
    expect(again.json<ErrorBody>().error).toMatchObject({ code: 'tenant_exists' });
    expect(again.json<ErrorBody>().error.message).toMatch(/rotate-key/);

    const bad = await h.request('POST', '/admin/tenants', {
      body: { id: 'Bad Id', name: '', settings: { autoSync: 'yes', colour: 'red' } },
    });
    expect(bad.status).toBe(400);
    const paths = (bad.json<ErrorBody>().error.issues ?? []).map((i) => i.path).sort();
    expect(paths).toEqual(expect.arrayContaining(['id', 'name', 'settings.autoSync']));
    expect(bad.json<ErrorBody>().error.issues?.some((i) => /colour/.test(i.message))).toBe(true);
    const notJson = await h.request('POST', '/admin/tenants', {
      body: '{"id":',
      headers: { 'content-type': 'application/json' },
    });
    expect(notJson.status).toBe(400);
    expect(notJson.json<ErrorBody>().error.code).toBe('invalid_json');
  });

  it('lists tenants with their connection status', async () => {
    await h.request('POST', '/admin/tenants', { body: { id: 'beta-law', name: 'Beta Law' } });
    const res = await h.request('GET', '/admin/tenants');
    expect(res.status).toBe(200);
    const { tenants } = res.json<TenantListResponse>();
    expect(tenants.map((t) => t.id)).toEqual(['acme-moving', 'beta-law']);
    expect(tenants[0]?.connection).toEqual({ status: 'not_connected', realmId: null });
  });

  it('shows one tenant with settings, connection and record counts by status', async () => {
    await h.parkRecord({ tenantId: 'acme-moving', entityType: 'invoice', externalId: 'INV-1' }, 'failed');
    await h.parkRecord({ tenantId: 'acme-moving', entityType: 'invoice', externalId: 'INV-2' }, 'failed');
    await h.parkRecord({ tenantId: 'acme-moving', entityType: 'payment', externalId: 'PAY-1' }, 'needs_mapping');
    await h.parkRecord({ tenantId: 'beta-law', entityType: 'invoice', externalId: 'INV-9' }, 'failed');
    const res = await h.request('GET', '/admin/tenants/acme-moving');
    expect(res.status).toBe(200);
    const t = res.json<TenantDetailResponse>();
    expect(t.counts).toMatchObject({ failed: 2, needs_mapping: 1, synced: 0 });
    expect(Object.keys(t.counts)).toHaveLength(12);
    expect(t.connection).toMatchObject({ status: 'not_connected', realmId: null });
    expect(t.connection.reason).toMatch(/connect/);
  });

  it('404 for an unknown tenant, with what to do', async () => {
    const res = await h.request('GET', '/admin/tenants/nobody');
    expect(res.status).toBe(404);
    expect(res.json<ErrorBody>().error).toMatchObject({ code: 'tenant_not_found' });
    expect(res.json<ErrorBody>().error.message).toMatch(/GET \/admin\/tenants/);
    expect((await h.request('PATCH', '/admin/tenants/nobody/settings', { body: { autoSync: false } })).status).toBe(
      404,
    );
  });

  it('PATCH settings changes only the keys sent and validates them', async () => {
    const res = await h.request('PATCH', '/admin/tenants/acme-moving/settings', {
      body: { autoSync: false, callbackUrl: 'https://billing.example/qbo-callbacks' },
    });
    expect(res.status).toBe(200);
    expect(res.json<TenantView>().settings).toEqual({
      autoSync: false,
      autoSyncPayments: true,
      customerMatch: 'name_and_email',
      createMissingItems: false,
      representatives: 'parent',
      voidsBeforeSync: 'post_and_void',
      inactiveQboCustomers: 'reactivate',
      syncInvoicesWhen: 'sent',
      callbackUrl: 'https://billing.example/qbo-callbacks',
      driftPolicy: { deleted: 'heal', edited: 'flag' },
    });
    const bad = await h.request('PATCH', '/admin/tenants/acme-moving/settings', {
      body: { callbackUrl: 'not a url', representatives: 'cousin' },
    });
    expect(bad.status).toBe(400);
    expect((bad.json<ErrorBody>().error.issues ?? []).map((i) => i.path).sort()).toEqual([
      'callbackUrl',
      'representatives',
    ]);
    const after = (await h.request('GET', '/admin/tenants/acme-moving')).json<TenantDetailResponse>();
    expect(after.settings.representatives).toBe('parent');
  });

  it.each([
    ['http://169.254.169.254/latest/meta-data/', /callbacks are sent only over https/],
    ['https://169.254.169.254/latest/meta-data/', /link-local \(cloud metadata\)/],
    ['https://127.0.0.1:3000/admin/tenants/other/rotate-key', /loopback/],
    ['https://[::ffff:7f00:1]/admin', /IPv4-mapped/],
    ['https://[fd12::1]/hooks', /unique local/],
    ['file:///etc/passwd', /uses file:/],
    ['gopher://127.0.0.1:6379/_FLUSHALL', /uses gopher:/],
  ])('refuses callbackUrl %s with 400 naming it, and changes nothing', async (callbackUrl, reason) => {
    const before = (await h.request('GET', '/admin/tenants/acme-moving')).json<TenantDetailResponse>();
    const bad = await h.request('PATCH', '/admin/tenants/acme-moving/settings', { body: { callbackUrl } });
    expect(bad.status).toBe(400);
    expect(bad.json<ErrorBody>().error.issues).toEqual([
      { path: 'callbackUrl', message: expect.stringMatching(reason) },
    ]);
    const created = await h.request('POST', '/admin/tenants', {
      body: { id: 'ssrf-co', name: 'SSRF Co', settings: { callbackUrl } },
    });
    expect(created.status).toBe(400);
    expect(created.json<ErrorBody>().error.issues?.[0]?.path).toBe('settings.callbackUrl');
    const after = (await h.request('GET', '/admin/tenants/acme-moving')).json<TenantDetailResponse>();
    expect(after.settings.callbackUrl).toBe(before.settings.callbackUrl);
    expect((await h.request('GET', '/admin/tenants/ssrf-co')).status).toBe(404);
  });

  it('refuses NUL, control characters and unpaired surrogates in admin bodies with 400 naming the field', async () => {
    const nul = await h.request('POST', '/admin/tenants', { body: { id: 'nul-co', name: 'Nul\u0000 Co' } });
    expect(nul.status).toBe(400);
    expect(nul.json<ErrorBody>().error.issues).toEqual([{ path: 'name', message: expect.stringContaining('U+0000') }]);
    const surrogate = await h.request('POST', '/admin/tenants', { body: { id: 'sur-co', name: 'Bad \ud800 Co' } });
    expect(surrogate.status).toBe(400);
    expect((await h.request('GET', '/admin/tenants/nul-co')).status).toBe(404);
    // A tenant id in the path that no tenant can have: 404, not a database error.
    for (const path of [
      '/admin/tenants/%00',
      '/admin/tenants/a%00b/sync-records',
      '/admin/tenants/%1B%5B2J/mappings',
    ]) {
      const res = await h.request('GET', path);
      expect([path, res.status]).toEqual([path, 404]);
      expect(res.json<ErrorBody>().error.code).toBe('tenant_not_found');
    }
  });

  it('refuses a body nested 5,000 deep with 400 naming where (it overflowed the stack: a 500)', async () => {
    const deep = (field: string) => `{"${field}":${'{"x":'.repeat(5000)}1${'}'.repeat(5000)}}`;
    const created = await h.request('POST', '/admin/tenants', {
      body: `{"id":"deep-co","name":"Deep",${deep('settings').slice(1)}`,
    });
    expect(created.status).toBe(400);
    expect(created.json<ErrorBody>().error.issues).toEqual([
      { path: `settings${'.x'.repeat(31)}`, message: expect.stringMatching(/nests deeper than 32 levels/) },
    ]);
    await h.request('POST', '/admin/tenants', { body: { id: 'deep-co', name: 'Deep' } });
    const patched = await h.request('PATCH', '/admin/tenants/deep-co/settings', { body: deep('callbackUrl') });
    expect(patched.status).toBe(400);
    expect(patched.json<ErrorBody>().error.code).toBe('invalid_request');
    expect(patched.json<ErrorBody>().error.issues?.[0]?.path).toMatch(/^callbackUrl(\.x)+$/);
  });

  it('rotate-key issues a new key; the old one stops working at once', async () => {
    const res = await h.request('POST', '/admin/tenants/acme-moving/rotate-key');
    expect(res.status).toBe(200);
    const { apiKey, apiKeyPrefix } = res.json<RotateKeyResponse>();
    expect(apiKey).not.toBe(created.apiKey);
    expect(apiKeyPrefix).toBe(apiKey.slice(0, 12));
    expect(await statusWithKey(created.apiKey)).toBe(401);
    expect(await statusWithKey(apiKey)).toBe(404);
  });

  it('rotate-secret issues a new signing secret; requests signed with the old one are refused', async () => {
    const res = await h.request('POST', '/admin/tenants/acme-moving/rotate-secret');
    expect(res.status).toBe(200);
    const { signingSecret } = res.json<RotateSecretResponse>();
    expect(signingSecret).toMatch(/^whsec_/);
    expect(signingSecret).not.toBe(created.signingSecret);
    const stored = await getTenantSigningSecret(h.db.db, h.secrets, 'acme-moving');
    expect(stored).toBe(signingSecret);
    expect((await h.request('POST', '/admin/tenants/nobody/rotate-secret')).status).toBe(404);
  });

  it('delete removes the tenant with its mappings and records; its key stops working', async () => {
    const made = await h.request('POST', '/admin/tenants', { body: { id: 'short-lived', name: 'Short Lived' } });
    expect(made.status).toBe(201);
    const { apiKey } = made.json<CreateTenantResponse>();
    expect(
      (await h.request('PUT', '/admin/tenants/short-lived/mappings/item/moving-labor', { body: { qboId: '1' } }))
        .status,
    ).toBe(200);
    const res = await h.request('DELETE', '/admin/tenants/short-lived');
    expect(res.status).toBe(200);
    expect(res.json<DeleteTenantResponse>()).toEqual({ deleted: true, revokedAtIntuit: false });
    expect((await h.request('GET', '/admin/tenants/short-lived')).status).toBe(404);
    expect(await h.db.sql`select 1 from mappings where tenant_id = 'short-lived'`).toHaveLength(0);
    expect(await statusWithKey(apiKey)).toBe(401);
    expect((await h.request('DELETE', '/admin/tenants/short-lived')).status).toBe(404);
    expect((await h.request('GET', '/admin/tenants/acme-moving')).status).toBe(200);
  });
});
