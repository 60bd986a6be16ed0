// "Is everything synced?" for one tenant: counts from PostgreSQL, and for records unfinished for long, why,
// read from the job's state in its queue and the company's QBO budget in Redis.
import {
  EVENT_ENTITY_TYPES,
  EVENT_TYPES,
  JOB_NAMES,
  type JobName,
  type PendingReasonCode,
  type PendingRecord,
  SyncEntityType,
  SyncStatus,
  type SyncStatusCounts,
  type SyncSummaryResponse,
} from '@qbo-sync/contracts';
import { getConnection } from '@qbo-sync/db/repositories/connections';
import { type EventCatalogue, readSyncSummary, type StalledRow } from '@qbo-sync/db/repositories/sync-summary';
import { realmKeys } from '@qbo-sync/qbo-client';
import type { ApiDeps } from '../deps.js';

const LONG_PENDING_LIMIT = 20;
/** Where a record comes to rest as intended; anything else keeps allSynced false. */
const AT_REST_OK = new Set(['synced', 'skipped', 'voided']);

const CATALOGUE: EventCatalogue = {
  entityTypeOf: EVENT_ENTITY_TYPES,
  snapshotTypes: EVENT_TYPES.filter((t) => !t.endsWith('.voided')),
  voidTypes: EVENT_TYPES.filter((t) => t.endsWith('.voided')),
};

function emptyCounts(): SyncStatusCounts {
  return {
    total: 0,
    byStatus: Object.fromEntries(SyncStatus.options.map((s) => [s, 0])) as SyncStatusCounts['byStatus'],
  };
}

const seconds = (ms: number) => Math.max(0, Math.floor(ms / 1000));

interface Explanation {
  code: PendingReasonCode;
  reason: string;
  nextAttemptAt: Date | null;
}

/** What is holding one record: its dependency, or what its newest job is doing in the queue. */
async function explain(deps: ApiDeps, row: StalledRow, realmId: string | undefined): Promise<Explanation> {
  if (row.status === 'waiting') {
    const on = row.waitingFor?.replace(':', ' ') ?? 'another entity';
    return {
      code: 'waiting_for_dependency',
      reason: `Waits for ${on} to sync first; it continues by itself once that is synced.`,
      nextAttemptAt: null,
    };
  }
  if (!row.jobId || !row.jobName || !(JOB_NAMES as readonly string[]).includes(row.jobName)) {
    return {
      code: 'unknown',
      reason:
        "No event of its own is queued: it syncs as part of another entity's job (an invoice's customer, a " +
        "close-out's payment). If it stays like this, replay it from the sync console.",
      nextAttemptAt: null,
    };
  }
  if (!row.enqueuedAt) {
    const every = Math.ceil(deps.config.worker.sweepIntervalMs / 1000);
    return {
      code: 'not_enqueued',
      reason: `Received and stored, but not queued yet; the recovery sweep (every ${every} s) queues it.`,
      nextAttemptAt: null,
    };
  }
  const queue = deps.producer.queues[row.jobName as JobName];
  const job = await queue.getJob(row.jobId);
  if (!job) {
    return {
      code: 'job_missing',
      reason:
        'It was queued, but its job is no longer in the queue (for example Redis lost its data). The recovery ' +
        'sweep queues it again; replaying it from the sync console does so now.',
      nextAttemptAt: null,
    };
  }
  const state = await job.getState();
  if (state === 'active') return { code: 'running', reason: 'A worker is syncing it now.', nextAttemptAt: null };
  if (state === 'delayed') {
    const delayedKey = queue.keys.delayed;
    const score = delayedKey ? await deps.redis.zscore(delayedKey, row.jobId) : null;
    // BullMQ scores delayed jobs as timestamp * 0x1000 + a counter.
    const at = score === null ? null : new Date(Math.floor(Number(score) / 0x1000));
    const when = at ? ` It runs again at ${at.toISOString()}.` : '';
    if (realmId) {
      const keys = realmKeys(deps.config.queuePrefix, realmId);
      const rl = deps.config.qbo.rateLimit;
      const [cooldownMs, used] = await Promise.all([
        deps.redis.pttl(keys.cooldown),
        deps.redis.zcount(keys.window, Date.now() - rl.windowMs, '+inf'),
      ]);
      if (cooldownMs > 0) {
        return {
          code: 'deferred_qbo_throttled',
          reason: `QuickBooks asked us to slow down for this company (HTTP 429); the company's syncs pause.${when}`,
          nextAttemptAt: at,
        };
      }
      if (used >= rl.perWindow) {
        return {
          code: 'deferred_realm_budget',
          reason: `Queued behind this company's QuickBooks request budget (${rl.perWindow} requests per ${rl.windowMs / 1000} s, all in use).${when}`,
          nextAttemptAt: at,
        };
      }
    }
    return {
      code: 'deferred',
      reason:
        job.attemptsMade > 0
          ? `Attempt ${job.attemptsMade} hit a temporary error; it is retried automatically.${when}`
          : `It stepped aside (the company's QuickBooks budget was busy, or another job was updating the same record).${when}`,
      nextAttemptAt: at,
    };
  }
  if (state === 'waiting' || state === 'prioritized' || state === 'waiting-children') {
    const ahead = await queue.getJobCountByTypes('waiting', 'prioritized');
    return {
      code: 'queued',
      reason: `Queued; no worker has picked it up yet (${ahead} job${ahead === 1 ? '' : 's'} waiting in ${row.jobName}). If this lasts, check that the workers are running.`,
      nextAttemptAt: null,
    };
  }
  return {
    code: 'unknown',
    reason: `Its last job is ${state} but the record did not change. Replay it from the sync console.`,
    nextAttemptAt: null,
  };
}

export async function syncSummary(
  deps: ApiDeps,
  tenantId: string,
  pendingOlderThanSeconds: number,
): Promise<SyncSummaryResponse> {
  const nowMs = Date.now();
  const rows = await readSyncSummary(deps.db, tenantId, CATALOGUE, {
    stalledBefore: new Date(nowMs - pendingOlderThanSeconds * 1000),
    stalledLimit: LONG_PENDING_LIMIT,
  });

  const total = emptyCounts();
  const byEntityType = Object.fromEntries(SyncEntityType.options.map((t) => [t, emptyCounts()])) as Record<
    SyncEntityType,
    SyncStatusCounts
  >;
  for (const c of rows.counts) {
    const status = SyncStatus.safeParse(c.status);
    const type = SyncEntityType.safeParse(c.entityType);
    if (!status.success || !type.success) continue;
    for (const bucket of [total, byEntityType[type.data]]) {
      bucket.byStatus[status.data] += c.count;
      bucket.total += c.count;
    }
  }
  const allSynced =
    rows.outstandingEvents === 0 &&
    Object.entries(total.byStatus).every(([status, n]) => n === 0 || AT_REST_OK.has(status));

  const realmId = rows.stalled.length > 0 ? (await getConnection(deps.db, tenantId))?.realmId : undefined;
  const longPending: PendingRecord[] = [];
  for (const row of rows.stalled) {
    const type = SyncEntityType.safeParse(row.entityType);
    if (!type.success) continue;
    const why = await explain(deps, row, realmId);
    longPending.push({
      entityType: type.data,
      externalId: row.externalId,
      status: (row.status ?? 'pending') as PendingRecord['status'],
      since: row.since.toISOString(),
      ageSeconds: seconds(nowMs - row.since.getTime()),
      reasonCode: why.code,
      reason: why.reason,
      nextAttemptAt: why.nextAttemptAt?.toISOString() ?? null,
    });
  }

  const o = rows.oldestOutstanding;
  const oType = o ? SyncEntityType.safeParse(o.entityType) : undefined;
  return {
    tenantId,
    generatedAt: new Date(nowMs).toISOString(),
    allSynced,
    total,
    byEntityType,
    unsyncedEvents: rows.outstandingEvents,
    oldestUnsyncedEvent:
      o && oType?.success
        ? {
            eventId: o.eventId,
            type: o.type,
            entityType: oType.data,
            externalId: o.externalId,
            receivedAt: o.receivedAt.toISOString(),
            ageSeconds: seconds(nowMs - o.receivedAt.getTime()),
            status: SyncStatus.safeParse(o.recordStatus).data ?? 'pending',
            reasonCode: o.recordStatus ? o.reasonCode : 'awaiting_worker',
            reason: o.recordStatus
              ? o.reason
              : `Event ${o.eventId} (${o.type}) was received and is queued for syncing.`,
          }
        : null,
    pendingOlderThanSeconds,
    longPending,
  };
}
