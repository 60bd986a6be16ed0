import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { deleteKeysWithPrefix, testRedis, uniqueQueuePrefix } from '@qbo-sync/testkit';
import type { Redis } from 'ioredis';
import { createRealmLimiter, type RealmLimiterOptions } from '../src/limiter.js';

describe('realm limiter (real Redis)', () => {
  const prefix = uniqueQueuePrefix('limiter');
  let redis: Redis;
  let other: Redis;
  let clock = 1_000_000;
  const base = (o: Partial<RealmLimiterOptions> = {}): RealmLimiterOptions => ({
    perWindow: 5,
    windowMs: 500,
    maxConcurrent: 10,
    keyPrefix: prefix,
    maxWaitMs: 0,
    now: () => clock,
    ...o,
  });

  beforeAll(() => {
    redis = testRedis();
    other = testRedis();
  });
  afterAll(async () => {
    await deleteKeysWithPrefix(redis, prefix.slice(0, -1));
    redis.disconnect();
    other.disconnect();
  });

  it('admits perWindow requests per sliding window and says when room returns', async () => {
    const limiter = createRealmLimiter(redis, base());
    for (let i = 0; i < 5; i++) {
      const a = await limiter.acquire('r1');
      expect(a.ok).toBe(true);
      if (a.ok) await a.release();
      clock += 10;
    }
    const denied = await limiter.acquire('r1');
    expect(denied).toEqual({ ok: false, retryAfterMs: 450 });
    // Another realm has its own budget.
    expect((await limiter.acquire('r2')).ok).toBe(true);
    clock += 450;
    expect((await limiter.acquire('r1')).ok).toBe(true);
  });

  it('keeps working when Redis has forgotten its scripts (restart, failover, SCRIPT FLUSH)', async () => {
    const limiter = createRealmLimiter(redis, base({ perWindow: 2 }));
    const first = await limiter.acquire('f1');
    expect(first.ok).toBe(true);
    await redis.script('FLUSH');
    // The scripts run as EVALSHA: a NOSCRIPT answer must fall back to sending the text, for both scripts.
    if (first.ok) await first.release();
    const second = await limiter.acquire('f1');
    expect(second.ok).toBe(true);
    expect(await limiter.acquire('f1')).toMatchObject({ ok: false });
  });

  it('counts a request from its release, so the next one cannot land in the same QBO window', async () => {
    const limiter = createRealmLimiter(redis, base({ perWindow: 1 }));
    const a = await limiter.acquire('s1');
    expect(a.ok).toBe(true);
    clock += 300; // QBO answered 300 ms after admission
    if (a.ok) await a.release();
    clock += 250; // 550 ms after admission, but only 250 ms after the answer
    expect(await limiter.acquire('s1')).toEqual({ ok: false, retryAfterMs: 250 });
    clock += 250;
    expect((await limiter.acquire('s1')).ok).toBe(true);
  });

  it('caps concurrency with leases that expire by themselves', async () => {
    const limiter = createRealmLimiter(redis, base({ perWindow: 100, maxConcurrent: 2, leaseTtlMs: 1000 }));
    const a = await limiter.acquire('c1');
    const b = await limiter.acquire('c1');
    expect([a.ok, b.ok]).toEqual([true, true]);
    const c = await limiter.acquire('c1');
    expect(c.ok).toBe(false);
    if (a.ok) await a.release();
    const d = await limiter.acquire('c1');
    expect(d.ok).toBe(true);
    // b and d are never released (a crashed process): after the lease TTL their slots come back.
    expect((await limiter.acquire('c1')).ok).toBe(false);
    clock += 1001;
    expect((await limiter.acquire('c1')).ok).toBe(true);
  });

  it('is atomic across connections: never more than perWindow admitted', async () => {
    const opts = base({ perWindow: 30, maxConcurrent: 1000 });
    const limiters = [createRealmLimiter(redis, opts), createRealmLimiter(other, opts)];
    const results = await Promise.all(
      Array.from({ length: 120 }, (_, i) => (limiters[i % 2] as (typeof limiters)[0]).acquire('atomic')),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(30);
  });

  it('enforces the short burst window too', async () => {
    const limiter = createRealmLimiter(redis, base({ perWindow: 100, burst: { perWindow: 3, windowMs: 100 } }));
    for (let i = 0; i < 3; i++) expect((await limiter.acquire('b1')).ok).toBe(true);
    const denied = await limiter.acquire('b1');
    expect(denied).toEqual({ ok: false, retryAfterMs: 100 });
    clock += 100;
    expect((await limiter.acquire('b1')).ok).toBe(true);
  });

  it('pauses a realm for everyone after a penalty', async () => {
    const limiter = createRealmLimiter(redis, base());
    await limiter.penalize('p1', 5_000);
    const denied = await limiter.acquire('p1');
    expect(denied.ok).toBe(false);
    if (!denied.ok) expect(denied.retryAfterMs).toBeGreaterThan(4_000);
    expect((await createRealmLimiter(other, base()).acquire('p1')).ok).toBe(false);
    expect((await limiter.acquire('p2')).ok).toBe(true);
  });

  it('waits briefly for room (Redis clock) before giving up', async () => {
    const limiter = createRealmLimiter(redis, {
      perWindow: 2,
      windowMs: 150,
      maxConcurrent: 10,
      keyPrefix: prefix,
      maxWaitMs: 1_000,
    });
    const first = await Promise.all([limiter.acquire('w1'), limiter.acquire('w1')]);
    expect(first.every((r) => r.ok)).toBe(true);
    // The third fits once the first two leave the 150 ms window, well inside maxWaitMs.
    expect((await limiter.acquire('w1')).ok).toBe(true);
    const impatient = createRealmLimiter(redis, {
      perWindow: 1,
      windowMs: 60_000,
      maxConcurrent: 10,
      keyPrefix: prefix,
      maxWaitMs: 50,
    });
    expect((await impatient.acquire('w2')).ok).toBe(true);
    const busy = await impatient.acquire('w2');
    expect(busy.ok).toBe(false);
    if (!busy.ok) expect(busy.retryAfterMs).toBeGreaterThan(50_000);
  });

  it('keeps every key of a realm under one hash tag', async () => {
    const keys = await redis.keys(`${prefix.slice(0, -1)}:realm:r1}*`);
    expect(keys.length).toBeGreaterThan(0);
    for (const k of keys) expect(k.startsWith(`{${prefix.slice(1, -1)}:realm:r1}:`)).toBe(true);
  });

  it('waits longer when the call asks for it, and stops waiting at once when its signal aborts', async () => {
    // Real time here: the waits are real.
    const limiter = createRealmLimiter(redis, {
      perWindow: 100,
      windowMs: 1000,
      maxConcurrent: 1,
      keyPrefix: prefix,
      maxWaitMs: 0,
    });
    const held = await limiter.acquire('long-wait');
    expect(held.ok).toBe(true);
    // The default wait (0): refused at once while the only slot is taken.
    expect((await limiter.acquire('long-wait')).ok).toBe(false);
    // A longer wait for this call: admitted once the slot is released.
    const waiting = limiter.acquire('long-wait', { maxWaitMs: 5_000 });
    setTimeout(() => {
      if (held.ok) void held.release();
    }, 100);
    const later = await waiting;
    expect(later.ok).toBe(true);
    // Aborted while waiting: answers at once with retryAfterMs 0 (the caller hands its job back).
    const controller = new AbortController();
    const aborted = limiter.acquire('long-wait', { maxWaitMs: 60_000, signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    expect(await aborted).toEqual({ ok: false, retryAfterMs: 0 });
    if (later.ok) await later.release();
  });
});
