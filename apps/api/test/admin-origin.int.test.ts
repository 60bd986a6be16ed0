// A web page on another localhost port, a tenant callback aimed at our own admin routes, a token guesser:
// each must be refused by the admin API, with and without ADMIN_TOKEN.
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { CreateTenantResponse, ErrorBody } from '@qbo-sync/contracts';
import { findTenantByApiKey } from '@qbo-sync/db/repositories/tenants';
import type { FastifyInstance } from 'fastify';
import { ADMIN_FAILURE_LIMIT } from '../src/admin/auth.js';
import { buildApi } from '../src/index.js';
import { ADMIN_TOKEN, type AdminHarness, startAdminHarness } from './admin-harness.js';

const CHANGES: Array<[string, (id: string) => string, unknown]> = [
  ['POST', (id) => `/admin/tenants/${id}/rotate-key`, undefined],
  ['PATCH', (id) => `/admin/tenants/${id}/settings`, { autoSync: false }],
  ['DELETE', (id) => `/admin/tenants/${id}`, undefined],
];

for (const mode of ['without ADMIN_TOKEN', 'with ADMIN_TOKEN'] as const) {
  describe(`admin changes come only from the API's own origin (${mode})`, () => {
    let h: AdminHarness;
    let victim: CreateTenantResponse;
    beforeAll(async () => {
      h = await startAdminHarness(`admin-origin-${mode === 'with ADMIN_TOKEN' ? 'tok' : 'local'}`, {
        adminToken: mode === 'with ADMIN_TOKEN' ? ADMIN_TOKEN : null,
      });
      victim = (await h.request('POST', '/admin/tenants', { body: { id: 'victim', name: 'Victim' } })).json();
    });
    afterAll(async () => {
      await h.close();
    });

    const stillIntact = async () => {
      expect((await findTenantByApiKey(h.db.db, victim.apiKey))?.id).toBe('victim');
      expect((await h.request('GET', '/admin/tenants/victim')).status).toBe(200);
    };

    it.each([
      ['a page on another localhost port', { origin: 'http://localhost:8080', 'sec-fetch-site': 'same-site' }],
      ['the same, as the reviewer sent it', { origin: 'http://localhost:8080', 'sec-fetch-site': 'cross-site' }],
      ['another port on 127.0.0.1, Origin only', { origin: 'http://127.0.0.1:1' }],
      ['a same-site fetch without Origin', { 'sec-fetch-site': 'same-site' }],
      ['an opaque origin (sandboxed frame, file:)', { origin: 'null' }],
    ])('refuses %s', async (_name, headers) => {
      for (const [method, path, body] of CHANGES) {
        const res = await h.request(method, path('victim'), { headers, ...(body ? { body } : {}) });
        expect([method, res.status]).toEqual([method, 403]);
        expect(res.json<ErrorBody>().error.code).toBe('cross_origin_refused');
      }
      await stillIntact();
    });

    it('refuses any admin request the system itself made (tenant callbacks carry X-Qbo-Sync-Delivery)', async () => {
      for (const [method, path] of [
        ['POST', '/admin/tenants/victim/rotate-key'],
        ['GET', '/admin/tenants'],
      ] as const) {
        const res = await h.request(method, path, { headers: { 'x-qbo-sync-delivery': '7-2' } });
        expect(res.status).toBe(403);
        expect(res.json<ErrorBody>().error.code).toBe('system_request_refused');
      }
      await stillIntact();
    });

    it('accepts changes from its own origin and from tools that send no Origin', async () => {
      const own = await h.request('PATCH', '/admin/tenants/victim/settings', {
        headers: { origin: h.url, 'sec-fetch-site': 'same-origin' },
        body: { autoSync: true },
      });
      expect(own.status).toBe(200);
      const cli = await h.request('PATCH', '/admin/tenants/victim/settings', { body: { autoSync: true } });
      expect(cli.status).toBe(200);
      // Reading is not a change: a GET with a foreign Sec-Fetch-Site is answered (CORS keeps its body from the page).
      expect((await h.request('GET', '/admin/tenants', { headers: { 'sec-fetch-site': 'same-site' } })).status).toBe(
        200,
      );
    });
  });
}

describe('back-off on repeated wrong admin tokens', () => {
  let h: AdminHarness;
  let app: FastifyInstance;
  let url: string;
  let clock = Date.parse('2026-12-03T12:00:00Z');
  beforeAll(async () => {
    h = await startAdminHarness('admin-backoff');
    app = await buildApi({
      config: h.config,
      db: h.db.db,
      producer: h.producer,
      logger: h.logger,
      secrets: h.secrets,
      redis: h.redis,
      now: () => clock,
    });
    url = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await app.close();
    await h.close();
  });

  /** A request from a chosen loopback address (all of 127/8 is this machine), so addresses can differ. */
  const send = (method: string, path: string, from: string, headers: Record<string, string>, body?: string) =>
    new Promise<{ statusCode: number; headers: IncomingHttpHeaders; body: string }>((resolve, reject) => {
      const req = httpRequest(
        { host: '127.0.0.1', port: Number(new URL(url).port), localAddress: from, method, path, headers },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => {
            text += c.toString();
          });
          res.on('end', () => resolve({ statusCode: res.statusCode ?? 0, headers: res.headers, body: text }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const get = (token: string, from = '127.0.0.7') =>
    send('GET', '/admin/tenants', from, { authorization: `Bearer ${token}` });

  const signIn = (from: string, token: string, headers: Record<string, string> = {}) =>
    send(
      'POST',
      '/admin/session',
      from,
      { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      `token=${encodeURIComponent(token)}`,
    );

  it(`answers wrong tokens 429 with Retry-After after ${ADMIN_FAILURE_LIMIT.maxFailures} of them, per address, until the window passes; the right token still gets in`, async () => {
    for (let i = 0; i < ADMIN_FAILURE_LIMIT.maxFailures; i++) expect((await get(`guess-${i}`)).statusCode).toBe(401);
    const blocked = await get('guess-next');
    expect(blocked.statusCode).toBe(429);
    expect((JSON.parse(blocked.body) as ErrorBody).error.code).toBe('too_many_admin_failures');
    expect(Number(blocked.headers['retry-after'])).toBe(ADMIN_FAILURE_LIMIT.windowMs / 1000);
    expect((await signIn('127.0.0.7', 'guess-form')).statusCode).toBe(429);
    // The right token is let through (the address may be a proxy every operator shares): a guesser sharing
    // the address slows only wrong tokens, and cannot lock an operator out.
    expect((await get(ADMIN_TOKEN)).statusCode).toBe(200);
    const session = await signIn('127.0.0.7', ADMIN_TOKEN);
    expect(session.statusCode).toBe(303);
    const cookie = String(session.headers['set-cookie']).split(';')[0] ?? '';
    expect((await send('GET', '/admin/tenants', '127.0.0.7', { cookie })).statusCode).toBe(200);
    // A right token does not reset the count for the guesser next to it.
    expect((await get('guess-after')).statusCode).toBe(429);
    // Another address is not affected.
    expect((await get('guess-elsewhere', '127.0.0.8')).statusCode).toBe(401);
    clock += ADMIN_FAILURE_LIMIT.windowMs;
    expect((await get('guess-later')).statusCode).toBe(401);
  });

  it('refuses cross-site sign-ins without counting them, so a web page cannot lock an operator out', async () => {
    const crossSite = { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' };
    for (let i = 0; i < ADMIN_FAILURE_LIMIT.maxFailures + 2; i++) {
      const res = await signIn('127.0.0.9', `guess-${i}`, crossSite);
      expect(res.statusCode).toBe(403);
      expect((JSON.parse(res.body) as ErrorBody).error.code).toBe('cross_origin_refused');
    }
    // The right token from another site is refused too (a sign-in is never made on another page's behalf).
    expect((await signIn('127.0.0.9', ADMIN_TOKEN, { origin: 'https://evil.example' })).statusCode).toBe(403);
    // Nothing was counted: wrong tokens from this address are still answered 401, and the operator signs in.
    expect((await get('guess-own', '127.0.0.9')).statusCode).toBe(401);
    expect((await signIn('127.0.0.9', ADMIN_TOKEN, { origin: url, 'sec-fetch-site': 'same-origin' })).statusCode).toBe(
      303,
    );
    expect((await get(ADMIN_TOKEN, '127.0.0.9')).statusCode).toBe(200);
  });
});
