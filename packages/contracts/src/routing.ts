import type { DomainEvent, EventType } from './events.js';
import { EVENT_ROUTES, type JobName, jobIdFor, PRIORITY, type SyncJobPayload } from './jobs.js';
import type { SyncEntityType } from './sync.js';

/** Which billing entity an event is about: its sync record is keyed by (tenant, entityType, entityId). */
export interface EventEntity {
  entityType: SyncEntityType;
  entityId: string;
}

/** Entity type per event type, for readers that only have the stored `type` column (e.g. inbox rows). */
export const EVENT_ENTITY_TYPES: Record<EventType, SyncEntityType> = {
  'invoice.sent': 'invoice',
  'invoice.updated': 'invoice',
  'invoice.voided': 'invoice',
  // A close-out is about its invoice; the payments it carries get their own sync records downstream.
  'job.closed_out': 'invoice',
  'payment.accepted': 'payment',
  'payment.voided': 'payment',
  'refund.issued': 'refund',
  'customer.updated': 'customer',
};

function assertNever(value: never): never {
  throw new Error(`unhandled event: ${JSON.stringify(value)}`);
}

export function eventEntity(event: DomainEvent): EventEntity {
  const entityType = EVENT_ENTITY_TYPES[event.type];
  switch (event.type) {
    case 'invoice.sent':
    case 'invoice.updated':
    case 'payment.accepted':
    case 'refund.issued':
    case 'customer.updated':
      return { entityType, entityId: event.data.id };
    case 'invoice.voided':
      return { entityType, entityId: event.data.invoiceId };
    case 'job.closed_out':
      return { entityType, entityId: event.data.invoice.id };
    case 'payment.voided':
      return { entityType, entityId: event.data.paymentId };
    default:
      return assertNever(event);
  }
}

/** Everything needed to queue an event: deterministic, so a redelivery or a sweep computes the same job. */
export interface EventRoute extends EventEntity {
  job: JobName;
  jobId: string;
  /** BullMQ priority: live events outrank backfill. */
  priority: number;
  payload: SyncJobPayload;
}

export function routeEvent(event: DomainEvent): EventRoute {
  const { entityType, entityId } = eventEntity(event);
  const job = EVENT_ROUTES[event.type];
  return {
    job,
    entityType,
    entityId,
    jobId: jobIdFor(job, { tenantId: event.tenantId, entityId, eventId: event.id }),
    priority: PRIORITY[event.source],
    payload: { tenantId: event.tenantId, eventId: event.id, entityId, source: event.source },
  };
}
