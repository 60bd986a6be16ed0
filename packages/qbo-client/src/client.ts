import type { Config } from '@qbo-sync/config';
import type { Database, SecretBox } from '@qbo-sync/db';
import type { Logger } from '@qbo-sync/observability';
import type { Redis } from 'ioredis';
import { createHttp, unlessAborted } from './http.js';
import { createRealmLimiter, type RealmLimiter } from './limiter.js';
import type { QboMetrics } from './metrics.js';
import { configureIntuitOAuth } from './oauth/intuit.js';
import { createOAuthService, type OAuthService } from './oauth/service.js';
import { createTokenManager, type StatusChange } from './oauth/tokens.js';
import { createRealmClient, type RealmClient, type RealmSession } from './realm-client.js';

export interface QboClientDeps {
  qbo: Config['qbo'];
  db: Database;
  redis: Redis;
  secrets: SecretBox;
  logger: Logger;
  /** Hash-tagged prefix for Redis keys; per-realm keys become `{<base>:realm:<id>}:…`. Default '{qbo-sync}'. */
  keyPrefix?: string;
  now?: () => number;
  /** Overrides of the per-realm budget from config (tests scale the minute down). */
  limits?: {
    perWindow?: number;
    windowMs?: number;
    maxConcurrent?: number;
    /**
     * Short window on top of the minute budget (QBO also documents 10 req/s per realm and app); null turns it
     * off. Default: config `QBO_BURST_PER_SECOND` per 1000 ms (8 against Intuit, off against the local sandbox,
     * which does not enforce one).
     */
    burst?: { perWindow: number; windowMs: number } | null;
    /** How long a call may wait for budget before RealmBusyError (default 250 ms). */
    maxWaitMs?: number;
  };
  /** Transient-fault retries inside one call (default 2) and their first delay (default 300 ms, jittered). */
  retries?: number;
  retryMinTimeoutMs?: number;
  /** Proactive refresh lead (default 5 min). */
  proactiveRefreshMs?: number;
  /** Told when a connection becomes active (new grant), needs_reconnect or disconnected, e.g. to resume parked jobs. */
  onStatusChange?: (change: StatusChange) => void | Promise<void>;
  /** Request, throttle and token-refresh counters (`createQboMetrics(registry)`); absent: nothing recorded. */
  metrics?: QboMetrics;
}

export interface QboClient {
  oauth: OAuthService;
  limiter: RealmLimiter;
  /**
   * A client bound to the tenant's company, for one job (see RealmSession: its abort signal and how long its
   * later calls wait for budget). Throws NotConnectedError / NeedsReconnectError.
   */
  forTenant(tenantId: string, session?: RealmSession): Promise<RealmClient>;
  /**
   * Drops what this process caches about the tenant's connection (its access token), e.g. when the tenant's
   * context version says the connection changed elsewhere; the next call reads PostgreSQL.
   */
  forgetTenant(tenantId: string): void;
  /** Closes the HTTP agents; db and redis belong to the caller. */
  close(): Promise<void>;
}

export function createQboClient(deps: QboClientDeps): QboClient {
  const now = deps.now ?? Date.now;
  const keyPrefix = deps.keyPrefix ?? '{qbo-sync}';
  const warning = configureIntuitOAuth(deps.qbo);
  if (warning) deps.logger.warn(warning);

  const rl = deps.qbo.rateLimit;
  const limits = deps.limits ?? {};
  const limiter = createRealmLimiter(deps.redis, {
    perWindow: limits.perWindow ?? rl.perWindow,
    windowMs: limits.windowMs ?? rl.windowMs,
    maxConcurrent: limits.maxConcurrent ?? rl.maxConcurrent,
    burst:
      limits.burst === null
        ? undefined
        : (limits.burst ?? (rl.burstPerSecond > 0 ? { perWindow: rl.burstPerSecond, windowMs: 1000 } : undefined)),
    keyPrefix,
    // A lease must outlive the slowest request (timeout) so a live request never loses its slot.
    leaseTtlMs: deps.qbo.httpTimeoutMs + 5_000,
    maxWaitMs: limits.maxWaitMs ?? 250,
  });
  const tokens = createTokenManager({
    qbo: deps.qbo,
    db: deps.db,
    redis: deps.redis,
    secrets: deps.secrets,
    logger: deps.logger,
    keyPrefix,
    now,
    proactiveRefreshMs: deps.proactiveRefreshMs ?? 5 * 60_000,
    onStatusChange: deps.onStatusChange,
    metrics: deps.metrics,
  });
  const http = createHttp({
    qbo: deps.qbo,
    tokens,
    limiter,
    logger: deps.logger,
    now,
    options: { retries: deps.retries ?? 2, retryMinTimeoutMs: deps.retryMinTimeoutMs ?? 300 },
    metrics: deps.metrics,
  });
  const oauth = createOAuthService({
    qbo: deps.qbo,
    db: deps.db,
    secrets: deps.secrets,
    logger: deps.logger,
    tokens,
    onStatusChange: deps.onStatusChange,
  });

  return {
    oauth,
    limiter,
    async forTenant(tenantId, session) {
      const { realmId } = await unlessAborted(tokens.current(tenantId), session?.signal, tenantId);
      return createRealmClient(http, { tenantId, realmId, appBaseUrl: deps.qbo.appBaseUrl }, session);
    },
    forgetTenant(tenantId) {
      tokens.forget(tenantId);
    },
    async close() {
      http.close();
    },
  };
}
