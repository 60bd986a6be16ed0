// Release pacing: a company's jobs reach BullMQ's waiting list only when its QBO budget will have room for
// them. Each job is added with a delay: the next release slot of its tenant, computed ahead by the same
// sliding-window rule the realm budget admits requests by (packages/qbo-client limiter). A flood of one
// tenant therefore waits in BullMQ's delayed set, spread over the minutes its budget needs, instead of
// cycling waiting → active → deferred in front of every other tenant's work.
import { PRIORITY } from '@qbo-sync/contracts';
import type { Redis } from 'ioredis';

/**
 * Schedules `count` release slots in a lane and returns each slot's delay from now (ms). Slots are kept in
 * time order in a list (the last max(perWindow, burstPer) of them); a new slot is the earliest time t, not before the lane's
 * last slot, such that no window of `windowMs` ending at t holds `perWindow` slots and no window of
 * `burstMs` holds `burstPer` (and, once that short window is full, spaced burstMs / burstPer apart). A live reservation also appends as many slots to the bulk lane (KEYS[2]): the
 * budget live work takes is no longer there for backfills and replays, whose later releases move back.
 *
 * KEYS: lane list, bulk lane list (same as KEYS[1] for the bulk lane itself)
 * ARGV: now|'', count, perWindow, windowMs, burstPer (0 = off), burstMs
 */
const RESERVE = `
local now = tonumber(ARGV[1])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local n = tonumber(ARGV[2])
local P, W, B, BW = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local keep = P
if B > keep then keep = B end

-- Reads only the entries the n new slots are compared with (the P-th and B-th before each, and the last).
local function load(key, arr, old, from, to)
  if from < 0 then from = 0 end
  if to > old - 1 then to = old - 1 end
  if from > to then return end
  local got = redis.call('LRANGE', key, from, to)
  for i = 1, #got do arr[from + i] = tonumber(got[i]) end
end

local function schedule(key)
  local old = redis.call('LLEN', key)
  local arr = {}
  load(key, arr, old, old - P, old - P + n - 1)
  if B > 0 then load(key, arr, old, old - B, old - B + n - 1) end
  load(key, arr, old, old - 1, old - 1)
  local len = old
  local out = {}
  for i = 1, n do
    local t = now
    if len > 0 and arr[len] > t then t = arr[len] end
    if len >= P then
      local c = arr[len - P + 1] + W
      if c > t then t = c end
    end
    if B > 0 and len >= B then
      local c = arr[len - B + 1] + BW
      if c > t then t = c end
      -- In a flood (the short window is full) releases are spread evenly, not B at once per window: the
      -- budget counts requests from their answer, and a clump answers late.
      if arr[len - B + 1] + BW > now then
        local even = arr[len] + math.ceil(BW / B)
        if even > t then t = even end
      end
    end
    len = len + 1
    arr[len] = t
    out[i] = t
  end
  for i = 1, n, 500 do
    redis.call('RPUSH', key, unpack(out, i, math.min(i + 499, n)))
  end
  if len > keep then redis.call('LTRIM', key, -keep, -1) end
  redis.call('PEXPIRE', key, arr[len] - now + W + 1000)
  return out
end

local slots = schedule(KEYS[1])
if KEYS[2] ~= KEYS[1] then schedule(KEYS[2]) end
local delays = {}
for i = 1, n do delays[i] = slots[i] - now end
return delays
`;

/** Live events (priority live) have their own lane; backfills, replays and resumes share the bulk lane. */
export type ReleaseLane = 'live' | 'bulk';

export const laneOfPriority = (priority: number | undefined): ReleaseLane =>
  priority === undefined || priority <= PRIORITY.live ? 'live' : 'bulk';

export interface ReleasePacingOptions {
  /** The company budget the worker's realm limiter admits by (config.qbo.rateLimit). */
  perWindow: number;
  windowMs: number;
  /** The short window (QBO's 10 a second); 0 = off. */
  burstPerSecond: number;
  /** Its length (default 1000; tests scale it with the minute). */
  burstWindowMs?: number;
  /**
   * Added to both windows: the limiter counts a request from when QBO answered, so a job released exactly
   * one window after another would find it still in the window for the length of its request. Default 200.
   */
  slackMs?: number;
  /** Test clock; by default the Redis server's clock. */
  now?: () => number;
}

export interface ReleasePacer {
  /** Delays (ms from now) for `count` jobs of a tenant in a lane, in order; reserves their slots. */
  reserve(tenantId: string, lane: ReleaseLane, count: number): Promise<number[]>;
}

interface PacerScripts {
  qboSyncReleaseReserve(...keysThenArgs: (string | number)[]): Promise<number[]>;
}

/** The tenant's lane keys, hash-tagged per tenant like its entity locks (`{qbo-sync:t:<tenant>}:…`). */
export function releaseKeys(queuePrefix: string, tenantId: string): Record<ReleaseLane, string> {
  const base = queuePrefix.replace(/^\{/, '').replace(/\}$/, '');
  const tag = `{${base}:t:${tenantId}}`;
  return { live: `${tag}:release:live`, bulk: `${tag}:release:bulk` };
}

export function createReleasePacer(redis: Redis, queuePrefix: string, opts: ReleasePacingOptions): ReleasePacer {
  redis.defineCommand('qboSyncReleaseReserve', { numberOfKeys: 2, lua: RESERVE });
  const scripts = redis as unknown as PacerScripts;
  const slack = opts.slackMs ?? 200;
  return {
    async reserve(tenantId, lane, count) {
      if (count <= 0) return [];
      const keys = releaseKeys(queuePrefix, tenantId);
      const delays = await scripts.qboSyncReleaseReserve(
        keys[lane],
        keys.bulk,
        opts.now ? String(opts.now()) : '',
        count,
        opts.perWindow,
        opts.windowMs + slack,
        opts.burstPerSecond,
        (opts.burstWindowMs ?? 1000) + slack,
      );
      return delays.map(Number);
    },
  };
}

/**
 * The pacing options for a budget as config gives it (`config.qbo.rateLimit`, `config.qbo.releasePacing`).
 * The short window is the limiter's own (8 a second against Intuit); without one (the local sandbox) only the
 * window paces: the concurrency cap is not a rate (a cap of 8 read as 8 a second held a sandbox company to a
 * sixth of its budget, and every deferral pushed the lane 150 ms further: chaos-short no longer settled).
 */
export function pacingOfBudget(
  rateLimit: { perWindow: number; windowMs: number; burstPerSecond: number },
  releasePacing: { slackMs: number } | undefined,
): ReleasePacingOptions | undefined {
  if (!releasePacing) return undefined;
  const { perWindow, windowMs, burstPerSecond } = rateLimit;
  return { perWindow, windowMs, burstPerSecond, slackMs: releasePacing.slackMs };
}
