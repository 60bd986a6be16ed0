import { SyncJobPayload } from '@qbo-sync/contracts';
import type { SyncDeps } from '../sync/deps.js';
import { voidPayment } from '../sync/payment.js';
import { loadJob, runEntity } from '../sync/run.js';
import type { Processor } from './types.js';

/** payment.voided (also a rejected eCheck): void the QBO payment. */
export function paymentVoidProcessor(deps: SyncDeps): Processor {
  return async (job, token) => {
    const payload = SyncJobPayload.parse(job.data);
    const { ctx } = await loadJob(deps, payload);
    const record = await runEntity(
      deps,
      ctx,
      { job, token },
      {
        entityType: 'payment',
        externalId: payload.entityId,
        jobName: 'payment.void',
        sync: (r) => voidPayment(deps, ctx, r),
      },
    );
    return record.status;
  };
}
