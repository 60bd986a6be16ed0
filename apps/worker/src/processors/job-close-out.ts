import { SyncJobPayload } from '@qbo-sync/contracts';
import { storeSnapshot } from '@qbo-sync/db/repositories/sync-records';
import { UnrecoverableError } from 'bullmq';
import { applyDepositsAfterInvoice } from '../sync/deposits-after-invoice.js';
import type { SyncDeps } from '../sync/deps.js';
import { syncInvoice } from '../sync/invoice.js';
import { syncPayment } from '../sync/payment.js';
import { loadJob, runEntity, snapshotStep } from '../sync/run.js';
import type { Processor } from './types.js';

/**
 * job.closed_out: store the invoice and payment snapshots, sync the invoice (which applies the job's
 * earlier deposits once it is in QBO), then each payment. A payment whose invoice could not sync parks
 * as `waiting` and runs when the invoice does.
 */
export function jobCloseOutProcessor(deps: SyncDeps): Processor {
  return async (job, token) => {
    const payload = SyncJobPayload.parse(job.data);
    const { ctx, event } = await loadJob(deps, payload);
    if (event?.type !== 'job.closed_out')
      throw new UnrecoverableError(`event ${payload.eventId} is not a stored job.closed_out`);
    const run = { job, token };
    const occurredAt = new Date(event.occurredAt);
    const paymentIds = event.data.payments.map((p) => p.id);
    // Payments first stored, so even if the invoice step throws they exist (and wait for it).
    for (const id of paymentIds) {
      const snap = snapshotStep(event, 'payment', id);
      if (snap)
        await storeSnapshot(
          deps.db,
          { tenantId: ctx.tenantId, entityType: 'payment', externalId: id },
          { snapshot: snap.data, occurredAt, eventId: event.id },
        );
    }
    const invoice = await runEntity(deps, ctx, run, {
      entityType: 'invoice',
      externalId: payload.entityId,
      snapshot: snapshotStep(event, 'invoice', payload.entityId),
      jobName: 'invoice.sync',
      sync: (r) => syncInvoice(deps, ctx, r),
      after: (r) => applyDepositsAfterInvoice(deps, ctx, r),
    });
    const statuses: string[] = [];
    for (const id of paymentIds) {
      const rec = await runEntity(deps, ctx, run, {
        entityType: 'payment',
        externalId: id,
        jobName: 'payment.sync',
        sync: (r) => syncPayment(deps, ctx, r),
      });
      statuses.push(rec.status);
    }
    // Payments of the close-out without an invoice id are the job's deposits: apply them now too.
    if (invoice.status === 'synced') await applyDepositsAfterInvoice(deps, ctx, invoice);
    return `invoice ${invoice.status}; payments ${statuses.join(', ') || 'none'}`;
  };
}
