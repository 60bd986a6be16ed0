import { SyncJobPayload } from '@qbo-sync/contracts';
import type { SyncDeps } from '../sync/deps.js';
import { syncPayment, voidTipReceipt } from '../sync/payment.js';
import { loadJob, runEntity } from '../sync/run.js';
import { PAYMENT_VOID, voidInQbo } from '../sync/void.js';
import type { Processor } from './types.js';

/** payment.voided (also a rejected eCheck): void the QBO payment; one not in QBO yet is posted and voided. */
export function paymentVoidProcessor(deps: SyncDeps): Processor {
  return async (job, token) => {
    const payload = SyncJobPayload.parse(job.data);
    const { ctx, event } = await loadJob(deps, payload);
    // A rejected eCheck keeps its reason in QBO's memo and in the record.
    const voidReason = event?.type === 'payment.voided' ? event.data.reason : 'voided';
    const record = await runEntity(
      deps,
      ctx,
      { job, token },
      {
        entityType: 'payment',
        externalId: payload.entityId,
        jobName: 'payment.void',
        endsJob: true,
        sync: async (r) => {
          const outcome = await voidInQbo(
            deps,
            ctx,
            r,
            PAYMENT_VOID,
            (rec) => syncPayment(deps, ctx, rec, { voidRequested: true, voidReason }),
            voidReason,
          );
          if (outcome.kind === 'voided') await voidTipReceipt(ctx, r);
          return outcome;
        },
      },
    );
    return record.status;
  };
}
