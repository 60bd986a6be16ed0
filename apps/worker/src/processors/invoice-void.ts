import { SyncJobPayload } from '@qbo-sync/contracts';
import type { SyncDeps } from '../sync/deps.js';
import { syncInvoice } from '../sync/invoice.js';
import { loadJob, runEntity, snapshotStep } from '../sync/run.js';
import { INVOICE_VOID, voidInQbo } from '../sync/void.js';
import type { Processor } from './types.js';

/** invoice.voided: void the QBO invoice; one not in QBO yet is posted and voided (or only marked, by setting). */
export function invoiceVoidProcessor(deps: SyncDeps): Processor {
  return async (job, token) => {
    const payload = SyncJobPayload.parse(job.data);
    const { ctx, stateBeforeVoid } = await loadJob(deps, payload, 'invoice.voided');
    const record = await runEntity(
      deps,
      ctx,
      { job, token },
      {
        entityType: 'invoice',
        externalId: payload.entityId,
        // The newest state received that happened before the void, even if its own job has not run yet:
        // the void decides on it (a draft is never posted; a sent invoice is posted and voided).
        snapshot: snapshotStep(stateBeforeVoid, 'invoice', payload.entityId),
        jobName: 'invoice.void',
        endsJob: true,
        sync: (r) =>
          voidInQbo(deps, ctx, r, INVOICE_VOID, (rec) => syncInvoice(deps, ctx, rec, { voidRequested: true })),
      },
    );
    return record.status;
  };
}
