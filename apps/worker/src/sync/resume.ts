import { JOB_NAMES, type JobName, jobIdFor, PRIORITY } from '@qbo-sync/contracts';
import type { SyncRecordRow } from '@qbo-sync/db/repositories/sync-records';
import type { SyncDeps } from './deps.js';
import { DEFAULT_JOB } from './outcome.js';

const isJobName = (s: string | null): s is JobName => s !== null && (JOB_NAMES as readonly string[]).includes(s);

/** The job that resumes a record: the one that parked it, else its entity's sync job. */
export function resumeJobOf(record: SyncRecordRow): JobName | undefined {
  return isJobName(record.pendingJob) ? record.pendingJob : DEFAULT_JOB[record.entityType];
}

/** The parked state a resume is for: when the record last changed, or when a person asked to sync it. */
function stampOf(record: SyncRecordRow): number {
  return Math.max(record.updatedAt.getTime(), record.manualSyncRequestedAt?.getTime() ?? 0);
}

/**
 * Queues a parked record again. The job id carries the record's updatedAt, so repeated sweeps over an
 * unchanged parked record queue it once, while a record parked again later gets a fresh run.
 */
export async function enqueueResume(deps: Pick<SyncDeps, 'enqueue'>, record: SyncRecordRow): Promise<boolean> {
  const job = resumeJobOf(record);
  if (!job || job === 'callback.deliver') return false;
  const eventId = record.lastEventId ?? 'resume';
  const base = jobIdFor(job, { tenantId: record.tenantId, entityId: record.externalId, eventId });
  await deps.enqueue(
    job,
    { tenantId: record.tenantId, eventId, entityId: record.externalId, source: 'live' },
    { jobId: `${base}|resume-${stampOf(record)}`, priority: PRIORITY.replay },
  );
  return true;
}
