import { SyncJobPayload } from '@qbo-sync/contracts';
import { syncCustomer } from '../sync/customer-sync.js';
import type { SyncDeps } from '../sync/deps.js';
import { loadJob, runEntity, snapshotStep } from '../sync/run.js';
import type { Processor } from './types.js';

/** customer.updated: update the QBO customer (or find-or-create it). */
export function customerSyncProcessor(deps: SyncDeps): Processor {
  return async (job, token) => {
    const payload = SyncJobPayload.parse(job.data);
    const { ctx, event } = await loadJob(deps, payload);
    const record = await runEntity(
      deps,
      ctx,
      { job, token },
      {
        entityType: 'customer',
        externalId: payload.entityId,
        snapshot: snapshotStep(event, 'customer', payload.entityId),
        jobName: 'customer.sync',
        endsJob: true,
        sync: (r) => syncCustomer(deps, ctx, r),
      },
    );
    return record.status;
  };
}
