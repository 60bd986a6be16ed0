import type { Job } from 'bullmq';
import type { Queues } from './catalogue.js';

// Every state a job can rest in (a paused queue keeps its jobs in 'wait'). Active jobs are locked by a worker and cannot be removed; they end by
// themselves (the worker no longer finds the tenant).
const RESTING_STATES = ['completed', 'failed', 'delayed', 'wait', 'prioritized', 'waiting-children'] as const;
const PAGE = 500;

const tenantOf = (job: Job | undefined): unknown => (job?.data as { tenantId?: unknown } | undefined)?.tenantId;

/**
 * Removes a tenant's jobs from every queue. Needed when a tenant is deleted: completed jobs are kept a day
 * for de-duplication by job id, so a tenant re-created under the same id would otherwise have its re-sent
 * events (new inbox rows) silently ignored by BullMQ. Returns how many jobs were removed.
 */
export async function removeTenantJobs(queues: Queues, tenantId: string): Promise<number> {
  let removed = 0;
  for (const queue of Object.values(queues)) {
    for (const state of RESTING_STATES) {
      // Removing shifts later jobs down, so page by what is left rather than by a fixed offset.
      let start = 0;
      for (;;) {
        const jobs = await queue.getJobs([state], start, start + PAGE - 1, true);
        if (jobs.length === 0) break;
        let kept = 0;
        for (const job of jobs) {
          if (tenantOf(job) === tenantId) {
            await job.remove();
            removed++;
          } else kept++;
        }
        start += kept;
        if (jobs.length < PAGE) break;
      }
    }
  }
  return removed;
}
