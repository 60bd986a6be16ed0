import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

// Delete only if the value is still our token: a lock that expired and was taken by another
// process must not be released by us.
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

export interface HeldLock {
  key: string;
  token: string;
}

export async function tryLock(redis: Redis, key: string, ttlMs: number): Promise<HeldLock | undefined> {
  const token = randomUUID();
  const ok = await redis.set(key, token, 'PX', ttlMs, 'NX');
  return ok === 'OK' ? { key, token } : undefined;
}

export async function releaseLock(redis: Redis, lock: HeldLock): Promise<boolean> {
  return (await redis.eval(RELEASE, 1, lock.key, lock.token)) === 1;
}

/** Polls until the key is gone or `timeoutMs` passed; true when it is gone. */
export async function waitForRelease(redis: Redis, key: string, timeoutMs: number, pollMs = 25): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if ((await redis.exists(key)) === 0) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
