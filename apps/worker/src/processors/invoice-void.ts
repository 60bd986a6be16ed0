import { SyncJobPayload } from '@qbo-sync/contracts';
import type { SyncDeps } from '../sync/deps.js';
import { voidInvoice } from '../sync/invoice.js';
import { loadJob, runEntity } from '../sync/run.js';
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
        sync: (r) => voidInvoice(deps, ctx, r),
      },
    );
    return record.status;
  };
}
