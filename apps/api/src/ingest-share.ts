// Per-tenant ingest share: one tenant's requests cannot take the API (and the inbox) from the others. A
// token bucket per tenant in Redis (GCRA: one timestamp per tenant, shared by every API process) charges
// each request its number of events; beyond the bucket the request is refused whole with 429 and
// Retry-After, before anything is stored.
import type { FastifyReply } from 'fastify';
import type { Redis } from 'ioredis';
import { ApiError } from './errors.js';

/**
 * KEYS: the tenant's bucket (its theoretical arrival time, ms)
 * ARGV: now|'', events, interval ms per event, burst (events)
 * Returns {1, 0} when taken, else {0, ms until the request would fit}.
 */
const TAKE = `
local now = tonumber(ARGV[1])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local n, interval, burst = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local next = tat + n * interval
local over = next - now - burst * interval
if over > 0 then return {0, math.ceil(over)} end
redis.call('SET', KEYS[1], next, 'PX', math.ceil(next - now) + 1000)
return {1, 0}
`;

export interface IngestShareOptions {
  /** Sustained events a second per tenant. */
  eventsPerSecond: number;
  /** Events a tenant may send at once (the bucket's size); a request larger than this is never admitted. */
  burstEvents: number;
  /** Test clock; default the Redis server's. */
  now?: () => number;
}

export interface IngestShare {
  /** Charges `events` to the tenant, or answers how long to wait (ms) before the request would fit. */
  take(tenantId: string, events: number): Promise<{ ok: true } | { ok: false; retryAfterMs: number }>;
}

interface ShareScripts {
  qboSyncIngestTake(...keysThenArgs: (string | number)[]): Promise<[number, number]>;
}

export function createIngestShare(redis: Redis, queuePrefix: string, opts: IngestShareOptions): IngestShare {
  redis.defineCommand('qboSyncIngestTake', { numberOfKeys: 1, lua: TAKE });
  const scripts = redis as unknown as ShareScripts;
  const base = queuePrefix.replace(/^\{/, '').replace(/\}$/, '');
  const interval = 1000 / opts.eventsPerSecond;
  return {
    async take(tenantId, events) {
      const [ok, wait] = await scripts.qboSyncIngestTake(
        `{${base}:t:${tenantId}}:ingest`,
        opts.now ? String(opts.now()) : '',
        events,
        interval,
        opts.burstEvents,
      );
      return ok === 1 ? { ok: true } : { ok: false, retryAfterMs: wait };
    },
  };
}

/** Takes the tenant's share for a request of `events`, or refuses it: 429 `tenant_rate_limited` with Retry-After. */
export async function takeIngestShare(
  share: IngestShare | undefined,
  reply: FastifyReply,
  tenantId: string,
  events: number,
  limits: { eventsPerSecond: number; burstEvents: number } | undefined,
): Promise<void> {
  if (!share || !limits) return;
  const got = await share.take(tenantId, events);
  if (got.ok) return;
  const seconds = Math.max(1, Math.ceil(got.retryAfterMs / 1000));
  reply.header('retry-after', String(seconds));
  throw new ApiError(
    429,
    'tenant_rate_limited',
    events > limits.burstEvents
      ? `A request may carry at most ${limits.burstEvents} events for this tenant; this one has ${events}. Split it. Nothing was stored.`
      : `This tenant is sending faster than its share (${limits.eventsPerSecond} events a second, ${limits.burstEvents} at once). Nothing was stored; send again after ${seconds} s (Retry-After).`,
  );
}
