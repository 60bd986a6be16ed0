// Access tokens for API calls, with exactly one refresh per realm across all processes.
import type { Database, SecretBox } from '@qbo-sync/db';
import {
  type ConnectionRow,
  getConnection,
  rotateTokens,
  setConnectionStatus,
} from '@qbo-sync/db/repositories/connections';
import type { Logger } from '@qbo-sync/observability';
import type { Redis } from 'ioredis';
import pRetry from 'p-retry';
import { NeedsReconnectError } from '../errors/needs-reconnect-error.js';
import { NetworkError } from '../errors/network-error.js';
import { NotConnectedError } from '../errors/not-connected-error.js';
import { QboError } from '../errors/qbo-error.js';
import { realmKeys } from '../keys.js';
import type { QboMetrics } from '../metrics.js';
import { releaseLock, tryLock, waitForRelease } from '../redis-lock.js';
import {
  newOAuthClient,
  parseTokenResponse,
  type QboSettings,
  type TokenSet,
  tokenEndpointError,
  withDeadline,
} from './intuit.js';

export const RECONNECT_REASON =
  'QuickBooks no longer accepts this connection (the authorization expired or was revoked). Reconnect QuickBooks for this tenant.';

export interface AccessToken {
  tenantId: string;
  realmId: string;
  accessToken: string;
  /** The grant version this token belongs to: a 401 refreshes only if nobody did since. */
  tokenVersion: number;
}

export interface StatusChange {
  tenantId: string;
  realmId: string;
  status: 'active' | 'needs_reconnect' | 'disconnected';
  reason?: string | undefined;
}

export interface TokenManagerDeps {
  qbo: QboSettings;
  db: Database;
  redis: Redis;
  secrets: SecretBox;
  logger: Logger;
  keyPrefix: string;
  now: () => number;
  /** Refresh when the access token has less than this left (default 5 min). */
  proactiveRefreshMs: number;
  onStatusChange?: ((change: StatusChange) => void | Promise<void>) | undefined;
  metrics?: QboMetrics | undefined;
}

export interface TokenManager {
  /** A usable access token, refreshed first when it is within proactiveRefreshMs of expiry. */
  current(tenantId: string): Promise<AccessToken>;
  /** After QBO answered 401 to `used`: refresh once (unless someone already did) and return the new token. */
  afterUnauthorized(used: AccessToken): Promise<AccessToken>;
  /** Stores the pair the token endpoint just issued, encrypted. */
  encryptTokens(tokens: TokenSet): {
    keyId: string;
    accessTokenEnc: string;
    refreshTokenEnc: string;
    accessTokenExpiresAt: Date;
    refreshTokenExpiresAt: Date;
    issuedAt: Date;
  };
  markNeedsReconnect(tenantId: string, realmId: string, reason: string, expectedVersion?: number): Promise<void>;
  /** Drops the tenant's cached access token (the next current() reads PostgreSQL). */
  forget(tenantId: string): void;
}

export function createTokenManager(deps: TokenManagerDeps): TokenManager {
  const { db, redis, secrets, now } = deps;
  const log = deps.logger.child({ component: 'qbo.tokens' });
  // The refresh call has its own deadline; the lock outlives it by enough to persist the result.
  const refreshDeadlineMs = Math.min(deps.qbo.httpTimeoutMs, 20_000);
  const lockTtlMs = refreshDeadlineMs + 10_000;
  const inflight = new Map<string, Promise<AccessToken>>();
  // Decrypted access tokens per tenant, used until they near their proactive-refresh time. Stale entries
  // are harmless: an access token stays valid until it expires even after a refresh elsewhere, a 401
  // drops the entry, and the worker calls forget() when the tenant's context version moved (a reconnect,
  // a status change or a refresh in another process).
  const cached = new Map<string, { access: AccessToken; refreshAt: number }>();
  const remember = (row: ConnectionRow): AccessToken => {
    const access = toAccess(row);
    cached.set(row.tenantId, { access, refreshAt: row.accessTokenExpiresAt.getTime() - proactiveThreshold(row) });
    return access;
  };

  async function loadActive(tenantId: string): Promise<ConnectionRow> {
    const row = await getConnection(db, tenantId);
    if (!row || row.status === 'disconnected') {
      throw new NotConnectedError(`tenant ${tenantId} has no QuickBooks connection`);
    }
    if (row.status !== 'active') {
      throw new NeedsReconnectError(row.statusReason ?? RECONNECT_REASON, { detail: `tenant ${tenantId}` });
    }
    return row;
  }

  const toAccess = (row: ConnectionRow): AccessToken => ({
    tenantId: row.tenantId,
    realmId: row.realmId,
    accessToken: secrets.decrypt(row.accessTokenEnc),
    tokenVersion: row.tokenVersion,
  });

  // Short-lived tokens (a test sandbox) must not be refreshed on every call: cap the lead at half the lifetime.
  const proactiveThreshold = (row: ConnectionRow) => {
    const issued = row.lastRefreshedAt?.getTime();
    const lifetime = issued === undefined ? Number.POSITIVE_INFINITY : row.accessTokenExpiresAt.getTime() - issued;
    return Math.min(deps.proactiveRefreshMs, lifetime / 2);
  };

  /** Outside the proactive-refresh lead: a token `current()` would hand out as it is. */
  const fresh = (row: ConnectionRow) => row.accessTokenExpiresAt.getTime() - now() > proactiveThreshold(row);

  /**
   * Someone (this process or another) replaced the token the caller saw, and the replacement is fresh: use it.
   * Measured against the token's own lifetime, so a 1 s token refreshed a moment ago is reused, not refreshed
   * again by every waiter (a fixed 30 s margin made each waiter refresh once more: a storm).
   */
  const replacedAndFresh = (row: ConnectionRow, seenVersion: number) => row.tokenVersion !== seenVersion && fresh(row);

  function encryptTokens(tokens: TokenSet) {
    const t = now();
    return {
      keyId: secrets.currentKeyId,
      accessTokenEnc: secrets.encrypt(tokens.access_token),
      refreshTokenEnc: secrets.encrypt(tokens.refresh_token),
      accessTokenExpiresAt: new Date(t + tokens.expires_in * 1000),
      refreshTokenExpiresAt: new Date(t + tokens.x_refresh_token_expires_in * 1000),
      issuedAt: new Date(t),
    };
  }

  async function notify(change: StatusChange): Promise<void> {
    try {
      await deps.onStatusChange?.(change);
    } catch (err) {
      log.warn({ err, tenantId: change.tenantId }, 'onStatusChange hook failed');
    }
  }

  async function markNeedsReconnect(tenantId: string, realmId: string, reason: string, expectedVersion?: number) {
    cached.delete(tenantId);
    const changed = await setConnectionStatus(db, tenantId, 'needs_reconnect', reason, expectedVersion);
    if (changed) {
      log.warn({ tenantId, realmId }, 'QBO connection needs reconnect');
      await notify({ tenantId, realmId, status: 'needs_reconnect', reason });
    }
  }

  /** Only the lock holder gets here. */
  async function refreshUnderLock(row: ConnectionRow): Promise<AccessToken> {
    const client = newOAuthClient(deps.qbo);
    let tokens: TokenSet;
    try {
      const res = await withDeadline(
        client.refreshUsingToken(secrets.decrypt(row.refreshTokenEnc)),
        refreshDeadlineMs,
        'token refresh',
      );
      tokens = parseTokenResponse(res.json, 'token refresh');
      deps.metrics?.tokenRefresh('ok');
    } catch (err) {
      const mapped = err instanceof QboError ? err : tokenEndpointError(err, 'token refresh');
      deps.metrics?.tokenRefresh(mapped.code === 'NEEDS_RECONNECT' ? 'needs_reconnect' : 'error');
      if (mapped.code === 'NEEDS_RECONNECT') {
        await markNeedsReconnect(row.tenantId, row.realmId, RECONNECT_REASON, row.tokenVersion);
      }
      throw mapped;
    }
    // Persist the rotated pair before anyone uses it: the old refresh token may already be dead.
    const saved = await pRetry(() => rotateTokens(db, row.tenantId, row.tokenVersion, encryptTokens(tokens)), {
      retries: 3,
      minTimeout: 100,
    });
    if (!saved) {
      // A new grant was saved while we refreshed the old one: the new grant wins.
      return toAccess(await loadActive(row.tenantId));
    }
    log.info({ tenantId: row.tenantId, realmId: row.realmId, tokenVersion: saved.tokenVersion }, 'QBO token refreshed');
    return toAccess(saved);
  }

  /** `seenVersion` is the token the caller found stale (or QBO refused); any fresh newer one replaces it. */
  async function refresh(tenantId: string, seenVersion: number): Promise<AccessToken> {
    const deadline = Date.now() + lockTtlMs * 2;
    for (;;) {
      const row = await loadActive(tenantId);
      if (replacedAndFresh(row, seenVersion)) return toAccess(row);
      const lockKey = realmKeys(deps.keyPrefix, row.realmId).refreshLock;
      const lock = await tryLock(redis, lockKey, lockTtlMs);
      if (lock) {
        try {
          // Re-read under the lock: the previous holder may have finished between our read and our lock.
          const current = await loadActive(tenantId);
          if (replacedAndFresh(current, seenVersion)) return toAccess(current);
          return await refreshUnderLock(current);
        } finally {
          await releaseLock(redis, lock);
        }
      }
      // Another process is refreshing: wait for it, then read its result from PostgreSQL (next turn).
      const left = deadline - Date.now();
      if (left <= 0 || !(await waitForRelease(redis, lockKey, left))) {
        throw new NetworkError(`token refresh for tenant ${tenantId} is taking too long elsewhere`);
      }
    }
  }

  /** One refresh per tenant and grant version per process; other callers share its promise. */
  function singleFlight(tenantId: string, seenVersion: number): Promise<AccessToken> {
    const key = `${tenantId}\u0000${seenVersion}`;
    let p = inflight.get(key);
    if (!p) {
      p = refresh(tenantId, seenVersion).finally(() => inflight.delete(key));
      inflight.set(key, p);
    }
    return p;
  }

  return {
    async current(tenantId) {
      const hit = cached.get(tenantId);
      if (hit && now() < hit.refreshAt) return hit.access;
      const row = await loadActive(tenantId);
      if (fresh(row)) return remember(row);
      cached.delete(tenantId);
      return singleFlight(tenantId, row.tokenVersion);
    },
    async afterUnauthorized(used) {
      cached.delete(used.tenantId);
      const row = await loadActive(used.tenantId);
      if (replacedAndFresh(row, used.tokenVersion)) return toAccess(row);
      return singleFlight(used.tenantId, used.tokenVersion);
    },
    encryptTokens,
    markNeedsReconnect,
    forget(tenantId) {
      cached.delete(tenantId);
    },
  };
}
