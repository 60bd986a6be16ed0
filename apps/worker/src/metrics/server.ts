// The worker's own scrape endpoint: a bare node:http server (no framework needed for two routes), because
// job outcomes, deferrals and QBO request counts exist only inside the worker process.
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger, Readiness, Registry } from '@qbo-sync/observability';

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

// Hashing both sides gives equal lengths, so the comparison takes the same time whatever was sent.
const digest = (s: string) => createHash('sha256').update(s).digest();
function authorized(header: string | undefined, remote: string | undefined, token: string | undefined): boolean {
  if (token === undefined) return remote === '::1' || /^(::ffff:)?127\./.test(remote ?? '');
  return timingSafeEqual(digest(header ?? ''), digest(`Bearer ${token}`));
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
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/health' || path === '/health/live') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    if (path === '/health/ready' && opts.readiness) {
      opts.readiness().then(
        (r) =>
          res.writeHead(r.status === 'ok' ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(r)),
        (err: unknown) => {
          log.warn({ err }, 'readiness check failed');
          res.writeHead(503, { 'content-type': 'application/json' }).end('{"status":"degraded","checks":{}}');
        },
      );
      return;
    }
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics, /health or /health/ready\n');
      return;
    }
    if (!authorized(req.headers.authorization, req.socket.remoteAddress, opts.bearerToken)) {
      res.writeHead(401, { 'www-authenticate': 'Bearer', 'content-type': 'text/plain' }).end('admin token required\n');
      return;
    }
    opts.registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': opts.registry.contentType }).end(text),
      (err: unknown) => {
        log.warn({ err }, 'metrics scrape failed');
        res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n');
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
