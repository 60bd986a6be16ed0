import { type JobName, type SyncEntityType, SyncJobPayload } from '@qbo-sync/contracts';
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

const ENTITY_OF: Partial<Record<JobName, SyncEntityType>> = {
  'customer.sync': 'customer',
  'invoice.sync': 'invoice',
  'invoice.void': 'invoice',
  'payment.sync': 'payment',
  'payment.void': 'payment',
  'refund.sync': 'refund',
};
// Only records the crashed job never finished; a parked or synced record already says where it stands.
const UNFINISHED = new Set(['pending', 'syncing']);
const SCAN = 100;

/**
 * BullMQ fails an over-stalled job inside Redis: no worker event fires and our processor never runs, so its
 * record would stay `pending` for ever. This finds such jobs, marks their records `failed` with a reason
 * support can act on (and a replay fixes), and removes the jobs so each is handled once.
 */
export async function recordStalledJobs(deps: SyncDeps, queues: Queues): Promise<number> {
  let handled = 0;
  for (const [name, queue] of Object.entries(queues) as [JobName, Queues[JobName]][]) {
    const failed = await queue.getJobs(['failed'], 0, SCAN - 1);
    for (const job of failed) {
      if (job.failedReason !== STALLED_REASON) continue;
      const entityType = ENTITY_OF[name];
      const payload = SyncJobPayload.safeParse(job.data);
      if (entityType && payload.success) await markCrashed(deps, name, entityType, payload.data, job.id);
      // Set aside for good (a replay runs it again): the inbox sweep must not queue it again.
      await markJobEventProcessed(deps.db, job.data);
      await job.remove();
      handled++;
    }
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
