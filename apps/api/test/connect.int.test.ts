import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type {
  ConnectResponse,
  DisconnectResponse,
  ErrorBody,
  QboListResponse,
  TenantDetailResponse,
} from '@qbo-sync/contracts';
import { resumeJobId } from '@qbo-sync/producer';
import type { RunningSandbox } from '@qbo-sync/qbo-sandbox';
import { type AdminHarness, queuedJobs, startAdminHarness } from './admin-harness.js';

const unescapeHtml = (s: string) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

describe('OAuth connect through the sandbox authorize page', () => {
  let h: AdminHarness;
  let sandbox: RunningSandbox;
  let realmId: string;
  let callbackUrl: string;

  beforeAll(async () => {
    h = await startAdminHarness('connect', { sandbox: true });
    if (!h.sandbox) throw new Error('sandbox not started');
    sandbox = h.sandbox;
    for (const id of ['movers', 'other']) {
      expect((await h.request('POST', '/admin/tenants', { body: { id, name: `${id} inc` } })).status).toBe(201);
    }
  });
  afterAll(async () => {
    await h.close();
  });

  /** What a person's browser does: open the authorize URL, pick a company, press Connect. Returns the redirect. */
  async function approveInBrowser(authorizeUrl: string, company: string): Promise<string> {
    const consent = await fetch(authorizeUrl);
    expect(consent.status).toBe(200);
    const html = await consent.text();
    const fields = Object.fromEntries(
      [...html.matchAll(/<input type="hidden" name="(\w+)" value="([^"]*)">/g)].map((m) => [
        m[1],
        unescapeHtml(m[2] ?? ''),
      ]),
    );
    expect(Object.keys(fields).sort()).toEqual(['client_id', 'redirect_uri', 'scope', 'state']);
    const approve = await fetch(`${sandbox.url}/connect/oauth2/approve`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...fields, realmId: company }).toString(),
      redirect: 'manual',
    });
    expect(approve.status).toBe(302);
    return approve.headers.get('location') ?? '';
  }

  async function startConnect(tenantId: string): Promise<ConnectResponse> {
    const res = await h.request('GET', `/admin/tenants/${tenantId}/connect`);
    expect(res.status).toBe(200);
    return res.json<ConnectResponse>();
  }

  /** The browser follows the redirect to our callback (no admin token: it is Intuit sending it back). */
  const followToCallback = (location: string) => fetch(location, { redirect: 'manual' });

  it('connects: authorize URL → sandbox consent page → approve → our callback → connection active', async () => {
    const parked = await h.parkRecord(
      { tenantId: 'movers', entityType: 'invoice', externalId: 'INV-7' },
      'needs_reconnect',
    );
    const notMine = await h.parkRecord(
      { tenantId: 'other', entityType: 'invoice', externalId: 'INV-8' },
      'needs_reconnect',
    );
    realmId = sandbox.createRealm({ seed: true }).realmId;

    const { authorizeUrl, expiresInSeconds } = await startConnect('movers');
    expect(expiresInSeconds).toBe(600);
    const url = new URL(authorizeUrl);
    expect(`${url.origin}${url.pathname}`).toBe(`${sandbox.url}/connect/oauth2`);
    expect(url.searchParams.get('redirect_uri')).toBe(`${h.url}/v1/connect/callback`);
    const state = url.searchParams.get('state') ?? '';
    expect(state.length).toBeGreaterThanOrEqual(32);
    const ttl = await h.redis.ttl(`${h.prefix}:oauth-state:${state}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(600);

    callbackUrl = await approveInBrowser(authorizeUrl, realmId);
    expect(callbackUrl.startsWith(`${h.url}/v1/connect/callback?`)).toBe(true);
    const landing = await followToCallback(callbackUrl);
    expect(landing.status).toBe(200);
    expect(landing.headers.get('content-type')).toMatch(/text\/html/);
    expect(await landing.text()).toContain(`Connected to QuickBooks company ${realmId}`);

    const tenant = (await h.request('GET', '/admin/tenants/movers')).json<TenantDetailResponse>();
    expect(tenant.connection).toMatchObject({ status: 'active', realmId, reason: null });
    expect(tenant.connection.accessTokenExpiresAt).not.toBeNull();
    // Syncs parked for want of a connection were queued again; another tenant's were not.
    const ids = (await queuedJobs(h)).map((j) => j.id);
    expect(ids).toContain(resumeJobId(parked));
    expect(ids).not.toContain(resumeJobId(notMine));
  });

  it('a QBO call works through the new connection: the mapping screens read live lists', async () => {
    const items = await h.request('GET', '/admin/tenants/movers/qbo/items');
    expect(items.status).toBe(200);
    const names = items.json<QboListResponse>().items.map((i) => i.name);
    expect(names).toEqual(expect.arrayContaining(['Moving Labor', 'Packing Materials', 'Storage', 'Consultation']));
    const accounts = (await h.request('GET', '/admin/tenants/movers/qbo/accounts')).json<QboListResponse>().items;
    expect(accounts).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'Client Trust Account', type: 'Bank' })]),
    );
    const methods = (await h.request('GET', '/admin/tenants/movers/qbo/payment-methods')).json<QboListResponse>().items;
    expect(methods.map((m) => m.name)).toEqual(expect.arrayContaining(['Cash', 'Check', 'Credit Card', 'ACH']));
    const taxCodes = (await h.request('GET', '/admin/tenants/movers/qbo/tax-codes')).json<QboListResponse>().items;
    expect(taxCodes.map((t) => t.id)).toEqual(expect.arrayContaining(['TAX', 'NON']));
    const unknown = await h.request('GET', '/admin/tenants/movers/qbo/vendors');
    expect(unknown.status).toBe(400);
    expect(sandbox.stats(realmId).requests).toBeGreaterThanOrEqual(4);
  });

  it('refuses a replayed callback: the state was used', async () => {
    const again = await followToCallback(callbackUrl);
    expect(again.status).toBe(400);
    const page = await again.text();
    expect(page).toContain('expired, was already used');
    expect(page).toMatch(/Start the connection again/);
  });

  it('refuses a forged state, and a callback without one', async () => {
    const forged = await followToCallback(
      `${h.url}/v1/connect/callback?code=abc&state=${'A'.repeat(32)}&realmId=${realmId}`,
    );
    expect(forged.status).toBe(400);
    const none = await followToCallback(`${h.url}/v1/connect/callback?code=abc&realmId=${realmId}`);
    expect(none.status).toBe(400);
  });

  it('a state is bound to the tenant it was issued for', async () => {
    const otherRealm = sandbox.createRealm({ seed: true }).realmId;
    const { authorizeUrl } = await startConnect('other');
    const landing = await followToCallback(await approveInBrowser(authorizeUrl, otherRealm));
    expect(landing.status).toBe(200);
    const other = (await h.request('GET', '/admin/tenants/other')).json<TenantDetailResponse>();
    const movers = (await h.request('GET', '/admin/tenants/movers')).json<TenantDetailResponse>();
    expect(other.connection.realmId).toBe(otherRealm);
    expect(movers.connection.realmId).toBe(realmId);
  });

  it('refuses a callback whose realmId was altered: the grant is not for that company, and nothing changes', async () => {
    // "other" is connected to otherRealm. Someone consents to a company of their own, then edits the
    // callback's realmId to say otherRealm: the tokens they got must not replace other's grant.
    const before = (await h.request('GET', '/admin/tenants/other')).json<TenantDetailResponse>().connection;
    expect(before.status).toBe('active');
    const ownRealm = sandbox.createRealm({ seed: true }).realmId;
    const { authorizeUrl } = await startConnect('other');
    const genuine = new URL(await approveInBrowser(authorizeUrl, ownRealm));
    expect(genuine.searchParams.get('realmId')).toBe(ownRealm);
    genuine.searchParams.set('realmId', before.realmId ?? '');
    const landing = await followToCallback(genuine.toString());
    expect(landing.status).toBe(400);
    const page = await landing.text();
    expect(page).toContain('QuickBooks was not connected');
    expect(page).toContain(`not for QuickBooks company ${before.realmId}`);
    const after = (await h.request('GET', '/admin/tenants/other')).json<TenantDetailResponse>().connection;
    expect(after).toEqual(before);
    expect((await h.request('GET', '/admin/tenants/other/qbo/tax-codes')).status).toBe(200);
  });

  it('QuickBooks failing during the company check: 502, nothing stored, and the next attempt connects', async () => {
    await h.request('POST', '/admin/tenants', { body: { id: 'flaky', name: 'Flaky' } });
    const flakyRealm = sandbox.createRealm({ seed: true }).realmId;
    sandbox.injectFault(flakyRealm, { kind: 'http5xx', times: 3, match: { entity: 'companyinfo' } });
    const first = await followToCallback(
      await approveInBrowser((await startConnect('flaky')).authorizeUrl, flakyRealm),
    );
    expect(first.status).toBe(502);
    expect(await first.text()).toContain('could not be reached');
    expect((await h.request('GET', '/admin/tenants/flaky')).json<TenantDetailResponse>().connection.status).toBe(
      'not_connected',
    );
    const second = await followToCallback(
      await approveInBrowser((await startConnect('flaky')).authorizeUrl, flakyRealm),
    );
    expect(second.status).toBe(200);
  });

  it('will not silently switch a connected tenant to another company', async () => {
    const secondRealm = sandbox.createRealm({ seed: true }).realmId;
    const { authorizeUrl } = await startConnect('movers');
    const landing = await followToCallback(await approveInBrowser(authorizeUrl, secondRealm));
    expect(landing.status).toBe(409);
    expect(await landing.text()).toMatch(/disconnect first/);
    expect((await h.request('GET', '/admin/tenants/movers')).json<TenantDetailResponse>().connection.realmId).toBe(
      realmId,
    );
  });

  it('a denied consent consumes the state and says what happened', async () => {
    const { authorizeUrl } = await startConnect('movers');
    const state = new URL(authorizeUrl).searchParams.get('state') ?? '';
    const denied = await followToCallback(`${h.url}/v1/connect/callback?error=access_denied&state=${state}`);
    expect(denied.status).toBe(400);
    expect(await denied.text()).toContain('access_denied');
    expect(await h.redis.exists(`${h.prefix}:oauth-state:${state}`)).toBe(0);
  });

  it('disconnect revokes the grant; QBO calls then say to reconnect', async () => {
    const res = await h.request('POST', '/admin/tenants/movers/disconnect');
    expect(res.status).toBe(200);
    expect(res.json<DisconnectResponse>()).toEqual({ status: 'disconnected', revokedAtIntuit: true });
    const tenant = (await h.request('GET', '/admin/tenants/movers')).json<TenantDetailResponse>();
    expect(tenant.connection.status).toBe('disconnected');
    const items = await h.request('GET', '/admin/tenants/movers/qbo/items');
    expect(items.status).toBe(409);
    expect(items.json<ErrorBody>().error.message).toMatch(/\/admin\/tenants\/movers\/connect/);
    // A disconnected tenant may connect again (even another company: the person chose to disconnect).
    const { authorizeUrl } = await startConnect('movers');
    expect((await followToCallback(await approveInBrowser(authorizeUrl, realmId))).status).toBe(200);
    expect((await h.request('GET', '/admin/tenants/movers/qbo/tax-codes')).status).toBe(200);
  });

  it('disconnecting a tenant that never connected is a 409, an unknown tenant a 404', async () => {
    await h.request('POST', '/admin/tenants', { body: { id: 'fresh', name: 'Fresh' } });
    const res = await h.request('POST', '/admin/tenants/fresh/disconnect');
    expect(res.status).toBe(409);
    expect(res.json<ErrorBody>().error.code).toBe('not_connected');
    expect((await h.request('GET', '/admin/tenants/fresh/qbo/items')).json<ErrorBody>().error.code).toBe(
      'not_connected',
    );
    expect((await h.request('GET', '/admin/tenants/ghost/connect')).status).toBe(404);
  });

  it('refuses a company outside the US, Canada and the UK with a clear message; a Canadian company connects', async () => {
    for (const id of ['aussie', 'canuck']) {
      expect((await h.request('POST', '/admin/tenants', { body: { id, name: id } })).status).toBe(201);
    }
    const au = sandbox.createRealm({ seed: true, country: 'AU' }).realmId;
    const refused = await followToCallback(await approveInBrowser((await startConnect('aussie')).authorizeUrl, au));
    expect(refused.status).toBe(400);
    expect(unescapeHtml(await refused.text())).toContain(
      'This QuickBooks company is set up for country AU. qbo-sync supports QuickBooks companies in the United States, Canada and the United Kingdom only',
    );
    const aussie = (await h.request('GET', '/admin/tenants/aussie')).json<TenantDetailResponse>();
    expect(aussie.connection).toMatchObject({ status: 'not_connected', realmId: null });

    const ca = sandbox.createRealm({ seed: true, country: 'CA' }).realmId;
    const ok = await followToCallback(await approveInBrowser((await startConnect('canuck')).authorizeUrl, ca));
    expect(ok.status).toBe(200);
    const canuck = (await h.request('GET', '/admin/tenants/canuck')).json<TenantDetailResponse>();
    expect(canuck.connection).toMatchObject({ status: 'active', realmId: ca });
  });
});
