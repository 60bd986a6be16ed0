// After Redis lost its data (a restart without persistence, a failover to a new server) every company's
// request budget started from zero, while QBO still counted the requests of the last minute: QBO throttled
// twice. A limiter on a Redis younger than one window starts conservatively.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type OwnRedis, startOwnRedis, uniqueQueuePrefix, waitFor } from '@qbo-sync/testkit';
import { Redis } from 'ioredis';
import { createRealmLimiter, type RealmLimiter } from '../src/limiter.js';

describe('realm budget after Redis lost it', () => {
  let own: OwnRedis;
  let redis: Redis;
  beforeAll(async () => {
    own = await startOwnRedis();
    redis = new Redis(own.url, { maxRetriesPerRequest: null });
  });
  afterAll(async () => {
    redis.disconnect();
    await own.stop();
  });

  const uptimeSeconds = async () => Number(/uptime_in_seconds:(\d+)/.exec(await redis.info('server'))?.[1]);
  /** How many of `n` requests the limiter admits now (each released at once). */
  const admitted = async (limiter: RealmLimiter, realm: string, n: number) => {
    let ok = 0;
    for (let i = 0; i < n; i++) {
      const a = await limiter.acquire(realm);
      if (a.ok) {
        ok += 1;
        await a.release();
      }
    }
    return ok;
  };

  it('admits a tenth of the window while the server is younger than one window, the full window after', async () => {
    const clock = 5_000_000;
    // A window of 2 s so the test can wait for the server to be older than one window.
    const limiter = createRealmLimiter(redis, {
      perWindow: 20,
      windowMs: 2_000,
      maxConcurrent: 10,
      keyPrefix: uniqueQueuePrefix('budget-loss'),
      maxWaitMs: 0,
      now: () => clock,
    });
    expect(await uptimeSeconds()).toBeLessThan(2);
    // QBO may still count up to a whole window from before: only the start budget is spent.
    expect(await admitted(limiter, 'realm-a', 20)).toBe(2);
    const refused = await limiter.acquire('realm-a');
    expect(refused.ok).toBe(false);
    // Once the server has been up a whole window, whatever it forgot has left QBO's window too.
    await waitFor(async () => (await uptimeSeconds()) >= 3, { what: 'the server older than one window' });
    expect(await admitted(limiter, 'realm-a', 20)).toBe(18);

    // Lost again (SIGKILL, restarted empty): conservative again.
    await own.restartEmpty();
    await waitFor(() => redis.ping().then((p) => p === 'PONG'), { what: 'Redis back' });
    expect(await admitted(limiter, 'realm-a', 20)).toBe(2);
  });
});
