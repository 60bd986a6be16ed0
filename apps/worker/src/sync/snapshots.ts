import { createHash } from 'node:crypto';
import { Customer, type DomainEvent, Invoice, Payment, Refund, type SyncEntityType } from '@qbo-sync/contracts';
import { stableStringify } from '@qbo-sync/sync-core';

/**
 * The billing data an event carries for one entity. A close-out carries its invoice and payments (which
 * belong to the job even when they do not say so); voids carry none.
 */
export function snapshotFromEvent(event: DomainEvent, entityType: SyncEntityType, entityId: string): unknown {
  switch (event.type) {
    case 'invoice.sent':
    case 'invoice.updated':
      return entityType === 'invoice' && event.data.id === entityId ? event.data : undefined;
    case 'payment.accepted':
      return entityType === 'payment' && event.data.id === entityId ? event.data : undefined;
    case 'refund.issued':
      return entityType === 'refund' && event.data.id === entityId ? event.data : undefined;
    case 'customer.updated':
      return entityType === 'customer' && event.data.id === entityId ? event.data : undefined;
    case 'job.closed_out': {
      const { jobId, invoice, payments } = event.data;
      if (entityType === 'invoice' && invoice.id === entityId) return { ...invoice, jobId: invoice.jobId ?? jobId };
      const p = entityType === 'payment' ? payments.find((x) => x.id === entityId) : undefined;
      return p ? { ...p, jobId: p.jobId ?? jobId } : undefined;
    }
    case 'invoice.voided':
    case 'payment.voided':
      return undefined;
  }
}

export const parseInvoice = (s: unknown) => Invoice.parse(s);
export const parsePayment = (s: unknown) => Payment.parse(s);
export const parseRefund = (s: unknown) => Refund.parse(s);
export const parseCustomer = (s: unknown) => Customer.parse(s);

/** Hash of a snapshot: an unchanged re-delivery is recognised as already in QBO. */
export function snapshotHash(snapshot: unknown): string {
  return createHash('sha256').update(stableStringify(snapshot)).digest('hex').slice(0, 32);
}
