// What every answer of the API carries, whatever produced it: the documented error shape (also for errors
// raised before routing: URL too long, bad URL encoding, oversized headers), nosniff, and a request id that
// is ours or a safe echo of the client's.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ErrorBody } from '@qbo-sync/contracts';
import { type Harness, json, startHarness } from './harness.js';

/** Raw bytes over TCP, for requests fetch refuses to send. Answers the status line and the body. */
function raw(h: Harness, request: string): Promise<{ status: number; head: string; body: string }> {
  const { port } = new URL(h.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => socket.write(request));
    let data = '';
    socket.on('data', (c: Buffer) => {
      data += c.toString('utf8');
    });
    socket.on('error', reject);
    socket.on('close', () => {
      const [head = '', body = ''] = data.split('\r\n\r\n');
      resolve({ status: Number(head.split(' ')[1]), head, body });
    });
  });
}

function expectErrorShape(body: string, code: string): void {
  const parsed = JSON.parse(body) as ErrorBody & Record<string, unknown>;
  expect(Object.keys(parsed)).toEqual(['error']);
  expect(parsed.error.code).toBe(code);
  expect(parsed.error.message.length).toBeGreaterThan(20);
}

describe('one error shape, nosniff and safe request ids everywhere', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('http-hygiene');
  });
  afterAll(async () => {
    await h.close();
  });

  it('a path parameter longer than the router allows → 414 in the documented shape', async () => {
    const res = await h.request('GET', `/v1/sync-status/invoice/${'x'.repeat(600)}`, {
      headers: { 'x-api-key': h.acme.apiKey },
    });
    expect(res.statusCode).toBe(414);
    expectErrorShape(res.body, 'url_too_long');
    expect(json<ErrorBody>(res).error.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    // The longest valid id (128 characters, each %-encoded) still reaches the route: 404, not 414.
    const longest = await h.request('GET', `/v1/sync-status/invoice/${encodeURIComponent('%'.repeat(128))}`, {
      headers: { 'x-api-key': h.acme.apiKey },
    });
    expect(longest.statusCode).toBe(404);
  });

  it('an id in the path that no event could carry (NUL, a control character) → 404, not a database error', async () => {
    for (const id of ['%00', 'inv%1B%5B2J', 'a%20b']) {
      const res = await h.request('GET', `/v1/sync-status/invoice/${id}`, { headers: { 'x-api-key': h.acme.apiKey } });
      expect([id, res.statusCode]).toEqual([id, 404]);
      expectErrorShape(res.body, 'not_found');
    }
  });

  it('a malformed percent-encoding in the path → 400 in the documented shape', async () => {
    const res = await raw(h, 'GET /v1/sync-status/invoice/%E0%A4%A HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(res.status).toBe(400);
    expectErrorShape(res.body, 'invalid_url');
  });

  it('headers larger than the server accepts → 431 in the documented shape', async () => {
    const res = await raw(
      h,
      `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\nConnection: close\r\n\r\n`,
    );
    expect(res.status).toBe(431);
    expectErrorShape(res.body, 'headers_too_large');
    expect(res.head.toLowerCase()).toContain('x-content-type-options: nosniff');
  });

  it('every answer says nosniff: success, 404, 401, docs', async () => {
    for (const path of ['/health', '/nowhere', '/v1/sync-status/invoice/inv-1', '/docs/json']) {
      const res = await h.request('GET', path);
      expect([path, res.headers.get('x-content-type-options')]).toEqual([path, 'nosniff']);
    }
  });

  it('echoes a well-formed client x-request-id and replaces anything else with ours', async () => {
    const good = await h.request('GET', '/nowhere', { headers: { 'x-request-id': 'billing-7f3a:retry.2' } });
    expect(good.headers.get('x-request-id')).toBe('billing-7f3a:retry.2');
    expect(json<ErrorBody>(good).error.requestId).toBe('billing-7f3a:retry.2');
    for (const bad of ['<script>alert(1)</script>', 'a'.repeat(129), 'id with spaces', 'line\u0085break']) {
      const res = await h.request('GET', '/nowhere', { headers: { 'x-request-id': bad } }).catch(() => undefined);
      if (!res) continue; // fetch itself refuses some header values; nothing reached the server then
      expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      expect(json<ErrorBody>(res).error.requestId).toMatch(/^[0-9a-f-]{36}$/);
    }
  });
});
