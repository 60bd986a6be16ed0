import {
  type CompanyLoad,
  JOB_NAMES,
  type OverviewResponse,
  type QueueJobCounts,
  type SyncStatus,
  type TenantAttention,
} from '@qbo-sync/contracts';
import { outcomesPerBucket } from '@qbo-sync/db/repositories/attempts';
import { inboxBacklog } from '@qbo-sync/db/repositories/inbox';
import { listConnectionStatuses, tenantsNeedingAttention } from '@qbo-sync/db/repositories/sync-records-admin';
import { HEARTBEAT_STALE_MS, readHeartbeats, tenantDeferralsLastHour } from '@qbo-sync/producer';
import { realmKeys } from '@qbo-sync/qbo-client';
import type { FastifyPluginAsync } from 'fastify';
import { requireAdmin } from '../admin/auth.js';
import { adminErrors, adminSecurity } from '../admin/docs.js';
import { connectionStatusName } from '../admin/views.js';
import type { ApiDeps, RouteOptions } from '../deps.js';
import { docsOnlySchemas, response } from './schema-docs.js';

type Health = OverviewResponse['health']['api'];

/** Times a store's round trip; a failure is reported, never thrown (the overview must render in an outage). */
async function probe(check: () => Promise<unknown>): Promise<Health> {
  const started = performance.now();
  try {
    await check();
    return { status: 'ok', latencyMs: Math.round((performance.now() - started) * 10) / 10, error: null };
  } catch (err) {
    return { status: 'down', latencyMs: null, error: err instanceof Error ? err.message : String(err) };
  }
}

/** Reads that may fail while a store is down answer an empty value instead. */
async function orEmpty<T>(read: () => Promise<T>, empty: T): Promise<T> {
  try {
    return await read();
  } catch {
    return empty;
  }
}

async function queueCounts(deps: ApiDeps): Promise<QueueJobCounts[]> {
  return Promise.all(
    JOB_NAMES.map(async (queue) => {
      const c = await deps.producer.queues[queue].getJobCounts(
        'waiting',
        'prioritized',
        'active',
        'delayed',
        'failed',
        'completed',
      );
      return {
        queue,
        waiting: c['waiting'] ?? 0,
        prioritized: c['prioritized'] ?? 0,
        active: c['active'] ?? 0,
        delayed: c['delayed'] ?? 0,
        failed: c['failed'] ?? 0,
        completed: c['completed'] ?? 0,
      };
    }),
  );
}

/** Each connected company's request budget now (the limiter's Redis keys), QBO pause and last hour's deferrals. */
async function companies(deps: ApiDeps, nowMs: number): Promise<CompanyLoad[]> {
  const connections = await listConnectionStatuses(deps.db);
  const { perWindow, windowMs, maxConcurrent } = deps.config.qbo.rateLimit;
  const deferrals = await tenantDeferralsLastHour(
    deps.redis,
    deps.config.queuePrefix,
    connections.map((c) => c.tenantId),
    nowMs,
  );
  const pipeline = deps.redis.pipeline();
  for (const c of connections) {
    const k = realmKeys(deps.config.queuePrefix, c.realmId);
    pipeline.zcount(k.window, nowMs - windowMs, '+inf');
    pipeline.zcount(k.leases, nowMs, '+inf');
    pipeline.pttl(k.cooldown);
  }
  const answers = (await pipeline.exec()) ?? [];
  return connections.map((c, i) => {
    const num = (j: number) => Number(answers[i * 3 + j]?.[1] ?? 0);
    const pauseMs = num(2);
    const byReason = deferrals.get(c.tenantId) ?? {};
    const status = connectionStatusName(c.status);
    return {
      tenantId: c.tenantId,
      realmId: c.realmId,
      connection: status === 'not_connected' ? 'disconnected' : status,
      budget: {
        used: num(0),
        limit: perWindow,
        windowSeconds: Math.round(windowMs / 1000),
        inFlight: Math.min(num(1), maxConcurrent),
      },
      throttlesLastHour: byReason['qbo_throttled'] ?? 0,
      deferralsLastHour: byReason,
      pausedUntil: pauseMs > 0 ? new Date(nowMs + pauseMs).toISOString() : null,
    };
  });
}

async function attention(deps: ApiDeps): Promise<TenantAttention[]> {
  const rows = await tenantsNeedingAttention(deps.db);
  const byTenant = new Map<string, TenantAttention>();
  for (const r of rows) {
    const t = byTenant.get(r.tenantId) ?? { tenantId: r.tenantId, total: 0, retrying: 0, reasons: [] };
    if (r.status === null) t.retrying += r.n;
    else {
      t.total += r.n;
      t.reasons.push({ status: r.status as SyncStatus, reasonCode: r.reasonCode, count: r.n });
    }
    byTenant.set(r.tenantId, t);
  }
  return [...byTenant.values()]
    .map((t) => ({ ...t, total: t.total + t.retrying, reasons: t.reasons.sort((a, b) => b.count - a.count) }))
    .sort((a, b) => b.total - a.total);
}

/** GET /admin/overview — everything the console's overview page shows, in one answer (OverviewResponse). */
export const adminOverviewRoutes: FastifyPluginAsync<RouteOptions> = async (app, { deps }) => {
  docsOnlySchemas(app);
  app.addHook('onRequest', requireAdmin(deps));
  app.get(
    '/admin/overview',
    {
      schema: {
        tags: ['operations'],
        security: adminSecurity,
        summary: 'Health, backlog, throughput, companies and tenants needing attention',
        description:
          'Health of this API, PostgreSQL, Redis and every worker (heartbeats); backlog (inbox events not yet ' +
          'processed, the oldest one’s age, jobs per queue and state); synced and failed per minute over the last ' +
          'hour and per 15 minutes over the last day (sync attempts); per connected company the request budget ' +
          'used now, QBO throttles and deferrals over the last hour and a QBO pause; tenants with records needing ' +
          'attention by reason. A store that is down is reported as such, and what depends on it is empty.',
        response: { 200: response('The overview.', 'OverviewResponse'), ...adminErrors() },
      },
    },
    async () => {
      const nowMs = (deps.now ?? Date.now)();
      const [postgres, redis] = await Promise.all([
        probe(() => deps.db.execute('select 1')),
        probe(() => deps.redis.ping()),
      ]);
      const pgUp = postgres.status === 'ok';
      const redisUp = redis.status === 'ok';
      const hour = new Date(nowMs - 3600_000);
      const day = new Date(nowMs - 24 * 3600_000);
      const [beats, backlog, queues, lastHour, lastDay, loads, needs] = await Promise.all([
        redisUp ? orEmpty(() => readHeartbeats(deps.redis, deps.config.queuePrefix, nowMs), []) : [],
        pgUp
          ? orEmpty(() => inboxBacklog(deps.db), { unprocessed: 0, oldestAgeSeconds: 0 })
          : { unprocessed: 0, oldestAgeSeconds: 0 },
        redisUp ? orEmpty(() => queueCounts(deps), []) : [],
        pgUp ? orEmpty(() => outcomesPerBucket(deps.db, hour, 60), []) : [],
        pgUp ? orEmpty(() => outcomesPerBucket(deps.db, day, 900), []) : [],
        pgUp && redisUp ? orEmpty(() => companies(deps, nowMs), []) : [],
        pgUp ? orEmpty(() => attention(deps), []) : [],
      ]);
      const series = (points: typeof lastHour, bucketSeconds: number) => ({
        bucketSeconds,
        points: points.map((p) => ({ at: p.at.toISOString(), synced: p.synced, failed: p.failed })),
      });
      const out: OverviewResponse = {
        generatedAt: new Date(nowMs).toISOString(),
        health: {
          api: { status: 'ok', latencyMs: 0, error: null },
          postgres,
          redis,
          workers: beats.map((b) => ({
            ...b,
            status: nowMs - Date.parse(b.lastSeenAt) > HEARTBEAT_STALE_MS ? 'stale' : 'ok',
          })),
        },
        backlog: {
          inboxUnprocessed: backlog.unprocessed,
          oldestUnprocessedAgeSeconds: backlog.oldestAgeSeconds,
          queues,
        },
        throughput: { lastHour: series(lastHour, 60), lastDay: series(lastDay, 900) },
        companies: loads,
        attention: needs,
      };
      return out;
    },
  );
};
