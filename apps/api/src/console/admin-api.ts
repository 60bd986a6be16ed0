// The console's pages read and act through the admin JSON API, in process (app.inject), with the person's own
// credentials (session cookie or bearer token) forwarded: the pages show exactly what the API and the CLI
// see, and every action is checked, attributed and audited by the same code as an API call.
import type { FastifyInstance, FastifyRequest } from 'fastify';

/** An admin API answer that was not 2xx, with the API's error code and message (shown to the person). */
export class AdminApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'AdminApiError';
  }
}

export interface AdminApi {
  get<T>(path: string): Promise<T>;
  send<T>(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T>;
}

const FORWARDED = ['cookie', 'authorization'] as const;

/** The admin API as the person behind `request` may use it. */
export function adminApiFor(app: FastifyInstance, request: FastifyRequest): AdminApi {
  const headers: Record<string, string> = {};
  for (const name of FORWARDED) {
    const value = request.headers[name];
    if (typeof value === 'string') headers[name] = value;
  }
  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await app.inject({
      method: method as 'GET',
      url: path,
      headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
      // The check of the person's request already ran on this connection's address.
      remoteAddress: request.socket.remoteAddress ?? '127.0.0.1',
    });
    const data = res.body ? (JSON.parse(res.body) as unknown) : undefined;
    if (res.statusCode >= 300) {
      const err = (data as { error?: { code?: string; message?: string } } | undefined)?.error;
      throw new AdminApiError(
        res.statusCode,
        err?.code ?? 'error',
        err?.message ?? `The API answered ${res.statusCode}.`,
      );
    }
    return data as T;
  }
  return {
    get: (path) => call('GET', path),
    send: (method, path, body) => call(method, path, body),
  };
}

/** A query string from the values that are set (empty strings and undefined left out). */
export function queryOf(values: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(values)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
