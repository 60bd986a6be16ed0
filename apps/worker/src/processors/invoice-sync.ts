import { SyncJobPayload } from '@qbo-sync/contracts';
import { queueDepositsOf } from '../sync/deposits.js';
import type { SyncDeps } from '../sync/deps.js';
import { syncInvoice } from '../sync/invoice.js';
import { loadJob, runEntity, snapshotStep } from '../sync/run.js';
import type { Processor } from './types.js';

/** invoice.sent / invoice.updated: post or update the QBO invoice, then queue the application of the job's deposits. */
export function invoiceSyncProcessor(deps: SyncDeps): Processor {
  return async (job, token) => {
    const payload = SyncJobPayload.parse(job.data);
    const { ctx, event, received: voidReceived, stateBeforeVoid } = await loadJob(deps, payload, 'invoice.voided');
    // Once voided, the invoice is decided on its newest state before the void (a draft then sent is posted and
    // voided, a draft only is not), whichever of its jobs runs first; a state after the void changes nothing.
    const decisive = voidReceived ? stateBeforeVoid : event;
    const record = await runEntity(
      deps,
      ctx,
      { job, token },
      {
        entityType: 'invoice',
        externalId: payload.entityId,
        snapshot: snapshotStep(decisive, 'invoice', payload.entityId),
        jobName: 'invoice.sync',
        endsJob: true,
        sync: (r) => syncInvoice(deps, ctx, r, { voidInInbox: voidReceived }),
        after: (r) => queueDepositsOf(deps, r),
      },
    );
    return record.status;
  };
}
