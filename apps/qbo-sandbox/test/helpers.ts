// Test helpers: a real HTTP client against an in-process sandbox (no mocks).
import { request as httpRequest } from 'node:http';
import { type RunningSandbox, type SandboxOptions, type SeededIds, startSandbox } from '../src/index.js';

/** Loosely typed JSON for assertions without `any`. */
export interface J {
  [k: string]: J | undefined;
}

export function arr(j: J | undefined): J[] {
  return Array.isArray(j) ? (j as J[]) : [];
}

export interface Res {
  status: number;
  body: J;
  headers: Headers;
  text: string;
}

export async function http(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Res> {
  const res = await fetch(url, init);
  const text = await res.text();
  let body: J = {};
  try {
    body = text ? (JSON.parse(text) as J) : {};
  } catch {
    body = {};
  }
  return { status: res.status, body, headers: res.headers, text };
}

export interface Company {
  sb: RunningSandbox;
  realmId: string;
  token: string;
  ids: SeededIds;
  base: string;
}

/** What an API call needs: the company base URL and a bearer token. */
export type Conn = Pick<Company, 'base' | 'token'>;

export function conn(sb: RunningSandbox, realmId: string, token: string): Conn {
  return { base: `${sb.url}/v3/company/${realmId}`, token };
}

export async function company(sb: RunningSandbox, realmId?: string): Promise<Company> {
  const summary = sb.createRealm({ seed: true, ...(realmId ? { realmId } : {}) });
  const ids = summary.seeded;
  if (!ids) throw new Error('seed missing');
  const token = sb.issueTokens(summary.realmId).access_token;
  return { sb, realmId: summary.realmId, token, ids, base: `${sb.url}/v3/company/${summary.realmId}` };
}

export async function start(opts: SandboxOptions = {}): Promise<RunningSandbox> {
  return startSandbox({ port: 0, ...opts });
}

/** Authenticated QBO API call; `path` is relative to /v3/company/{realmId}. */
export async function api(c: Conn, method: string, path: string, body?: unknown, token = c.token): Promise<Res> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'application/json' };
  let payload: string | undefined;
  if (typeof body === 'string') {
    headers['content-type'] = 'application/text';
    payload = body;
  } else if (body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  return http(`${c.base}${path}`, { method, headers, ...(payload !== undefined ? { body: payload } : {}) });
}

export const post = (c: Conn, path: string, body: unknown): Promise<Res> => api(c, 'POST', path, body);
export const get = (c: Conn, path: string): Promise<Res> => api(c, 'GET', path);

export async function query(c: Conn, q: string): Promise<Res> {
  return api(c, 'GET', `/query?query=${encodeURIComponent(q)}&minorversion=75`);
}

export function faultCode(res: Res): string | undefined {
  const code = arr(res.body['Fault']?.['Error'])[0]?.['code'];
  return typeof code === 'string' ? code : undefined;
}

export function faultDetail(res: Res): string {
  return String(arr(res.body['Fault']?.['Error'])[0]?.['Detail'] ?? '');
}

/** A raw node:http POST, to observe dropped sockets (fetch hides them behind "fetch failed"). */
export function rawPost(url: string, token: string, body: unknown): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = httpRequest(
      url,
      {
        method: 'POST',
        agent: false,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(data),
        },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => {
          text += chunk.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

export async function newCustomer(c: Conn, name: string): Promise<string> {
  const res = await post(c, '/customer', { DisplayName: name });
  if (res.status !== 200) throw new Error(`customer create failed: ${res.text}`);
  return String(res.body['Customer']?.['Id']);
}

export async function newInvoice(c: Company, customerId: string, amount: number, docNumber?: string): Promise<J> {
  const res = await post(c, '/invoice', {
    CustomerRef: { value: customerId },
    ...(docNumber ? { DocNumber: docNumber } : {}),
    Line: [
      {
        Amount: amount,
        DetailType: 'SalesItemLineDetail',
        SalesItemLineDetail: { ItemRef: { value: c.ids.items.consultation } },
      },
    ],
  });
  if (res.status !== 200) throw new Error(`invoice create failed: ${res.text}`);
  return res.body['Invoice'] ?? {};
}
