// Entity locks against the real Redis: a run that loses its lock (expired, or Redis restarted empty) is told,
// so it sends nothing more to QBO and records nothing while another job may run the same entity.
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { assertLocksHeld, currentJobScope, LockLostError, runInJobScope } from './job-scope.js';
import { createEntityLocks } from './locks.js';

const redis = new Redis(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
const prefix = `{qbo-sync-locktest-${randomBytes(4).toString('hex')}}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const key = { tenantId: 't1', entityType: 'invoice', externalId: 'INV-1' };

afterAll(async () => {
  const keys = await redis.keys(`${prefix.slice(0, -1)}*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
});

async function lockKeyOf(): Promise<string> {
  const keys = await redis.keys('*locktest*:lock:invoice:INV-1');
  const mine = keys.find((k) => k.includes(prefix.slice(1, -1)));
  if (!mine) throw new Error('lock key not found');
  return mine;
}

describe('entity locks', () => {
  it('a run whose lock key vanished (Redis lost it) is aborted and may not record its outcome', async () => {
    const locks = createEntityLocks(redis, prefix, 300);
    const seen = await runInJobScope({ owner: 'test:1', signal: undefined }, () =>
      locks.withLock(key, 100, async () => {
        const scope = currentJobScope();
        expect(scope?.signal?.aborted).toBe(false);
        expect(() => assertLocksHeld()).not.toThrow();
        await redis.del(await lockKeyOf());
        await sleep(350); // more than one renewal period (ttl / 3)
        let thrown: unknown;
        try {
          assertLocksHeld();
        } catch (err) {
          thrown = err;
        }
        return { aborted: scope?.signal?.aborted, thrown };
      }),
    );
    expect(seen.aborted).toBe(true);
    expect(seen.thrown).toBeInstanceOf(LockLostError);
  });

  it('a run whose lock expired and was taken by another job is aborted; the other job keeps its lock', async () => {
    const locks = createEntityLocks(redis, prefix, 300);
    const result = await runInJobScope({ owner: 'test:2', signal: undefined }, () =>
      locks.withLock(key, 100, async () => {
        const lockKey = await lockKeyOf();
        // Another job's token replaces ours, as after an expiry while our event loop was starved.
        await redis.set(lockKey, 'other-token other:job', 'PX', 5_000);
        await sleep(350);
        return { aborted: currentJobScope()?.signal?.aborted, lockKey };
      }),
    );
    expect(result.aborted).toBe(true);
    // Our release is compare-and-delete: the other job's lock is untouched.
    expect(await redis.get(result.lockKey)).toBe('other-token other:job');
    await redis.del(result.lockKey);
  });

  it('a run that keeps its lock is not aborted, however long it holds it', async () => {
    const locks = createEntityLocks(redis, prefix, 300);
    const aborted = await runInJobScope({ owner: 'test:3', signal: undefined }, () =>
      locks.withLock(key, 100, async () => {
        await sleep(700); // two renewals
        assertLocksHeld();
        return currentJobScope()?.signal?.aborted;
      }),
    );
    expect(aborted).toBe(false);
  });
});
