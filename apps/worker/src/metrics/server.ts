// The worker's own scrape endpoint: a bare node:http server (no framework needed for two routes), because
// job outcomes, deferrals and QBO request counts exist only inside the worker process.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger, Readiness, Registry } from '@qbo-sync/observability';
import {
  ADMIN_WRONG_TOKEN_LIMIT,
  bearerResult,
  FailureLimiter,
  header,
  isLoopbackHost,
  isSystemRequest,
  notLocalReason,
  type RequestFacts,
} from '@qbo-sync/security';

export interface MetricsServerOptions {
  registry: Registry;
  host: string;
  /** 0 picks a free port (tests); the caller decides whether to start it at all. */
  port: number;
  logger: Logger;
  /**
   * When set (ADMIN_TOKEN), /metrics wants `Authorization: Bearer <token>`, as the API's /metrics does; without
   * it (development only: production requires ADMIN_TOKEN) only this machine may scrape.
   */
  bearerToken?: string | undefined;
  /** GET /health/ready: whether the process can reach its stores now (503 while it cannot). Absent: 404. */
  readiness?: () => Promise<Readiness>;
}

interface Refusal {
  status: number;
  code: string;
  message: string;
  retryAfterSeconds?: number;
}

/** The API's admin checks (apps/api/src/admin/auth.ts) for a read-only endpoint; undefined when allowed. */
function refusal(
  req: IncomingMessage,
  token: string | undefined,
  failures: FailureLimiter,
  nowMs: number,
): Refusal | undefined {
  const facts: RequestFacts = {
    method: req.method ?? 'GET',
    headers: req.headers,
    remoteAddress: req.socket.remoteAddress,
  };
  if (isSystemRequest(facts)) {
    return {
      status: 403,
      code: 'system_request_refused',
      message: 'Requests made by qbo-sync itself are never admin requests.',
    };
  }
  if (token !== undefined) {
    const ip = facts.remoteAddress ?? '';
    const bearer = bearerResult(facts, token);
    // Only wrong tokens are throttled: the right one gets in even from an address a guesser shares.
    if (bearer === 'valid') return undefined;
    const waitMs = bearer === 'wrong' ? failures.blockedForMs(ip, nowMs) : 0;
    if (waitMs > 0) {
      const retryAfterSeconds = Math.ceil(waitMs / 1000);
      return {
        status: 429,
        code: 'too_many_admin_failures',
        message: `Too many wrong admin tokens from this address; try again in ${retryAfterSeconds} s.`,
        retryAfterSeconds,
      };
    }
    if (bearer === 'wrong') failures.fail(ip, nowMs);
    return {
      status: 401,
      code: bearer === 'wrong' ? 'invalid_admin_token' : 'admin_auth_required',
      message: 'Scrape with Authorization: Bearer <ADMIN_TOKEN>, the value configured on the server.',
    };
  }
  const local = 'ADMIN_TOKEN is not set, so /metrics answers only requests made on this machine';
  const notLocal = notLocalReason(facts);
  if (notLocal) return { status: 403, code: 'admin_loopback_only', message: `${local} (${notLocal}).` };
  const origin = header(facts, 'origin');
  if (origin !== undefined && !isLoopbackHost(origin)) {
    return { status: 403, code: 'cross_origin_refused', message: `${local}; this request came from ${origin}.` };
  }
  return undefined;
}

const NOSNIFF = { 'x-content-type-options': 'nosniff' };
/** The API's error shape: `{ error: { code, message } }`. */
function sendError(res: ServerResponse, r: Refusal): void {
  const headers: Record<string, string> = { ...NOSNIFF, 'content-type': 'application/json; charset=utf-8' };
  if (r.retryAfterSeconds !== undefined) headers['retry-after'] = String(r.retryAfterSeconds);
  if (r.status === 401) headers['www-authenticate'] = 'Bearer';
  res.writeHead(r.status, headers).end(JSON.stringify({ error: { code: r.code, message: r.message } }));
}

export interface MetricsServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Serves `GET /metrics` (Prometheus text), `GET /health` (liveness: the process answers) and `GET /health/ready`
 * (PostgreSQL and Redis reachable; 503 during an outage, which the process rides out); resolves once listening,
 * rejects on e.g. EADDRINUSE.
 */
export async function startMetricsServer(opts: MetricsServerOptions): Promise<MetricsServer> {
  const log = opts.logger.child({ component: 'worker.metrics' });
  const failures = new FailureLimiter(ADMIN_WRONG_TOKEN_LIMIT);
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      sendError(res, { status: 405, code: 'method_not_allowed', message: 'Only GET and HEAD are answered here.' });
      return;
    }
    if (path === '/health' || path === '/health/live') {
      res.writeHead(200, { ...NOSNIFF, 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    if (path === '/health/ready' && opts.readiness) {
      opts.readiness().then(
        (r) =>
          res
            .writeHead(r.status === 'ok' ? 200 : 503, { ...NOSNIFF, 'content-type': 'application/json' })
            .end(JSON.stringify(r)),
        (err: unknown) => {
          log.warn({ err }, 'readiness check failed');
          res
            .writeHead(503, { ...NOSNIFF, 'content-type': 'application/json' })
            .end('{"status":"degraded","checks":{}}');
        },
      );
      return;
    }
    if (path !== '/metrics') {
      sendError(res, {
        status: 404,
        code: 'not_found',
        message: `There is no ${path}: try /metrics, /health or /health/ready.`,
      });
      return;
    }
    const refused = refusal(req, opts.bearerToken, failures, Date.now());
    if (refused) {
      sendError(res, refused);
      return;
    }
    opts.registry.metrics().then(
      (text) => res.writeHead(200, { ...NOSNIFF, 'content-type': opts.registry.contentType }).end(text),
      (err: unknown) => {
        log.warn({ err }, 'metrics scrape failed');
        sendError(res, { status: 500, code: 'internal_error', message: 'Metrics are unavailable right now; retry.' });
      },
    );
  });
  // Scrapers keep connections alive; close() must not wait for them.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => log.error({ err }, 'metrics server error'));
  const { port } = server.address() as AddressInfo;
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
