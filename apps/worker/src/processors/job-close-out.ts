import { SyncJobPayload } from '@qbo-sync/contracts';
import { storeSnapshot } from '@qbo-sync/db/repositories/sync-records';
import { UnrecoverableError } from 'bullmq';
import { applyDepositsNow } from '../sync/deposits.js';
import type { SyncDeps } from '../sync/deps.js';
import { syncInvoice } from '../sync/invoice.js';
import { syncPayment } from '../sync/payment.js';
import { loadJob, runEntity, snapshotStep } from '../sync/run.js';
import type { Processor } from './types.js';

/**
 * job.closed_out: store the invoice and payment snapshots, sync the invoice, then the job's deposits and
 * their application to the invoice, then the other payments. A payment whose invoice could not sync parks
 * as `waiting` and runs when the invoice does; deposits not applied here are left to deposits.apply.
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
    });
    // The job's deposits (sent earlier, or carried here without an invoice id) are synced and applied
    // before the close-out's other payments: the oldest money settles the invoice first.
    const deposits = new Set(event.data.payments.filter((p) => !p.invoiceId).map((p) => p.id));
    const ordered = [...paymentIds.filter((id) => deposits.has(id)), ...paymentIds.filter((id) => !deposits.has(id))];
    const statuses = new Map<string, string>();
    let applied = false;
    for (const id of ordered) {
      if (!applied && !deposits.has(id)) {
        await applyDepositsNow(deps, ctx, event.data.jobId);
        applied = true;
      }
      const rec = await runEntity(deps, ctx, run, {
        entityType: 'payment',
        externalId: id,
        jobName: 'payment.sync',
        sync: (r) => syncPayment(deps, ctx, r),
      });
      statuses.set(id, rec.status);
    }
    if (!applied) await applyDepositsNow(deps, ctx, event.data.jobId);
    const paid = paymentIds.map((id) => statuses.get(id));
    return `invoice ${invoice.status}; payments ${paid.join(', ') || 'none'}`;
  };
}
