import { createHash } from 'node:crypto';
import { Customer, type DomainEvent, Invoice, Payment, Refund, type SyncEntityType } from '@qbo-sync/contracts';
import { stableStringify } from '@qbo-sync/sync-core';

/**
 * Snapshots taken from a parsed event, by entity type. An event reaches snapshotFromEvent only as the output
 * of DomainEvent's parse (loadJob), whose data schemas are these entities' own (no transforms but an
 * idempotent trim and defaults), so the record's snapshot (the same value, see storeSnapshot) needs no second
 * parse in the same run. A snapshot read back from the database (a resume, another run) is parsed as before.
 */
const fromParsedEvent = new WeakMap<object, SyncEntityType>();

function parsedAs<T>(entityType: SyncEntityType, data: T): T {
  if (typeof data === 'object' && data !== null) fromParsedEvent.set(data, entityType);
  return data;
}

/**
 * The billing data an event carries for one entity. A close-out carries its invoice and payments (which
 * belong to the job even when they do not say so); voids carry none.
 */
export function snapshotFromEvent(event: DomainEvent, entityType: SyncEntityType, entityId: string): unknown {
  switch (event.type) {
    case 'invoice.sent':
    case 'invoice.updated':
      return entityType === 'invoice' && event.data.id === entityId ? parsedAs('invoice', event.data) : undefined;
    case 'payment.accepted':
      return entityType === 'payment' && event.data.id === entityId ? parsedAs('payment', event.data) : undefined;
    case 'refund.issued':
      return entityType === 'refund' && event.data.id === entityId ? parsedAs('refund', event.data) : undefined;
    case 'customer.updated':
      return entityType === 'customer' && event.data.id === entityId ? parsedAs('customer', event.data) : undefined;
    case 'job.closed_out': {
      const { jobId, invoice, payments } = event.data;
      // The job id is an ExternalId like the entities' own jobId: the result is still a valid entity.
      if (entityType === 'invoice' && invoice.id === entityId)
        return parsedAs('invoice', { ...invoice, jobId: invoice.jobId ?? jobId });
      const p = entityType === 'payment' ? payments.find((x) => x.id === entityId) : undefined;
      return p ? parsedAs('payment', { ...p, jobId: p.jobId ?? jobId }) : undefined;
    }
    case 'invoice.voided':
    case 'payment.voided':
      return undefined;
  }
}

/** `schema.parse(s)`, unless `s` is this run's snapshot of a parsed event (see fromParsedEvent). */
function parseSnapshot<T>(entityType: SyncEntityType, schema: { parse(s: unknown): T }, s: unknown): T {
  if (typeof s === 'object' && s !== null && fromParsedEvent.get(s) === entityType) return s as T;
  return schema.parse(s);
}

export const parseInvoice = (s: unknown): Invoice => parseSnapshot('invoice', Invoice, s);
export const parsePayment = (s: unknown): Payment => parseSnapshot('payment', Payment, s);
export const parseRefund = (s: unknown): Refund => parseSnapshot('refund', Refund, s);
export const parseCustomer = (s: unknown): Customer => parseSnapshot('customer', Customer, s);

/** Hash of a snapshot: an unchanged re-delivery is recognised as already in QBO. */
export function snapshotHash(snapshot: unknown): string {
  return createHash('sha256').update(stableStringify(snapshot)).digest('hex').slice(0, 32);
}
