import { z } from 'zod';
import { Customer, Invoice, Payment, Refund } from './entities.js';
import { ExternalId, TenantId } from './ids.js';
import { unlessMissing } from './money.js';
import { nestingIssue } from './nesting.js';
import { hasUnsafeText, unsafeTextIssues } from './text.js';

/** How an event reached us: live events outrank backfill (bulk replays of history) in every queue. */
export const EventSource = z.enum(['live', 'backfill']);

function eventSchema<T extends string, D extends z.ZodType>(type: T, data: D) {
  return z.strictObject({
    /** Unique per tenant; the de-duplication key. */
    id: ExternalId,
    type: z.literal(type),
    version: z.literal(1),
    tenantId: TenantId,
    occurredAt: z.iso.datetime({ offset: true, error: unlessMissing('must be an ISO 8601 date-time with offset') }),
    source: EventSource.default('live'),
    data,
  });
}

export const InvoiceSentEvent = eventSchema('invoice.sent', Invoice);
export const InvoiceUpdatedEvent = eventSchema('invoice.updated', Invoice);
export const InvoiceVoidedEvent = eventSchema('invoice.voided', z.strictObject({ invoiceId: ExternalId }));
/** A completed job billed: its invoice plus the payments taken (deposits earlier, final payment now). */
export const JobClosedOutEvent = eventSchema(
  'job.closed_out',
  z.strictObject({ jobId: ExternalId, invoice: Invoice, payments: z.array(Payment).max(100).default([]) }),
);
export const PaymentAcceptedEvent = eventSchema('payment.accepted', Payment);
export const PaymentVoidedEvent = eventSchema(
  'payment.voided',
  z.strictObject({ paymentId: ExternalId, reason: z.enum(['voided', 'echeck_rejected']).default('voided') }),
);
export const RefundIssuedEvent = eventSchema('refund.issued', Refund);
export const CustomerUpdatedEvent = eventSchema('customer.updated', Customer);

export const DomainEvent = z.discriminatedUnion('type', [
  InvoiceSentEvent,
  InvoiceUpdatedEvent,
  InvoiceVoidedEvent,
  JobClosedOutEvent,
  PaymentAcceptedEvent,
  PaymentVoidedEvent,
  RefundIssuedEvent,
  CustomerUpdatedEvent,
]);

/** The schema of each event type, for per-type documents (JSON Schema, OpenAPI). */
export const EVENT_SCHEMAS = {
  'invoice.sent': InvoiceSentEvent,
  'invoice.updated': InvoiceUpdatedEvent,
  'invoice.voided': InvoiceVoidedEvent,
  'job.closed_out': JobClosedOutEvent,
  'payment.accepted': PaymentAcceptedEvent,
  'payment.voided': PaymentVoidedEvent,
  'refund.issued': RefundIssuedEvent,
  'customer.updated': CustomerUpdatedEvent,
} as const;

export type DomainEvent = z.infer<typeof DomainEvent>;
/** What a producer accepts: defaults (version-less `source`) not yet applied. */
export type DomainEventInput = z.input<typeof DomainEvent>;
export type EventType = DomainEvent['type'];
export type EventOf<T extends EventType> = Extract<DomainEvent, { type: T }>;

/** Supported schema versions per event type; anything else is rejected with this list in the message. */
export const SUPPORTED_EVENT_VERSIONS: Record<EventType, readonly number[]> = {
  'invoice.sent': [1],
  'invoice.updated': [1],
  'invoice.voided': [1],
  'job.closed_out': [1],
  'payment.accepted': [1],
  'payment.voided': [1],
  'refund.issued': [1],
  'customer.updated': [1],
};
export const EVENT_TYPES = Object.keys(SUPPORTED_EVENT_VERSIONS) as EventType[];

export interface ValidationIssue {
  /** Dotted path to the offending field, e.g. `data.lines.0.amount`; `(root)` for the event itself. */
  path: string;
  message: string;
}
/** Why an event was refused; stable codes an API client can branch on. */
export type EventRejectionCode = 'invalid_event' | 'unknown_event_type' | 'unsupported_event_version';
export type EventValidation =
  | { ok: true; event: DomainEvent }
  | { ok: false; code: EventRejectionCode; issues: ValidationIssue[] };

export function formatIssues(error: z.ZodError): ValidationIssue[] {
  return error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message }));
}

function describeInput(input: unknown): string {
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'an array';
  return typeof input;
}

/** Per-parse messages for what the schemas leave generic: missing fields and wrong JSON types. */
const eventErrorMap: z.core.$ZodErrorMap = (iss) => {
  if (iss.code === 'invalid_type') {
    if (iss.input === undefined) return 'is required';
    return `must be ${iss.expected === 'object' ? 'an object' : `a ${iss.expected}`}, got ${describeInput(iss.input)}`;
  }
  if (iss.code === 'unrecognized_keys') {
    return `unknown field${iss.keys.length > 1 ? 's' : ''} ${iss.keys.map((k) => `"${k}"`).join(', ')}; check the spelling or remove ${iss.keys.length > 1 ? 'them' : 'it'}`;
  }
  return undefined;
};

const EventHead = z.object({ type: z.string(), version: z.unknown().optional() });

/** How far ahead of our clock an occurredAt may be: newest wins, so a far-future time would freeze the entity. */
export const DEFAULT_MAX_FUTURE_SKEW_MS = 5 * 60_000;

export interface ValidateEventOptions {
  /** Our clock in ms (tests pass a fixed one); default Date.now(). */
  now?: number;
  /** Allowed clock skew for occurredAt; default 5 minutes (INGEST_MAX_FUTURE_SKEW_SECONDS). */
  maxFutureSkewMs?: number;
}

function describeSkew(ms: number): string {
  if (ms % 60_000 === 0) return `${ms / 60_000} minute${ms === 60_000 ? '' : 's'}`;
  return `${ms / 1000} seconds`;
}

function futureIssue(event: DomainEvent, opts: ValidateEventOptions): ValidationIssue | undefined {
  const now = opts.now ?? Date.now();
  const skew = opts.maxFutureSkewMs ?? DEFAULT_MAX_FUTURE_SKEW_MS;
  if (Date.parse(event.occurredAt) <= now + skew) return undefined;
  return {
    path: 'occurredAt',
    message: `is ${event.occurredAt}, more than ${describeSkew(skew)} after our clock (${new Date(now).toISOString()}); send the time the change happened, with its offset`,
  };
}

/**
 * Validates an incoming event. Unknown types and versions get a message listing what is supported,
 * rather than zod's generic union error. Text PostgreSQL cannot store and an occurredAt in the future are
 * refused too, and so is nesting deeper than MAX_NESTING_DEPTH (the clock is injectable through `opts`).
 */
export function validateEvent(input: unknown, opts: ValidateEventOptions = {}): EventValidation {
  // Before any recursive walk (zod, the text scan): a body nested thousands deep would overflow the stack.
  const tooDeep = nestingIssue(input);
  if (tooDeep) return { ok: false, code: 'invalid_event', issues: [tooDeep] };
  // Fast path for the common valid event: one schema parse and an allocation-free text scan. Anything
  // else takes the full path below, which yields the same issues in the same order as it always did.
  const quick = DomainEvent.safeParse(input, { error: eventErrorMap });
  if (
    quick.success &&
    SUPPORTED_EVENT_VERSIONS[quick.data.type].includes(quick.data.version) &&
    !hasUnsafeText(input)
  ) {
    const future = futureIssue(quick.data, opts);
    return future ? { ok: false, code: 'invalid_event', issues: [future] } : { ok: true, event: quick.data };
  }
  const head = EventHead.safeParse(input, { error: eventErrorMap });
  if (!head.success) return { ok: false, code: 'invalid_event', issues: formatIssues(head.error) };
  const unsafe = unsafeTextIssues(input);
  if (unsafe.length > 0) return { ok: false, code: 'invalid_event', issues: unsafe };
  const { type, version } = head.data;
  if (!Object.hasOwn(SUPPORTED_EVENT_VERSIONS, type)) {
    return {
      ok: false,
      code: 'unknown_event_type',
      issues: [{ path: 'type', message: `unknown event type "${type}"; supported: ${EVENT_TYPES.join(', ')}` }],
    };
  }
  const versions = SUPPORTED_EVENT_VERSIONS[type as EventType];
  if (typeof version !== 'number' || !versions.includes(version)) {
    const given = version === undefined ? 'is required' : `${JSON.stringify(version)} is not supported`;
    return {
      ok: false,
      code: 'unsupported_event_version',
      issues: [{ path: 'version', message: `version ${given} for ${type}; supported: ${versions.join(', ')}` }],
    };
  }
  const parsed = DomainEvent.safeParse(input, { error: eventErrorMap });
  if (!parsed.success) return { ok: false, code: 'invalid_event', issues: formatIssues(parsed.error) };
  const future = futureIssue(parsed.data, opts);
  return future ? { ok: false, code: 'invalid_event', issues: [future] } : { ok: true, event: parsed.data };
}
