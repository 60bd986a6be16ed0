import { ErrorBody } from '@qbo-sync/contracts';
import type { z } from 'zod';
import type { TenantCredentials } from './credentials.js';
import { ApiResponseError, ApiUnreachableError, BadResponseError } from './errors.js';
import { API_KEY_HEADER, signedHeaders } from './signing.js';

export interface HttpAnswer {
  status: number;
  headers: Headers;
  text: string;
}

export interface ApiClientOptions {
  baseUrl: string;
  adminToken?: string | undefined;
  timeoutMs?: number;
  now?: () => number;
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

function describeNetworkError(err: unknown): string {
  if (err instanceof Error && err.name === 'TimeoutError') return 'no answer in time';
  const cause = err instanceof Error ? (err.cause as { code?: string; message?: string } | undefined) : undefined;
  return cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * HTTP client of the qbo-sync API: admin calls carry the bearer token, ingest calls are signed with the
 * tenant's key and secret. Every non-2xx answer becomes an ApiResponseError carrying the API's own code and
 * message; every 2xx body is checked against its zod schema.
 */
export class ApiClient {
  readonly baseUrl: string;
  private readonly adminToken: string | undefined;
  private readonly timeoutMs: number;
  private readonly now: () => number;

  constructor(opts: ApiClientOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.adminToken = opts.adminToken;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.now = opts.now ?? Date.now;
  }

  /** One request; the answer whatever its status. Throws only when the API cannot be reached. */
  async raw(
    method: Method,
    url: string,
    init: { headers?: Record<string, string>; body?: string; redirect?: 'follow' | 'manual' } = {},
  ): Promise<HttpAnswer> {
    const target = url.startsWith('http') ? url : `${this.baseUrl}${url}`;
    let res: Response;
    try {
      res = await fetch(target, {
        method,
        headers: init.headers,
        body: init.body,
        redirect: init.redirect ?? 'follow',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new ApiUnreachableError(target.startsWith(this.baseUrl) ? this.baseUrl : target, describeNetworkError(err));
    }
    return { status: res.status, headers: res.headers, text: await res.text() };
  }

  /** An admin API call: bearer token (when set), JSON in, JSON out, parsed with `schema`. */
  async admin<S extends z.ZodType>(method: Method, path: string, schema: S, body?: unknown): Promise<z.infer<S>> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.adminToken) headers.authorization = `Bearer ${this.adminToken}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const answer = await this.raw(method, path, {
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return this.parse(`${method} ${path}`, answer, schema);
  }

  /** A signed ingest call with the exact bytes that were signed. */
  async signed(path: string, rawBody: string, credentials: TenantCredentials): Promise<HttpAnswer> {
    return this.raw('POST', path, { headers: signedHeaders(credentials, rawBody, this.now()), body: rawBody });
  }

  /** A GET with only the tenant API key (sync status). */
  async withApiKey<S extends z.ZodType>(path: string, apiKey: string, schema: S): Promise<z.infer<S>> {
    const answer = await this.raw('GET', path, { headers: { [API_KEY_HEADER]: apiKey, accept: 'application/json' } });
    return this.parse(`GET ${path}`, answer, schema);
  }

  /** 2xx → the parsed body; anything else → ApiResponseError with the API's code and message. */
  parse<S extends z.ZodType>(what: string, answer: HttpAnswer, schema: S): z.infer<S> {
    if (answer.status < 200 || answer.status >= 300) throw this.errorOf(what, answer);
    const parsed = schema.safeParse(answer.text === '' ? {} : parseJson(answer.text));
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      throw new BadResponseError(
        what,
        first ? `${first.path.join('.') || '(root)'} ${first.message}` : 'not the documented JSON',
      );
    }
    return parsed.data;
  }

  errorOf(what: string, answer: HttpAnswer): ApiResponseError {
    const body = ErrorBody.safeParse(parseJson(answer.text));
    if (body.success) {
      const { code, message, issues } = body.data.error;
      return new ApiResponseError(answer.status, code, withHint(answer.status, code, message, this), issues ?? []);
    }
    const snippet = answer.text.replace(/\s+/g, ' ').trim().slice(0, 200);
    return new ApiResponseError(
      answer.status,
      `http_${answer.status}`,
      `${what} answered HTTP ${answer.status}${snippet ? `: ${snippet}` : ''}`,
    );
  }

  get hasAdminToken(): boolean {
    return Boolean(this.adminToken);
  }
}

/** Adds what the CLI user can do about auth failures the API cannot know the cause of. */
function withHint(status: number, code: string, message: string, client: ApiClient): string {
  if ((status === 401 || status === 403) && /admin|token|loopback/i.test(`${code} ${message}`)) {
    return client.hasAdminToken
      ? `${message} (check ADMIN_TOKEN: it must equal the API's ADMIN_TOKEN)`
      : `${message} (set ADMIN_TOKEN to the API's admin token)`;
  }
  return message;
}
