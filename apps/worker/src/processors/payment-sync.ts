import { SyncJobPayload } from '@qbo-sync/contracts';
import { queueDepositsOf } from '../sync/deposits.js';
import type { SyncDeps } from '../sync/deps.js';
import { syncPayment } from '../sync/payment.js';
import { loadJob, runEntity, snapshotStep } from '../sync/run.js';
import type { Processor } from './types.js';

/** payment.accepted: a payment linked to its invoice (waiting for it if needed) or an unapplied deposit. */
export function paymentSyncProcessor(deps: SyncDeps): Processor {
  return async (job, token) => {
    const payload = SyncJobPayload.parse(job.data);
    const { ctx, event, received: voidReceived } = await loadJob(deps, payload, 'payment.voided');
    const record = await runEntity(
      deps,
      ctx,
      { job, token },
      {
        entityType: 'payment',
        externalId: payload.entityId,
        snapshot: snapshotStep(event, 'payment', payload.entityId),
        jobName: 'payment.sync',
        endsJob: true,
        sync: (r) => syncPayment(deps, ctx, r, { voidInInbox: voidReceived }),
        // A deposit whose job's invoice is already in QBO is applied to it right away.
        after: (r) => queueDepositsOf(deps, r),
      },
    );
    return record.status;
  };
}
