import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ErrorBody } from '@qbo-sync/contracts';
import type { FastifyInstance } from 'fastify';
import { buildApi } from '../src/index.js';
import { ADMIN_TOKEN, type AdminHarness, startAdminHarness } from './admin-harness.js';

const GUARDED = ['/admin/tenants', '/admin/queues', '/metrics', '/console/app.js'];

describe('admin auth with ADMIN_TOKEN set', () => {
  let h: AdminHarness;
  beforeAll(async () => {
    h = await startAdminHarness('admin-auth');
  });
  afterAll(async () => {
    await h.close();
  });

  it.each(GUARDED)('%s: no token → 401 saying how to authenticate', async (path) => {
    const res = await h.request('GET', path, { token: null });
    expect(res.status).toBe(401);
    const body = res.json<ErrorBody>();
    expect(body.error.code).toBe('admin_auth_required');
    expect(body.error.message).toMatch(/Authorization: Bearer <ADMIN_TOKEN>/);
  });

  it.each(GUARDED)('%s: wrong token → 401', async (path) => {
    const res = await h.request('GET', path, { token: `${ADMIN_TOKEN}x` });
    expect(res.status).toBe(401);
    expect(res.json<ErrorBody>().error.code).toBe('invalid_admin_token');
  });

  it('a malformed Authorization header is refused, not ignored', async () => {
    const res = await h.request('GET', '/admin/tenants', { token: null, headers: { authorization: ADMIN_TOKEN } });
    expect(res.status).toBe(401);
  });

  it('a browser opening the dashboard without a session is sent to the console to sign in', async () => {
    const res = await h.request('GET', '/admin/queues', { token: null, headers: { accept: 'text/html' } });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/console');
  });

  it('the right token is accepted from anywhere a request comes from', async () => {
    const res = await h.request('GET', '/admin/tenants', { headers: { 'x-forwarded-for': '203.0.113.9' } });
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ tenants: [] });
  });

  it('GET /v1/connect/callback stays public (the browser comes back from Intuit without our token)', async () => {
    const res = await h.request('GET', '/v1/connect/callback?state=nope&code=x&realmId=1', { token: null });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
  });

  it('the console asks for the token, and a sign-in cookie then opens the console, dashboard and API', async () => {
    const page = await h.request('GET', '/console', { token: null });
    expect(page.status).toBe(401);
    expect(page.text).toContain('<form method="post" action="/admin/session">');

    const wrong = await h.request('POST', '/admin/session', {
      token: null,
      body: 'token=guess',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();

    const signIn = await h.request('POST', '/admin/session', {
      token: null,
      body: `token=${encodeURIComponent(ADMIN_TOKEN)}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(signIn.status).toBe(303);
    expect(signIn.headers.get('location')).toBe('/console');
    const setCookie = signIn.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).not.toContain(ADMIN_TOKEN);
    const cookie = setCookie.split(';')[0] ?? '';

    for (const path of ['/console', '/admin/queues', '/admin/tenants', '/console/app.js']) {
      const res = await h.request('GET', path, { token: null, headers: { cookie } });
      expect([path, res.status]).toEqual([path, 200]);
    }
    // A change from another site riding on the cookie is refused; the same change from the page is not.
    const crossSite = await h.request('POST', '/admin/tenants', {
      token: null,
      headers: { cookie, origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
      body: { id: 'via-csrf', name: 'x' },
    });
    expect(crossSite.status).toBe(403);
    expect(crossSite.json<ErrorBody>().error.code).toBe('cross_origin_refused');
    const sameSite = await h.request('POST', '/admin/tenants', {
      token: null,
      headers: { cookie, origin: h.url, 'sec-fetch-site': 'same-origin' },
      body: { id: 'via-console', name: 'x' },
    });
    expect(sameSite.status).toBe(201);

    // A forged or expired cookie is worthless.
    const [name, value] = cookie.split('=');
    const [expires] = (value ?? '').split('.');
    const forged = `${name}=${expires}.AAAA`;
    expect((await h.request('GET', '/admin/tenants', { token: null, headers: { cookie: forged } })).status).toBe(401);
    const signOut = await h.request('DELETE', '/admin/session', { token: null, headers: { cookie } });
    expect(signOut.status).toBe(204);
    expect(signOut.headers.get('set-cookie')).toMatch(/Max-Age=0/);
    // Signing out ends the session on the server: the cookie, kept by someone, no longer opens anything.
    for (const path of ['/console/app.js', '/admin/queues', '/admin/tenants']) {
      const res = await h.request('GET', path, { token: null, headers: { cookie } });
      expect([path, res.status]).toEqual([path, 401]);
    }
    // A new sign-in works as before.
    const again = await h.request('POST', '/admin/session', { token: null, body: { token: ADMIN_TOKEN } });
    expect(again.status).toBe(204);
    const fresh = (again.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    expect((await h.request('GET', '/admin/tenants', { token: null, headers: { cookie: fresh } })).status).toBe(200);
  });
});

/** A raw HTTP GET (fetch cannot set Host), over TCP or a Unix socket. */
function rawGet(
  target: { socketPath: string } | { port: number },
  path: string,
  headers: Record<string, string> = { host: 'localhost' },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const where = 'port' in target ? { host: '127.0.0.1', port: target.port } : target;
    const req = httpRequest({ ...where, path, method: 'GET', headers }, (res) => {
      let body = '';
      res.on('data', (chunk) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('admin auth with ADMIN_TOKEN unset (development): this machine only', () => {
  let h: AdminHarness;
  let socketApp: FastifyInstance;
  let socketDir: string;
  let socketPath: string;
  beforeAll(async () => {
    h = await startAdminHarness('admin-local', { adminToken: null });
    socketDir = await mkdtemp(join(tmpdir(), 'qbo-sync-api-'));
    socketPath = join(socketDir, 'api.sock');
    socketApp = await buildApi({
      config: h.config,
      db: h.db.db,
      producer: h.producer,
      logger: h.logger,
      secrets: h.secrets,
      redis: h.redis,
      qbo: h.qbo,
    });
    await socketApp.listen({ path: socketPath });
  });
  afterAll(async () => {
    await socketApp.close();
    await rm(socketDir, { recursive: true, force: true });
    await h.close();
  });

  it.each(['/admin/tenants', '/admin/queues', '/metrics', '/console'])(
    '%s answers a loopback request',
    async (path) => {
      expect((await h.request('GET', path)).status).toBe(200);
    },
  );

  it.each(['/admin/tenants', '/metrics', '/console'])(
    '%s refuses a request that is not from a loopback address',
    async (path) => {
      const res = await rawGet({ socketPath }, path);
      expect(res.status).toBe(403);
      expect(res.body).toContain('ADMIN_TOKEN is not set');
    },
  );

  it('refuses requests relayed by a proxy, which would otherwise look local', async () => {
    const res = await h.request('GET', '/admin/tenants', { headers: { 'x-forwarded-for': '203.0.113.9' } });
    expect(res.status).toBe(403);
    expect(res.json<ErrorBody>().error).toMatchObject({ code: 'admin_loopback_only' });
    expect(res.json<ErrorBody>().error.message).toMatch(/Set ADMIN_TOKEN/);
  });

  it('refuses a foreign Host (DNS rebinding) and a foreign Origin (a web page calling localhost)', async () => {
    const port = Number(new URL(h.url).port);
    const rebound = await rawGet({ port }, '/admin/tenants', { host: 'attacker.example' });
    expect(rebound.status).toBe(403);
    expect((await rawGet({ port }, '/admin/tenants', { host: `localhost:${port}` })).status).toBe(200);
    const fromPage = await h.request('POST', '/admin/tenants', {
      headers: { origin: 'https://attacker.example' },
      body: { id: 'evil', name: 'evil' },
    });
    expect(fromPage.status).toBe(403);
    expect(fromPage.json<ErrorBody>().error.code).toBe('cross_origin_refused');
    expect((await h.request('GET', '/admin/tenants')).json()).toEqual({ tenants: [] });
  });

  it('sign-in is not needed and says so', async () => {
    const res = await h.request('POST', '/admin/session', { body: { token: 'anything' } });
    expect(res.status).toBe(400);
    expect(res.json<ErrorBody>().error.message).toMatch(/needs no sign-in/);
  });
});
