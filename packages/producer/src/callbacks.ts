import { PRIORITY } from '@qbo-sync/contracts';
import type { Enqueue } from './replay.js';

/**
 * Arranges a callback run for a tenant: at most one waits per tenant (BullMQ deduplication by tenant id),
 * however many of its records change. A change made while the tenant's run is active — possibly after that
 * run's read — is kept by `keepLastIfActive` and queued when the run ends, so it is never dropped. The job id
 * names the change (or run) that asked; an id already present is a no-op, as everywhere in the catalogue.
 */
export async function arrangeCallbackRun(
  enqueue: Enqueue,
  tenantId: string,
  cause: { syncRecordId: number; statusVersion: number } | { after: string },
): Promise<void> {
  const jobId =
    'after' in cause
      ? `callback.deliver|${tenantId}|after|${cause.after}`
      : `callback.deliver|${tenantId}|${cause.syncRecordId}|${cause.statusVersion}`;
  await enqueue(
    'callback.deliver',
    { tenantId, ...('after' in cause ? {} : cause) },
    {
      jobId,
      priority: PRIORITY.live,
      deduplication: { id: tenantId, keepLastIfActive: true },
    },
  );
}
