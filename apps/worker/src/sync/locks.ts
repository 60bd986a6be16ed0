import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { EntityBusyError } from '../errors/entity-busy-error.js';
import { currentJobScope, type JobScope, runInJobScope, sleepUnlessAborted } from './job-scope.js';

// Compare-and-delete / compare-and-extend: a lock that expired and was taken by another job is never
// released or extended by us.
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;
const EXTEND = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;

export interface EntityLocks {
  /**
   * Runs `fn` holding the entity's lock: two jobs for one entity never run at once, across processes.
   * Waits up to `waitMs` for the lock, then throws EntityBusyError (the caller defers the job); a closing
   * worker stops waiting at once (WorkerClosingError). Re-entrant within one job run: a run that already
   * holds the lock (the customer sync's own find-or-create) just runs `fn`.
   */
  withLock<T>(
    key: { tenantId: string; entityType: string; externalId: string },
    waitMs: number,
    fn: () => Promise<T>,
  ): Promise<T>;
}

/** The scripts as ioredis commands (defineCommand): EVALSHA, so the text travels once per connection, not per call. */
interface LockScripts {
  qboSyncLockRelease(key: string, token: string): Promise<number>;
  qboSyncLockExtend(key: string, token: string, ttlMs: string): Promise<number>;
}

/**
 * Redis locks with a TTL renewed while the work runs, so a crashed worker frees the entity within ttlMs.
 * Keys are hash-tagged per tenant (`{qbo-sync:t:<tenant>}:lock:…`) so a Redis Cluster spreads tenants.
 * The value names the holding job (`<uuid> <queue>:<job id>`), so a job kept waiting can say who holds it.
 */
export function createEntityLocks(redis: Redis, base: string, ttlMs = 30_000): EntityLocks {
  redis.defineCommand('qboSyncLockRelease', { numberOfKeys: 1, lua: RELEASE });
  redis.defineCommand('qboSyncLockExtend', { numberOfKeys: 1, lua: EXTEND });
  const scripts = redis as unknown as LockScripts;
  const tag = base.replace(/^\{/, '').replace(/\}$/, '');

  async function locked<T>(scope: JobScope, lockKey: string, waitMs: number, fn: () => Promise<T>): Promise<T> {
    const held = scope.held.get(lockKey);
    if (held !== undefined) return fn();
    const token = `${randomUUID()} ${scope.owner}`;
    const deadline = Date.now() + waitMs;
    let pause = 20;
    while ((await redis.set(lockKey, token, 'PX', ttlMs, 'NX')) !== 'OK') {
      if (Date.now() >= deadline) {
        const holder = (await redis.get(lockKey).catch(() => null)) ?? undefined;
        throw new EntityBusyError(
          lockKey,
          500 + Math.floor(Math.random() * 500),
          holder?.slice(holder.indexOf(' ') + 1),
        );
      }
      await sleepUnlessAborted(pause, scope.signal);
      pause = Math.min(pause * 2, 250);
    }
    scope.held.set(lockKey, token);
    // A renewal that finds the key gone or someone else's (it expired while the event loop was starved, or
    // Redis restarted empty) means another job may hold the entity now: the run is told to stop.
    const renew = setInterval(
      () => {
        scripts.qboSyncLockExtend(lockKey, token, String(ttlMs)).then(
          (extended) => {
            if (extended === 0 && scope.held.get(lockKey) === token) scope.markLockLost(lockKey);
          },
          () => {},
        );
      },
      Math.floor(ttlMs / 3),
    );
    try {
      return await fn();
    } finally {
      clearInterval(renew);
      scope.held.delete(lockKey);
      await scripts.qboSyncLockRelease(lockKey, token).catch(() => {});
    }
  }

  return {
    withLock(key, waitMs, fn) {
      const lockKey = `{${tag}:t:${key.tenantId}}:lock:${key.entityType}:${encodeURIComponent(key.externalId)}`;
      const scope = currentJobScope();
      if (scope) return locked(scope, lockKey, waitMs, fn);
      // Outside a job run (tools, tests): a scope of its own, so nested calls re-enter all the same.
      return runInJobScope({ owner: 'no-job', signal: undefined }, () =>
        locked(currentJobScope() as JobScope, lockKey, waitMs, fn),
      );
    },
  };
}
