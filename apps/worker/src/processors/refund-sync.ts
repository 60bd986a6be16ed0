import { SyncJobPayload } from '@qbo-sync/contracts';
import type { SyncDeps } from '../sync/deps.js';
import { syncRefund } from '../sync/refund.js';
import { loadJob, runEntity, snapshotStep } from '../sync/run.js';
import type { Processor } from './types.js';

/** refund.issued: an A/R expense (Purchase) for the customer once the refunded payment is in QBO. */
export function refundSyncProcessor(deps: SyncDeps): Processor {
  return async (job, token) => {
    const payload = SyncJobPayload.parse(job.data);
    const { ctx, event } = await loadJob(deps, payload);
    const record = await runEntity(
      deps,
      ctx,
      { job, token },
      {
        entityType: 'refund',
        externalId: payload.entityId,
        snapshot: snapshotStep(event, 'refund', payload.entityId),
        jobName: 'refund.sync',
        endsJob: true,
        sync: (r) => syncRefund(deps, ctx, r),
      },
    );
    return record.status;
  };
}
