// Small, bounded operational state in Redis that the overview reads: worker heartbeats (one hash, a field per
// process) and per-tenant deferral counters in 5-minute buckets that expire after an hour and a bit. Keys sit
// under the queue prefix; per-tenant keys carry the tenant's hash tag like the worker's entity locks.
import type { Redis } from 'ioredis';

/** A worker writes its heartbeat this often; the overview calls it stale after three missed beats. */
export const HEARTBEAT_INTERVAL_MS = 10_000;
export const HEARTBEAT_STALE_MS = 3 * HEARTBEAT_INTERVAL_MS;
/** Entries of processes gone this long are dropped by the reader (the hash stays small). */
const HEARTBEAT_FORGET_MS = 24 * 3600_000;
const BUCKET_MS = 5 * 60_000;
const BUCKETS_PER_HOUR = 12;

const base = (prefix: string) => prefix.replace(/^\{/, '').replace(/\}$/, '');
const heartbeatKey = (prefix: string) => `{${base(prefix)}}:workers`;
const deferralKey = (prefix: string, tenantId: string, bucket: number) =>
  `{${base(prefix)}:t:${tenantId}}:deferrals:${bucket}`;

export interface WorkerBeat {
  id: string;
  host: string;
  pid: number;
  startedAt: string;
  lastSeenAt: string;
  concurrency: number;
}

export async function writeHeartbeat(redis: Redis, prefix: string, beat: WorkerBeat): Promise<void> {
  await redis.hset(heartbeatKey(prefix), beat.id, JSON.stringify(beat));
}

export async function removeHeartbeat(redis: Redis, prefix: string, id: string): Promise<void> {
  await redis.hdel(heartbeatKey(prefix), id);
}

/** Every worker's last heartbeat; entries of processes gone for a day are removed. */
export async function readHeartbeats(redis: Redis, prefix: string, nowMs: number): Promise<WorkerBeat[]> {
  const all = await redis.hgetall(heartbeatKey(prefix));
  const beats: WorkerBeat[] = [];
  for (const [id, raw] of Object.entries(all)) {
    let beat: WorkerBeat | undefined;
    try {
      beat = JSON.parse(raw) as WorkerBeat;
    } catch {
      beat = undefined;
    }
    if (!beat || nowMs - Date.parse(beat.lastSeenAt) > HEARTBEAT_FORGET_MS) await redis.hdel(heartbeatKey(prefix), id);
    else beats.push(beat);
  }
  return beats.sort((a, b) => a.id.localeCompare(b.id));
}

/** Counts one deferral of a tenant's job (reason: realm_budget, qbo_throttled, entity_busy, …). */
export async function countTenantDeferral(
  redis: Redis,
  prefix: string,
  tenantId: string,
  reason: string,
  nowMs: number,
): Promise<void> {
  const bucket = Math.floor(nowMs / BUCKET_MS);
  const key = deferralKey(prefix, tenantId, bucket);
  await redis
    .multi()
    .hincrby(key, reason, 1)
    .pexpire(key, (BUCKETS_PER_HOUR + 1) * BUCKET_MS)
    .exec();
}

/** A tenant's deferrals by reason over the last hour (12 five-minute buckets). */
export async function tenantDeferralsLastHour(
  redis: Redis,
  prefix: string,
  tenantIds: readonly string[],
  nowMs: number,
): Promise<Map<string, Record<string, number>>> {
  const bucket = Math.floor(nowMs / BUCKET_MS);
  const pipeline = redis.pipeline();
  for (const t of tenantIds) {
    for (let i = 0; i < BUCKETS_PER_HOUR; i += 1) pipeline.hgetall(deferralKey(prefix, t, bucket - i));
  }
  const answers = (await pipeline.exec()) ?? [];
  const out = new Map<string, Record<string, number>>();
  tenantIds.forEach((t, ti) => {
    const sum: Record<string, number> = {};
    for (let i = 0; i < BUCKETS_PER_HOUR; i += 1) {
      const [, value] = answers[ti * BUCKETS_PER_HOUR + i] ?? [];
      for (const [reason, n] of Object.entries((value as Record<string, string> | null) ?? {})) {
        sum[reason] = (sum[reason] ?? 0) + Number(n);
      }
    }
    out.set(t, sum);
  });
  return out;
}
