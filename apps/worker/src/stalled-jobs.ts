import { ENTITY_OF_JOB, type JobName, type SyncEntityType, SyncJobPayload } from '@qbo-sync/contracts';
import { ensureRecord, storeSnapshot } from '@qbo-sync/db/repositories/sync-records';
import { getTenant } from '@qbo-sync/db/repositories/tenants';
import type { Queues } from '@qbo-sync/producer';
import { markJobEventProcessed } from './inbox-processed.js';
import type { SyncDeps } from './sync/deps.js';
import { writeOutcome } from './sync/record-writer.js';
import { loadJob, snapshotStep } from './sync/run.js';

/** BullMQ's failedReason for a job caught by more crashes than maxStalledCount (set in its Lua script). */
export const STALLED_REASON = 'job stalled more than allowable limit';
export const WORKER_CRASHED = 'WORKER_CRASHED';

// Only records the crashed job never finished; a parked or synced record already says where it stands.
const UNFINISHED = new Set(['pending', 'syncing']);
const SCAN = 100;

/**
 * BullMQ fails an over-stalled job inside Redis: no worker event fires and our processor never runs, so its
 * record would stay `pending` for ever. This finds such jobs, marks their records `failed` with a reason
 * support can act on (and a replay fixes), and removes the jobs so each is handled once.
 *
 * The failed list also holds the syncs that ended failed, needs_mapping or conflict (failed on purpose so
 * bull-board shows them, see ended-unsynced.ts), so one page is not enough: each pass reads the failed jobs
 * newest first, page by page, down to those that had finished before the previous pass began (the first
 * pass reads them all). `scannedSince` keeps that mark per queue between passes.
 */
export async function recordStalledJobs(
  deps: SyncDeps,
  queues: Queues,
  scannedSince: Map<string, number> = new Map(),
): Promise<number> {
  let handled = 0;
  for (const [name, queue] of Object.entries(queues) as [JobName, Queues[JobName]][]) {
    const passStart = deps.now();
    // A margin for jobs finishing while the previous pass read its pages.
    const since = (scannedSince.get(name) ?? Number.NEGATIVE_INFINITY) - 60_000;
    const stalled: Awaited<ReturnType<typeof queue.getJobs>> = [];
    for (let start = 0; ; start += SCAN) {
      const page = await queue.getJobs(['failed'], start, start + SCAN - 1);
      stalled.push(...page.filter((job) => job.failedReason === STALLED_REASON));
      if (page.length < SCAN || page.some((job) => (job.finishedOn ?? 0) < since)) break;
    }
    for (const job of stalled) {
      const entityType = ENTITY_OF_JOB[name];
      const payload = SyncJobPayload.safeParse(job.data);
      if (entityType && payload.success) await markCrashed(deps, name, entityType, payload.data, job.id);
      // Set aside for good (a replay runs it again): the inbox sweep must not queue it again.
      await markJobEventProcessed(deps.db, job.data);
      await job.remove();
      handled++;
    }
    scannedSince.set(name, passStart);
  }
  return handled;
}

async function markCrashed(
  deps: SyncDeps,
  jobName: JobName,
  entityType: SyncEntityType,
  payload: SyncJobPayload,
  jobId: string | undefined,
): Promise<void> {
  const tenant = await getTenant(deps.db, payload.tenantId);
  if (!tenant) return; // deleted meanwhile: nothing to tell anyone
  const { ctx, event } = await loadJob(deps, payload);
  const key = { tenantId: payload.tenantId, entityType, externalId: payload.entityId };
  // Store the event's data as the processor would have, so a replay has something to post.
  const snap = snapshotStep(event, entityType, payload.entityId);
  const record = snap
    ? (await storeSnapshot(deps.db, key, { snapshot: snap.data, occurredAt: snap.occurredAt, eventId: snap.eventId }))
        .record
    : await ensureRecord(deps.db, key);
  if (!UNFINISHED.has(record.status)) return;
  await writeOutcome(
    deps,
    record,
    {
      kind: 'parked',
      status: 'failed',
      reasonCode: WORKER_CRASHED,
      reason:
        'A worker process stopped several times while syncing this (crashes or restarts), so it was set aside. ' +
        'Nothing was posted twice. Replay it; if it stops the worker again, send the worker logs to engineering.',
    },
    { jobId, eventId: payload.eventId, attempt: 1, startedAt: new Date(deps.now()), jobName },
    ctx.settings.callbackUrl,
  );
  deps.logger.warn({ tenantId: payload.tenantId, entityType, externalId: payload.entityId, jobId }, 'job stalled out');
}
