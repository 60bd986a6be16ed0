import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { realmKeys } from './keys.js';

/**
 * One atomic step for a realm: drop expired window entries and leases, then admit the request only if
 * every window has room, no cooldown (after a QBO 429) is running and fewer than maxConcurrent leases
 * are live. Admission records the request in each window and takes a lease that expires by itself, so
 * a crashed process cannot leak a slot. Time comes from the Redis server (one clock for all processes)
 * unless a test passes `now`.
 *
 * KEYS: window, burst, leases, cooldown
 * ARGV: now|'' , leaseId, leaseTtlMs, maxConcurrent, perWindow, windowMs, burstPer (0 = off), burstMs
 * Returns {1, 0} when admitted, else {0, retryAfterMs}.
 */
const ACQUIRE = `
local now = tonumber(ARGV[1])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local leaseId = ARGV[2]
local leaseTtl = tonumber(ARGV[3])
local maxConc = tonumber(ARGV[4])
local windows = { {KEYS[1], tonumber(ARGV[5]), tonumber(ARGV[6])}, {KEYS[2], tonumber(ARGV[7]), tonumber(ARGV[8])} }

local cool = redis.call('PTTL', KEYS[4])
if cool > 0 then return {0, cool} end

redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
local wait = 0
for _, w in ipairs(windows) do
  if w[2] > 0 then
    redis.call('ZREMRANGEBYSCORE', w[1], '-inf', now - w[3])
    if redis.call('ZCARD', w[1]) >= w[2] then
      local oldest = redis.call('ZRANGE', w[1], 0, 0, 'WITHSCORES')
      local free = tonumber(oldest[2]) + w[3] - now
      if free > wait then wait = free end
    end
  end
end
if wait > 0 then return {0, wait} end
if redis.call('ZCARD', KEYS[3]) >= maxConc then return {0, -1} end

for _, w in ipairs(windows) do
  if w[2] > 0 then
    redis.call('ZADD', w[1], now, leaseId)
    redis.call('PEXPIRE', w[1], w[3] + 1000)
  end
end
redis.call('ZADD', KEYS[3], now + leaseTtl, leaseId)
redis.call('PEXPIRE', KEYS[3], leaseTtl + 1000)
return {1, 0}
`;

/**
 * Ends a lease and re-stamps the request in each window with the release time. QBO counts a request
 * when it arrives, which is after we admitted it; counting it from its release (after QBO answered)
 * means a new request admitted when that entry leaves the window cannot land in the same QBO window.
 * KEYS: window, burst, leases; ARGV: now|'', leaseId
 */
const RELEASE = `
local now = tonumber(ARGV[1])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
redis.call('ZADD', KEYS[1], 'XX', now, ARGV[2])
redis.call('ZADD', KEYS[2], 'XX', now, ARGV[2])
return redis.call('ZREM', KEYS[3], ARGV[2])
`;

export interface RealmLimiterOptions {
  /** Requests admitted in any sliding window of windowMs (QBO: 500/min; default config 450). */
  perWindow: number;
  windowMs: number;
  /** Requests in flight at once (QBO: 10; default config 8). */
  maxConcurrent: number;
  keyPrefix: string;
  /** Optional second, short window (QBO also documents 10 req/s per realm and app). */
  burst?: { perWindow: number; windowMs: number } | undefined;
  /** A lease outlives the longest request; it frees itself if a process dies holding it. */
  leaseTtlMs?: number;
  /** How long acquire() may wait for room before answering ok:false (keeps workers serving other realms). */
  maxWaitMs?: number;
  /**
   * Requests admitted per window while the Redis server is younger than one window (default: a tenth of
   * perWindow, which with 450 of QBO's 500 stays under QBO's limit even if the forgotten window was full).
   * A restart without persistence or a failover to a new server loses every realm's window, while QBO
   * still counts the requests of the last minute; starting from zero, QBO throttled.
   */
  startPerWindow?: number;
  /** Test clock; by default the Redis server's clock is used. */
  now?: () => number;
}

export type Acquired = { ok: true; release(): Promise<void> } | { ok: false; retryAfterMs: number };

export interface AcquireOptions {
  /** How long to wait for room this time (default: the limiter's maxWaitMs). */
  maxWaitMs?: number | undefined;
  /** Stops waiting at once (answers ok:false, retryAfterMs 0), e.g. when the worker is closing. */
  signal?: AbortSignal | undefined;
}

export interface RealmLimiter {
  acquire(realmId: string, opts?: AcquireOptions): Promise<Acquired>;
  /** After QBO throttled the realm anyway: every process pauses that realm for `ms`. */
  penalize(realmId: string, ms: number): Promise<void>;
}

// When only concurrency is full we cannot know when a lease ends; poll briefly, and tell the
// caller to come back soon rather than after a whole window.
const CONCURRENCY_POLL_MS = 20;
const CONCURRENCY_RETRY_AFTER_MS = 250;
// How often the Redis server's uptime is read again, in the background (one INFO per second per connection at
// most): a safety net behind the reconnection, which is how a restart is noticed at once.
const UPTIME_RECHECK_MS = 1_000;

/** How long the Redis server behind a connection has been up, read with INFO and shared by its limiters. */
interface ServerAge {
  uptimeMs(): Promise<number>;
}
const serverAges = new WeakMap<Redis, ServerAge>();
function serverAgeOf(redis: Redis): ServerAge {
  const known = serverAges.get(redis);
  if (known) return known;
  let read: { ms: number; at: number } | undefined;
  let reading: Promise<void> | undefined;
  const refresh = () => {
    reading ??= redis
      .info('server')
      .then((info) => {
        const seconds = /uptime_in_seconds:(\d+)/.exec(info)?.[1];
        // A server that does not say (a proxy, a managed service) is taken as established.
        read = { ms: seconds === undefined ? Number.POSITIVE_INFINITY : Number(seconds) * 1000, at: Date.now() };
      })
      .finally(() => {
        reading = undefined;
      });
    return reading;
  };
  // A (re)connection may be to a restarted or new server: the next request waits for its uptime.
  redis.on('ready', () => {
    read = undefined;
  });
  const age: ServerAge = {
    async uptimeMs() {
      // Only a request with no reading at all waits for INFO; otherwise requests go on with the last reading
      // while it is renewed (waiting on it bunched every request of a second behind one round trip).
      if (!read) await refresh();
      else if (Date.now() - read.at >= UPTIME_RECHECK_MS) refresh().catch(() => undefined);
      return read ? read.ms + (Date.now() - read.at) : Number.POSITIVE_INFINITY;
    },
  };
  serverAges.set(redis, age);
  return age;
}

/** Sleeps `ms`; resolves early (true) when the signal aborts. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(true);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(true);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(false);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The scripts as ioredis commands (defineCommand): EVALSHA, so the text travels once per connection, not per call. */
interface LimiterScripts {
  qboSyncRealmAcquire(...keysThenArgs: (string | number)[]): Promise<[number, number]>;
  qboSyncRealmRelease(...keysThenArgs: string[]): Promise<number>;
}

export function createRealmLimiter(redis: Redis, opts: RealmLimiterOptions): RealmLimiter {
  redis.defineCommand('qboSyncRealmAcquire', { numberOfKeys: 4, lua: ACQUIRE });
  redis.defineCommand('qboSyncRealmRelease', { numberOfKeys: 3, lua: RELEASE });
  const scripts = redis as unknown as LimiterScripts;
  const leaseTtlMs = opts.leaseTtlMs ?? 60_000;
  const maxWaitMs = opts.maxWaitMs ?? 250;
  const burst = opts.burst ?? { perWindow: 0, windowMs: 1000 };
  const startPerWindow = Math.min(opts.perWindow, opts.startPerWindow ?? Math.max(1, Math.floor(opts.perWindow / 10)));

  const server = serverAgeOf(redis);
  const serverOlderThanWindow = async () => (await server.uptimeMs()) >= opts.windowMs;

  async function tryOnce(realmId: string, leaseId: string): Promise<number> {
    const k = realmKeys(opts.keyPrefix, realmId);
    const perWindow = (await serverOlderThanWindow()) ? opts.perWindow : startPerWindow;
    const [admitted, wait] = await scripts.qboSyncRealmAcquire(
      k.window,
      k.burst,
      k.leases,
      k.cooldown,
      opts.now ? String(opts.now()) : '',
      leaseId,
      leaseTtlMs,
      opts.maxConcurrent,
      perWindow,
      opts.windowMs,
      burst.perWindow,
      burst.windowMs,
    );
    return admitted === 1 ? 0 : wait;
  }

  return {
    async acquire(realmId, call = {}) {
      const leaseId = randomUUID();
      const deadline = Date.now() + (call.maxWaitMs ?? maxWaitMs);
      for (;;) {
        if (call.signal?.aborted) return { ok: false, retryAfterMs: 0 };
        const wait = await tryOnce(realmId, leaseId);
        if (wait === 0) {
          const k = realmKeys(opts.keyPrefix, realmId);
          return {
            ok: true,
            release: async () => {
              await scripts.qboSyncRealmRelease(
                k.window,
                k.burst,
                k.leases,
                opts.now ? String(opts.now()) : '',
                leaseId,
              );
            },
          };
        }
        const retryAfterMs = wait < 0 ? CONCURRENCY_RETRY_AFTER_MS : wait;
        const pause = wait < 0 ? CONCURRENCY_POLL_MS : wait;
        const left = deadline - Date.now();
        if (pause > left) return { ok: false, retryAfterMs };
        // Jitter spreads waiting callers so they do not all retry on the same millisecond.
        await sleep(pause + Math.floor(Math.random() * 10), call.signal);
      }
    },
    async penalize(realmId, ms) {
      if (ms <= 0) return;
      const { cooldown } = realmKeys(opts.keyPrefix, realmId);
      // Keep the longer of an existing and the new pause.
      const current = await redis.pttl(cooldown);
      if (current < ms) await redis.set(cooldown, '1', 'PX', Math.ceil(ms));
    },
  };
}
