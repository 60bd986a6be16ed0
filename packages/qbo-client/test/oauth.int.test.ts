import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import got from 'got';
import type { QboClient } from '../src/client.js';
import { classifyForRetry } from '../src/errors/classify.js';
import { NeedsReconnectError } from '../src/errors/needs-reconnect-error.js';
import { NotConnectedError } from '../src/errors/not-connected-error.js';
import { RealmMismatchError } from '../src/errors/realm-mismatch-error.js';
import type { StatusChange } from '../src/oauth/tokens.js';
import { admin, connectTenant, type Harness, insertTenant, startHarness, startRecordingProxy } from './helpers.js';

type Proxy = Awaited<ReturnType<typeof startRecordingProxy>>;

describe('OAuth: connect, refresh, rotation, invalid_grant, revoke', () => {
  let h: Harness;
  let client: QboClient;
  let tokenProxy: Proxy;
  const changes: StatusChange[] = [];
  const tokenCalls = () => tokenProxy.seen.filter((s) => s.url.startsWith('/oauth2/v1/tokens/bearer')).length;
  const revokeCalls = () => tokenProxy.seen.filter((s) => s.url.startsWith('/v2/oauth2/tokens/revoke')).length;

  async function connectionRow(tenantId: string) {
    const rows = await h.db.sql<
      { key_id: string; access_token_enc: string; refresh_token_enc: string; token_version: number; status: string }[]
    >`select key_id, access_token_enc, refresh_token_enc, token_version, status from qbo_connections where tenant_id = ${tenantId}`;
    const row = rows[0];
    if (!row) throw new Error(`no connection for ${tenantId}`);
    return row;
  }

  /** Calls the sandbox token endpoint directly, as Intuit's would be called, with a given refresh token. */
  async function refreshDirectly(refreshToken: string): Promise<{ status: number; body: string }> {
    const basic = Buffer.from(`${h.config.qbo.clientId}:${h.config.qbo.clientSecret}`).toString('base64');
    const res = await got.post(`${h.sandbox.url}/oauth2/v1/tokens/bearer`, {
      form: { grant_type: 'refresh_token', refresh_token: refreshToken },
      headers: { authorization: `Basic ${basic}` },
      throwHttpErrors: false,
      retry: { limit: 0 },
    });
    return { status: res.statusCode, body: res.body };
  }

  beforeAll(async () => {
    // Grace 0: a rotated-away refresh token is dead at once, so using a stale one would show.
    h = await startHarness('oauth', { rotatedRefreshGraceSeconds: 0 });
    tokenProxy = await startRecordingProxy(h.sandbox.url);
    client = h.client({
      qbo: {
        ...h.config.qbo,
        tokenUrl: `${tokenProxy.url}/oauth2/v1/tokens/bearer`,
        revokeUrl: `${tokenProxy.url}/v2/oauth2/tokens/revoke`,
      },
      // Bursts of 20 calls wait for budget instead of answering REALM_BUSY on a loaded machine.
      limits: { maxWaitMs: 10_000 },
      onStatusChange: (c) => {
        changes.push(c);
      },
    });
  });
  afterAll(async () => {
    await tokenProxy.close();
    await h.close();
  });

  it('connects through the authorize page and code exchange, storing tokens encrypted', async () => {
    const realmId = await admin(h.sandbox).createRealm();
    await insertTenant(h.db, 'connect');
    const url = new URL(client.oauth.authorizeUrl('state-42'));
    expect(`${url.origin}${url.pathname}`).toBe(h.config.qbo.authorizeUrl);
    expect(url.searchParams.get('scope')).toBe('com.intuit.quickbooks.accounting');
    expect(url.searchParams.get('state')).toBe('state-42');
    expect(url.searchParams.get('redirect_uri')).toBe(h.config.qbo.redirectUri);
    // The user's browser: consent page, then approve, which redirects to our callback with a code.
    expect((await got(url.toString(), { retry: { limit: 0 } })).statusCode).toBe(200);
    const approve = await got.post(`${h.sandbox.url}/connect/oauth2/approve`, {
      form: { ...Object.fromEntries(url.searchParams), realmId },
      followRedirect: false,
      retry: { limit: 0 },
    });
    const callback = approve.headers.location ?? '';
    expect(callback.startsWith(h.config.qbo.redirectUri)).toBe(true);

    const result = await client.oauth.exchangeCode('connect', callback);
    expect(result).toEqual({ realmId, state: 'state-42' });
    const status = await client.oauth.connectionStatus('connect');
    expect(status).toMatchObject({ status: 'active', realmId });
    expect(status.reason).toBeUndefined();
    const row = await connectionRow('connect');
    expect(row.key_id).toBe(h.secrets.currentKeyId);
    const access = h.secrets.decrypt(row.access_token_enc);
    expect(row.access_token_enc).not.toContain(access);
    expect(h.logLines.join('')).not.toContain(access);
    const realm = await client.forTenant('connect');
    expect(realm.realmId).toBe(realmId);
    expect((await realm.getPreferences()).Id).toBeDefined();
    expect(changes).toContainEqual({ tenantId: 'connect', realmId, status: 'active' });

    // A replayed callback (double submit) is refused with a typed error.
    await expect(client.oauth.exchangeCode('connect', callback)).rejects.toBeInstanceOf(NeedsReconnectError);
  });

  it('refuses a callback whose realmId names a company the grant cannot read, stores nothing, revokes the grant', async () => {
    const a = admin(h.sandbox);
    const [granted, named] = [await a.createRealm(), await a.createRealm()];
    await insertTenant(h.db, 'tampered');
    const url = new URL(client.oauth.authorizeUrl('state-7'));
    const approve = await got.post(`${h.sandbox.url}/connect/oauth2/approve`, {
      form: { ...Object.fromEntries(url.searchParams), realmId: granted },
      followRedirect: false,
      retry: { limit: 0 },
    });
    const callback = new URL(approve.headers.location ?? '');
    callback.searchParams.set('realmId', named);
    const revokesBefore = revokeCalls();
    const refused = client.oauth.exchangeCode('tampered', callback.toString());
    await expect(refused).rejects.toBeInstanceOf(RealmMismatchError);
    await expect(refused).rejects.toMatchObject({ code: 'AUTH', qboCode: 'realm_mismatch' });
    expect(await client.oauth.connectionStatus('tampered')).toMatchObject({ status: 'not_connected' });
    expect(changes.filter((c) => c.tenantId === 'tampered')).toEqual([]);
    // The unused grant was revoked at the token server rather than left dangling.
    expect(revokeCalls() - revokesBefore).toBe(1);
  });

  it('refreshes reactively on a 401 once, persists the rotated refresh token, and the old one is dead', async () => {
    const realmId = await connectTenant(h, client, 'rotate');
    const a = admin(h.sandbox);
    const before = await connectionRow('rotate');
    const oldRefresh = h.secrets.decrypt(before.refresh_token_enc);
    await a.expireAccessTokens(realmId);
    const calls = tokenCalls();

    // 20 calls at once on one client: they wait for the realm's budget instead of failing fast (REALM_BUSY),
    // since what this test checks is the single refresh.
    const realm = await client.forTenant('rotate', { inJobBudgetWaitMs: 5_000 });
    const results = await Promise.all(Array.from({ length: 20 }, () => realm.getCustomer('1')));
    expect(results.every((c) => c.Id === '1')).toBe(true);

    const stats = await a.stats(realmId);
    expect(stats.tokenRefreshes).toBe(1);
    expect(tokenCalls() - calls).toBe(1);
    const after = await connectionRow('rotate');
    expect(after.token_version).toBe(before.token_version + 1);
    const newRefresh = h.secrets.decrypt(after.refresh_token_enc);
    expect(newRefresh).not.toBe(oldRefresh);
    expect(after.refresh_token_enc).not.toContain(newRefresh);
    const dead = await refreshDirectly(oldRefresh);
    expect(dead.status).toBe(400);
    expect(JSON.parse(dead.body)).toEqual({ error: 'invalid_grant' });
    const logs = h.logLines.join('');
    for (const secret of [oldRefresh, newRefresh, h.secrets.decrypt(after.access_token_enc)]) {
      expect(logs).not.toContain(secret);
    }
  });

  it('refreshes proactively when the access token is within 5 minutes of expiry (no 401 first)', async () => {
    const realmId = await connectTenant(h, client, 'proactive');
    // As if issued 58 minutes ago with Intuit's 60-minute lifetime.
    await h.db.sql`update qbo_connections set access_token_expires_at = now() + interval '2 minutes',
      last_refreshed_at = now() - interval '58 minutes' where tenant_id = 'proactive'`;
    const realm = await client.forTenant('proactive');
    await realm.getCustomer('1');
    const stats = await admin(h.sandbox).stats(realmId);
    expect(stats.tokenRefreshes).toBe(1);
    expect(stats.faultsByCode['3200'] ?? 0).toBe(0);
    const status = await client.oauth.connectionStatus('proactive');
    expect((status.accessTokenExpiresAt?.getTime() ?? 0) - Date.now()).toBeGreaterThan(50 * 60_000);
  });

  it('invalid_grant parks the connection as needs_reconnect, makes no further token calls, and a new grant resumes', async () => {
    const realmId = await connectTenant(h, client, 'dead');
    const a = admin(h.sandbox);
    await a.expireRefreshTokens(realmId);
    await a.expireAccessTokens(realmId);
    const realm = await client.forTenant('dead');

    const err = await realm.getCustomer('1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NeedsReconnectError);
    expect(err).toMatchObject({ code: 'NEEDS_RECONNECT', kind: 'auth' });
    expect(classifyForRetry(err)).toBe('park-reconnect');
    expect((err as Error).message).not.toMatch(/RT1-|eyJsandbox/);
    const status = await client.oauth.connectionStatus('dead');
    expect(status.status).toBe('needs_reconnect');
    expect(status.reason).toMatch(/Reconnect QuickBooks/);
    expect(changes).toContainEqual(expect.objectContaining({ tenantId: 'dead', status: 'needs_reconnect' }));

    const tokenCallsBefore = tokenCalls();
    const requestsBefore = (await a.stats(realmId)).requests;
    await expect(realm.getCustomer('1')).rejects.toBeInstanceOf(NeedsReconnectError);
    await expect(client.forTenant('dead')).rejects.toBeInstanceOf(NeedsReconnectError);
    expect(tokenCalls()).toBe(tokenCallsBefore);
    expect((await a.stats(realmId)).requests).toBe(requestsBefore);

    await client.oauth.saveGrant('dead', realmId, await a.issueTokens(realmId));
    expect((await client.oauth.connectionStatus('dead')).status).toBe('active');
    expect((await (await client.forTenant('dead')).getCustomer('1')).Id).toBe('1');
    expect(changes.filter((c) => c.tenantId === 'dead').map((c) => c.status)).toEqual([
      'active',
      'needs_reconnect',
      'active',
    ]);
  });

  it('revoke disconnects: the grant is dead at the sandbox and the tenant is not connected', async () => {
    const realmId = await connectTenant(h, client, 'leaving');
    const before = await connectionRow('leaving');
    const refresh = h.secrets.decrypt(before.refresh_token_enc);
    expect(await client.oauth.revoke('leaving')).toEqual({ revokedAtIntuit: true });
    const status = await client.oauth.connectionStatus('leaving');
    expect(status).toMatchObject({ status: 'disconnected', realmId });
    await expect(client.forTenant('leaving')).rejects.toBeInstanceOf(NotConnectedError);
    expect((await refreshDirectly(refresh)).status).toBe(400);
    expect(h.secrets.decrypt((await connectionRow('leaving')).refresh_token_enc)).toBe('');
  });

  it('a tenant that never connected gets NOT_CONNECTED', async () => {
    await expect(client.forTenant('stranger')).rejects.toBeInstanceOf(NotConnectedError);
    expect(classifyForRetry(await client.forTenant('stranger').catch((e: unknown) => e))).toBe('park-reconnect');
    expect((await client.oauth.connectionStatus('stranger')).status).toBe('not_connected');
  });
});
