// The worker's half of "PostgreSQL is the authority": once a run of an event's job ends for good, the inbox
// row says so (processed_at). An event without it is one the producer's sweep looks for in Redis and
// queues again if Redis lost its job.
import { SyncJobPayload } from '@qbo-sync/contracts';
import type { Database } from '@qbo-sync/db';
import { isConnectionFault } from '@qbo-sync/db/connection-faults';
import { markProcessed } from '@qbo-sync/db/repositories/inbox';
import type { Logger } from '@qbo-sync/observability';
import type { Job } from 'bullmq';
import { outcomeOfError } from './metrics/outcome.js';
import type { Processor } from './processors/types.js';
import { currentJobScope } from './sync/job-scope.js';

/** Marks the job's event processed (resume jobs name an event that is marked already: a no-op). */
export async function markJobEventProcessed(db: Database, data: unknown): Promise<void> {
  const payload = SyncJobPayload.safeParse(data);
  if (payload.success) await markProcessed(db, [{ tenantId: payload.data.tenantId, eventId: payload.data.eventId }]);
}

/**
 * The processor, marking the job's event processed when the run completes, or fails with no retry left.
 * The mark is part of the run: if it cannot be written the run fails and is retried (a re-run of a finished
 * sync is a no-op), so a completed job never leaves its event looking unfinished.
 */
export function markingProcessed(db: Database, processor: Processor, logger: Logger): Processor {
  return async (job: Job, token?: string) => {
    let result: string;
    try {
      result = await processor(job, token);
    } catch (err) {
      // A store outage is retried without spending an attempt (store-outage.ts), however many were spent.
      if (!isConnectionFault(err) && outcomeOfError(err, job) === 'failed') {
        // The failure is already in the sync record; the sweep finds the job failed in Redis if this is lost.
        await markJobEventProcessed(db, job.data).catch((markErr: unknown) =>
          logger.warn({ err: markErr, jobId: job.id }, 'could not mark a failed job event processed'),
        );
      }
      throw err;
    }
    // Single-entity syncs mark it with their outcome, in the same statement (one round trip fewer).
    if (!currentJobScope()?.eventProcessed) await markJobEventProcessed(db, job.data);
    return result;
  };
}
