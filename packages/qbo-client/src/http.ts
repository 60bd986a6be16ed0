// One QBO API call: budget lease, bearer token, got, fault parsing, one refresh on 401, p-retry for blips.
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { Logger } from '@qbo-sync/observability';
import got, { type Got, RequestError } from 'got';
import pRetry, { AbortError } from 'p-retry';
import { NetworkError } from './errors/network-error.js';
import { QboError } from './errors/qbo-error.js';
import { RealmBusyError } from './errors/realm-busy-error.js';
import { ServerError } from './errors/server-error.js';
import { parseFault } from './faults.js';
import type { RealmLimiter } from './limiter.js';
import type { QboMetrics } from './metrics.js';
import type { QboSettings } from './oauth/intuit.js';
import type { AccessToken, TokenManager } from './oauth/tokens.js';

export interface QboRequest {
  method: 'GET' | 'POST';
  /** Path under /v3/company/{realmId}/, e.g. `invoice` or `customer/12`. */
  path: string;
  searchParams?: Record<string, string>;
  json?: unknown;
  /** Set on every write: QBO answers a repeat with the first response. */
  requestId?: string;
}

export interface HttpOptions {
  /** Transient (SERVER, NETWORK) retries inside one call; BullMQ attempts own everything longer. */
  retries: number;
  retryMinTimeoutMs: number;
}

/** Per-call options from the caller's job (see RealmSession). */
export interface CallOptions {
  /** How long this call may wait for budget before RealmBusyError (default: the limiter's maxWaitMs). */
  maxWaitMs?: number | undefined;
  /** Aborts waits (budget, token refresh elsewhere, retry pauses): RealmBusyError with retryAfterMs 0. */
  signal?: AbortSignal | undefined;
}

export interface QboHttp {
  call(tenantId: string, req: QboRequest, opts?: CallOptions): Promise<unknown>;
  close(): void;
}

export interface HttpDeps {
  qbo: QboSettings;
  tokens: TokenManager;
  limiter: RealmLimiter;
  logger: Logger;
  now: () => number;
  options: HttpOptions;
  metrics?: QboMetrics | undefined;
}

/** 401s a call may answer with a token refresh (or another process's newer token) before it gives up with AUTH. */
const MAX_UNAUTHORIZED_ROUNDS = 2;

interface CallState {
  token?: AccessToken;
  /** 401s already answered with afterUnauthorized in this call. */
  unauthorized: number;
  /** Whether any request of this call went out to QBO (a refusal before the first one sent nothing). */
  sent?: boolean;
}

/**
 * Waits for `work` (a token refresh another caller or process may be doing) unless the signal aborts first:
 * then the call steps aside (RealmBusyError, retry at once elsewhere) and the shared work carries on alone.
 */
export function unlessAborted<T>(work: Promise<T>, signal: AbortSignal | undefined, realm: string): Promise<T> {
  if (!signal) return work;
  const aborted = () => new RealmBusyError(realm, 0);
  if (signal.aborted) return Promise.reject(aborted());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(aborted());
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

const isTransient = (err: unknown) => err instanceof QboError && (err.code === 'SERVER' || err.code === 'NETWORK');

export function createHttp(deps: HttpDeps): QboHttp {
  const log = deps.logger.child({ component: 'qbo.http' });
  const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 256 });
  const httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 256 });
  const base = deps.qbo.apiBaseUrl.replace(/\/+$/, '');
  const client: Got = got.extend({
    agent: { http: httpAgent, https: httpsAgent },
    // got's own retries would multiply with p-retry and BullMQ attempts against a rate-limited API.
    retry: { limit: 0 },
    timeout: { request: deps.qbo.httpTimeoutMs },
    throwHttpErrors: false,
    responseType: 'text',
    headers: { accept: 'application/json', 'user-agent': 'qbo-sync' },
  });

  /** One HTTP exchange under one budget lease. */
  async function send(token: AccessToken, req: QboRequest, opts: CallOptions) {
    const lease = await deps.limiter.acquire(token.realmId, { maxWaitMs: opts.maxWaitMs, signal: opts.signal });
    if (!lease.ok) throw new RealmBusyError(token.realmId, lease.retryAfterMs);
    const started = Date.now();
    let status: number | undefined;
    try {
      const res = await client(`${base}/v3/company/${encodeURIComponent(token.realmId)}/${req.path}`, {
        method: req.method,
        searchParams: {
          ...req.searchParams,
          minorversion: String(deps.qbo.minorVersion),
          ...(req.requestId ? { requestid: req.requestId } : {}),
        },
        headers: { authorization: `Bearer ${token.accessToken}` },
        ...(req.json === undefined ? {} : { json: req.json }),
      });
      status = res.statusCode;
      log.debug(
        {
          realmId: token.realmId,
          method: req.method,
          path: req.path,
          status: res.statusCode,
          ms: Date.now() - started,
          requestId: req.requestId,
          intuitTid: res.headers['intuit_tid'],
        },
        'QBO call',
      );
      return { status: res.statusCode, headers: res.headers, body: res.body };
    } catch (err) {
      // got's error carries the request options (our bearer token): keep only its code.
      const code = err instanceof RequestError ? err.code : undefined;
      throw new NetworkError(`no answer from QBO for ${req.method} ${req.path}${code ? ` (${code})` : ''}`, {
        detail: code,
      });
    } finally {
      deps.metrics?.request({
        method: req.method,
        path: req.path,
        query: req.searchParams?.query,
        status,
        seconds: (Date.now() - started) / 1000,
      });
      await lease.release().catch((err: unknown) => log.warn({ err }, 'lease release failed (it expires by itself)'));
    }
  }

  async function attempt(tenantId: string, req: QboRequest, state: CallState, opts: CallOptions) {
    state.token ??= await unlessAborted(deps.tokens.current(tenantId), opts.signal, tenantId);
    for (;;) {
      const res = await send(state.token, req, opts).catch((err: unknown) => {
        if (err instanceof RealmBusyError) err.nothingSent = !state.sent;
        else state.sent = true;
        throw err;
      });
      state.sent = true;
      if (res.status >= 200 && res.status < 300) {
        try {
          return JSON.parse(res.body) as unknown;
        } catch {
          throw new ServerError(`QBO answered ${res.status} with a body that is not JSON`, { status: res.status });
        }
      }
      const err = parseFault(res, deps.now());
      if (err.code === 'AUTH' && res.status === 401 && state.unauthorized < MAX_UNAUTHORIZED_ROUNDS) {
        // Reactive refresh: the token may have expired early or been rotated elsewhere. The replacement (often
        // another process's fresh token) can itself be refused, e.g. it expired in transit: one more round.
        state.unauthorized += 1;
        state.token = await unlessAborted(deps.tokens.afterUnauthorized(state.token), opts.signal, state.token.realmId);
        continue;
      }
      if (err.code === 'THROTTLED') {
        deps.metrics?.throttled();
        await deps.limiter.penalize(state.token.realmId, err.retryAfterMs ?? 0);
      }
      if (err.code === 'NEEDS_RECONNECT') {
        await deps.tokens.markNeedsReconnect(
          tenantId,
          state.token.realmId,
          `QuickBooks refused access (${err.qboCode ?? res.status}): the connecting user may no longer be an admin. Reconnect QuickBooks for this tenant.`,
          state.token.tokenVersion,
        );
      }
      throw err;
    }
  }

  return {
    async call(tenantId, req, opts = {}) {
      const state: CallState = { unauthorized: 0 };
      // A retried write keeps its requestid, so a timeout-after-commit is answered with the first result.
      return pRetry(
        async () => {
          try {
            return await attempt(tenantId, req, state, opts);
          } catch (err) {
            throw isTransient(err) ? err : new AbortError(err instanceof Error ? err : new Error(String(err)));
          }
        },
        {
          retries: deps.options.retries,
          minTimeout: deps.options.retryMinTimeoutMs,
          maxTimeout: deps.options.retryMinTimeoutMs * 8,
          factor: 2,
          randomize: true,
          ...(opts.signal ? { signal: opts.signal } : {}),
          onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
            log.info(
              { tenantId, path: req.path, attemptNumber, retriesLeft, code: (error as QboError).code },
              'QBO call failed; retrying',
            );
          },
        },
      );
    },
    close() {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}
