// A PostgreSQL or Redis outage costs time, not syncs: a run that hits one steps aside (moved to delayed,
// no attempt spent, nothing written to its sync record) and runs again once the store is back.
import { isConnectionFault } from '@qbo-sync/db/connection-faults';
import type { Logger } from '@qbo-sync/observability';
import type { Job } from 'bullmq';
import type { Processor } from './processors/types.js';
import { defer } from './sync/step-aside.js';

/** How long a run waits before trying again during an outage; jitter spreads the jobs' return. */
export const OUTAGE_RETRY_MS = 2_000;

export function deferringOnStoreOutage(processor: Processor, logger: Logger): Processor {
  return async (job: Job, token?: string) => {
    try {
      return await processor(job, token);
    } catch (err) {
      if (!isConnectionFault(err)) throw err;
      logger.warn({ jobId: job.id, queue: job.queueName, err }, 'store unreachable; the job steps aside and retries');
      // If Redis is the store that is down this fails too: BullMQ then retakes the job once its lock lapses.
      // defer() tells the worker this job handed itself back (a lock renewal racing it is harmless).
      return defer({ job, token }, OUTAGE_RETRY_MS + Math.floor(Math.random() * OUTAGE_RETRY_MS), 'store_outage');
    }
  };
}
