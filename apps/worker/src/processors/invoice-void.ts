import { SyncJobPayload } from '@qbo-sync/contracts';
import type { SyncDeps } from '../sync/deps.js';
import { loadJob, runEntity } from '../sync/run.js';
import { INVOICE_VOID, voidInQbo } from '../sync/void.js';
import type { Processor } from './types.js';

/** invoice.voided: void the QBO invoice, or mark a never-synced one voided so it never syncs. */
export function invoiceVoidProcessor(deps: SyncDeps): Processor {
  return async (job, token) => {
    const payload = SyncJobPayload.parse(job.data);
    const { ctx } = await loadJob(deps, payload);
    const record = await runEntity(
      deps,
      ctx,
      { job, token },
      {
        entityType: 'invoice',
        externalId: payload.entityId,
        jobName: 'invoice.void',
        sync: (r) => voidInQbo(deps, ctx, r, INVOICE_VOID),
      },
    );
    return record.status;
  };
}
