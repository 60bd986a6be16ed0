import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { RunningSandbox } from '../src/index.js';
import { api, arr, type Company, company, http, type Res, start } from './helpers.js';

const CLIENT = 'sandbox-client-id';
const SECRET = 'sandbox-client-secret';
const REDIRECT = 'http://localhost:3999/callback';
const basic = (id = CLIENT, secret = SECRET): string => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

function tokenReq(sb: RunningSandbox, params: Record<string, string>, auth = basic()): Promise<Res> {
  return http(`${sb.url}/oauth2/v1/tokens/bearer`, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams(params).toString(),
  });
}

/** Runs the browser part of the flow: consent page, then the form post that redirects with a code. */
async function authorize(sb: RunningSandbox, realmId: string, state = 'st-1'): Promise<URL> {
  const qs = new URLSearchParams({
    client_id: CLIENT,
    redirect_uri: REDIRECT,
    response_type: 'code',
    scope: 'com.intuit.quickbooks.accounting',
    state,
  });
  const pageRes = await fetch(`${sb.url}/connect/oauth2?${qs}`);
  expect(pageRes.status).toBe(200);
  const html = await pageRes.text();
  expect(html).toContain('<select name="realmId">');
  expect(html).toContain('>Connect</button>');
  const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1] ?? '';
  const form = new URLSearchParams();
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g))
    form.set(m[1] ?? '', m[2] ?? '');
  form.set('realmId', realmId);
  const res = await fetch(`${sb.url}${action}`, { method: 'POST', body: form, redirect: 'manual' });
  expect(res.status).toBe(302);
  return new URL(res.headers.get('location') ?? '');
}

interface Pair {
  access: string;
  refresh: string;
}

/** Full authorization-code flow: consent page, code, token exchange. */
async function connect(sb: RunningSandbox, realmId: string): Promise<Pair> {
  const cb = await authorize(sb, realmId);
  const res = await tokenReq(sb, {
    grant_type: 'authorization_code',
    code: cb.searchParams.get('code') ?? '',
    redirect_uri: REDIRECT,
  });
  expect(res.status).toBe(200);
  return { access: String(res.body['access_token']), refresh: String(res.body['refresh_token']) };
}

describe('OAuth 2.0', () => {
  let sb: RunningSandbox;
  let c: Company;
  beforeAll(async () => {
    sb = await start({ rotatedRefreshGraceSeconds: 60 });
    c = await company(sb);
  });
  afterAll(() => sb.close());

  it('authorize page lists realms and redirects with code, state and realmId', async () => {
    const cb = await authorize(sb, c.realmId, 'my-state');
    expect(`${cb.origin}${cb.pathname}`).toBe(REDIRECT);
    expect(cb.searchParams.get('state')).toBe('my-state');
    expect(cb.searchParams.get('realmId')).toBe(c.realmId);
    expect(cb.searchParams.get('code')).toMatch(/^[\w-]{20,}$/);
  });

  it('authorize page rejects unknown clients', async () => {
    const res = await fetch(
      `${sb.url}/connect/oauth2?client_id=nope&redirect_uri=${REDIRECT}&response_type=code&scope=x`,
    );
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('invalid_client');
  });

  it('"new company" creates a seeded realm', async () => {
    const cb = await authorize(sb, 'new');
    const realmId = cb.searchParams.get('realmId') ?? '';
    expect(realmId).not.toBe(c.realmId);
    expect(sb.entities(realmId, 'Item').map((i) => i['Name'])).toContain('Moving Labor');
  });

  it('exchanges a code for Intuit-shaped tokens that work on the API', async () => {
    const cb = await authorize(sb, c.realmId);
    const res = await tokenReq(sb, {
      grant_type: 'authorization_code',
      code: cb.searchParams.get('code') ?? '',
      redirect_uri: REDIRECT,
    });
    expect(res.status).toBe(200);
    expect(res.body['token_type']).toBe('bearer');
    expect(res.body['expires_in']).toBe(3600);
    expect(res.body['x_refresh_token_expires_in']).toBe(8640000);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const apiRes = await api(c, 'GET', `/companyinfo/${c.realmId}`, undefined, String(res.body['access_token']));
    expect(apiRes.status).toBe(200);
    expect(apiRes.body['CompanyInfo']?.['Country']).toBe('US');
  });

  it('auth codes are single-use; replaying one revokes what it issued', async () => {
    const cb = await authorize(sb, c.realmId);
    const params = {
      grant_type: 'authorization_code',
      code: cb.searchParams.get('code') ?? '',
      redirect_uri: REDIRECT,
    };
    const first = await tokenReq(sb, params);
    expect(first.status).toBe(200);
    const again = await tokenReq(sb, params);
    expect(again.status).toBe(400);
    expect(again.body).toEqual({ error: 'invalid_grant' });
    const apiRes = await api(c, 'GET', '/preferences', undefined, String(first.body['access_token']));
    expect(apiRes.status).toBe(401);
  });

  it('rejects a code with a different redirect_uri or after 10 minutes', async () => {
    const cb = await authorize(sb, c.realmId);
    const code = cb.searchParams.get('code') ?? '';
    const wrong = await tokenReq(sb, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: 'http://evil.example/cb',
    });
    expect(wrong.body).toEqual({ error: 'invalid_grant' });
    const cb2 = await authorize(sb, c.realmId);
    sb.advanceClock(10 * 60 * 1000 + 1);
    const late = await tokenReq(sb, {
      grant_type: 'authorization_code',
      code: cb2.searchParams.get('code') ?? '',
      redirect_uri: REDIRECT,
    });
    expect(late.status).toBe(400);
    expect(late.body['error']).toBe('invalid_grant');
  });

  it('client authentication: wrong secret or none -> 401 invalid_client; bad grant type -> 400', async () => {
    const bad = await tokenReq(sb, { grant_type: 'refresh_token', refresh_token: 'x' }, basic(CLIENT, 'wrong'));
    expect(bad.status).toBe(401);
    expect(bad.body).toEqual({ error: 'invalid_client' });
    const none = await tokenReq(sb, { grant_type: 'refresh_token', refresh_token: 'x' }, '');
    expect(none.status).toBe(401);
    const grant = await tokenReq(sb, { grant_type: 'password' });
    expect(grant.status).toBe(400);
    expect(grant.body['error']).toBe('unsupported_grant_type');
  });

  it('rotates refresh tokens; the old one works only during the grace period', async () => {
    const before = sb.stats(c.realmId).tokenRefreshes;
    const t1 = await connect(sb, c.realmId);
    const r2 = await tokenReq(sb, { grant_type: 'refresh_token', refresh_token: t1.refresh });
    expect(r2.status).toBe(200);
    const rt2 = String(r2.body['refresh_token']);
    expect(rt2).not.toBe(t1.refresh);
    expect(r2.body['access_token']).not.toBe(t1.access);
    // Within the grace period the previous token still refreshes.
    const r3 = await tokenReq(sb, { grant_type: 'refresh_token', refresh_token: t1.refresh });
    expect(r3.status).toBe(200);
    sb.advanceClock(61_000);
    const late = await tokenReq(sb, { grant_type: 'refresh_token', refresh_token: t1.refresh });
    expect(late.status).toBe(400);
    expect(late.body).toEqual({ error: 'invalid_grant' });
    const r4 = await tokenReq(sb, { grant_type: 'refresh_token', refresh_token: String(r3.body['refresh_token']) });
    expect(r4.status).toBe(200);
    expect(sb.stats(c.realmId).tokenRefreshes).toBe(before + 3);
  });

  it('expired refresh tokens get invalid_grant', async () => {
    const t = await connect(sb, c.realmId);
    sb.advanceClock(8_640_000 * 1000 + 1);
    const res = await tokenReq(sb, { grant_type: 'refresh_token', refresh_token: t.refresh });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'invalid_grant' });
    const t2 = await connect(sb, c.realmId);
    const expired = await http(`${sb.url}/__sandbox/expire-refresh-tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ realmId: c.realmId }),
    });
    expect(Number(expired.body['expired'])).toBeGreaterThan(0);
    const res2 = await tokenReq(sb, { grant_type: 'refresh_token', refresh_token: t2.refresh });
    expect(res2.body).toEqual({ error: 'invalid_grant' });
  });

  it('revoke kills the whole grant', async () => {
    const t = await connect(sb, c.realmId);
    const res = await http(`${sb.url}/v2/oauth2/tokens/revoke`, {
      method: 'POST',
      headers: { authorization: basic(), 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ token: t.refresh }),
    });
    expect(res.status).toBe(200);
    expect((await api(c, 'GET', '/preferences', undefined, t.access)).status).toBe(401);
    const refresh = await tokenReq(sb, { grant_type: 'refresh_token', refresh_token: t.refresh });
    expect(refresh.body).toEqual({ error: 'invalid_grant' });
    const unauth = await http(`${sb.url}/v2/oauth2/tokens/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: t.refresh }),
    });
    expect(unauth.status).toBe(401);
  });
});

describe('API authentication', () => {
  let sb: RunningSandbox;
  let c: Company;
  let other: Company;
  beforeAll(async () => {
    sb = await start();
    c = await company(sb);
    other = await company(sb);
  });
  afterAll(() => sb.close());

  const expect3200 = (res: Res): void => {
    expect(res.status).toBe(401);
    const err = arr(res.body['Fault']?.['Error'])[0];
    expect(err?.['code']).toBe('3200');
    expect(err?.['Message']).toBe('message=AuthenticationFailed; errorCode=003200; statusCode=401');
    expect(res.body['Fault']?.['type']).toBe('AUTHENTICATION');
  };

  it('missing, unknown or other-realm tokens -> 401 / 3200', async () => {
    expect3200(await api(c, 'GET', '/preferences', undefined, ''));
    expect3200(await api(c, 'GET', '/preferences', undefined, 'not-a-token'));
    expect3200(await api(c, 'GET', '/preferences', undefined, other.token));
  });

  it('expired access tokens -> 401; a refresh gets a working one', async () => {
    const pair = sb.issueTokens(c.realmId);
    const cc = { ...c, token: pair.access_token };
    expect((await api(cc, 'GET', '/preferences')).status).toBe(200);
    sb.advanceClock(3600 * 1000 + 1);
    expect3200(await api(cc, 'GET', '/preferences'));
    const res = await tokenReq(sb, { grant_type: 'refresh_token', refresh_token: pair.refresh_token });
    expect(res.status).toBe(200);
    expect((await api(cc, 'GET', '/preferences', undefined, String(res.body['access_token']))).status).toBe(200);
  });

  it('admin can expire access tokens to force the refresh path', async () => {
    const pair = sb.issueTokens(c.realmId);
    const res = await http(`${sb.url}/__sandbox/expire-access-tokens`, { method: 'POST' });
    expect(Number(res.body['expired'])).toBeGreaterThan(0);
    expect3200(await api(c, 'GET', '/preferences', undefined, pair.access_token));
    expect(sb.stats(c.realmId).faultsByCode['3200']).toBeGreaterThan(0);
  });
});
