// Pure half of publishing: validation, tenant checks and the rows/jobs an event becomes. No I/O.
import {
  type DomainEvent,
  type EventRejectionCode,
  type EventRoute,
  JOB_NAMES,
  type JobName,
  PRIORITY,
  routeEvent,
  SyncJobPayload,
  type ValidateEventOptions,
  type ValidationIssue,
  validateEvent,
} from '@qbo-sync/contracts';
import type { InboxKey, InboxRow, NewInboxRow } from '@qbo-sync/db/repositories/inbox';

export type RejectionCode = EventRejectionCode | 'tenant_mismatch' | 'unknown_tenant';

interface Queued {
  id: string;
  tenantId: string;
  job: JobName;
  jobId: string;
  /** False when the event is stored but queueing failed or timed out: the sweep will queue it. */
  enqueued: boolean;
}
export type PublishResult =
  | ({ status: 'accepted' } & Queued)
  | ({ status: 'duplicate' } & Queued)
  | { status: 'rejected'; id: string | null; code: RejectionCode; errors: ValidationIssue[] };
export type RejectedResult = Extract<PublishResult, { status: 'rejected' }>;

export interface PreparedEvent {
  index: number;
  event: DomainEvent;
  route: EventRoute;
  key: InboxKey;
}

/** A job ready for BullMQ: what a fresh event or a stored-but-unqueued inbox row becomes. */
export interface QueuedJob {
  key: InboxKey;
  job: JobName;
  jobId: string;
  priority: number;
  payload: SyncJobPayload;
}

function idOf(input: unknown): string | null {
  if (input && typeof input === 'object' && 'id' in input && typeof input.id === 'string') return input.id;
  return null;
}

export function reject(input: unknown, code: RejectionCode, errors: ValidationIssue[]): RejectedResult {
  return { status: 'rejected', id: idOf(input), code, errors };
}

/**
 * Validates each input on its own. `tenantId` (the caller's authenticated tenant) must match the event's.
 * Returns a result for every rejected input and the prepared valid ones.
 */
export function prepareEvents(
  inputs: readonly unknown[],
  tenantId?: string,
  validation: ValidateEventOptions = {},
): { rejected: Map<number, RejectedResult>; valid: PreparedEvent[] } {
  const rejected = new Map<number, RejectedResult>();
  const valid: PreparedEvent[] = [];
  inputs.forEach((input, index) => {
    const result = validateEvent(input, validation);
    if (!result.ok) {
      rejected.set(index, reject(input, result.code, result.issues));
      return;
    }
    const { event } = result;
    if (tenantId !== undefined && event.tenantId !== tenantId) {
      rejected.set(
        index,
        reject(input, 'tenant_mismatch', [
          { path: 'tenantId', message: `must be "${tenantId}", the tenant of this API key; got "${event.tenantId}"` },
        ]),
      );
      return;
    }
    valid.push({ index, event, route: routeEvent(event), key: { tenantId: event.tenantId, eventId: event.id } });
  });
  return { rejected, valid };
}

export function unknownTenant(p: PreparedEvent): RejectedResult {
  return reject(p.event, 'unknown_tenant', [
    { path: 'tenantId', message: `tenant "${p.event.tenantId}" is not registered; create it first` },
  ]);
}

export function inboxRowOf(p: PreparedEvent): NewInboxRow {
  return {
    tenantId: p.event.tenantId,
    eventId: p.event.id,
    type: p.event.type,
    version: p.event.version,
    source: p.event.source,
    occurredAt: new Date(p.event.occurredAt),
    entityId: p.route.entityId,
    jobName: p.route.job,
    jobId: p.route.jobId,
    payload: p.event,
  };
}

export function jobOfEvent(p: PreparedEvent): QueuedJob {
  const { job, jobId, priority, payload } = p.route;
  return { key: p.key, job, jobId, priority, payload };
}

function isJobName(name: string): name is JobName {
  return (JOB_NAMES as readonly string[]).includes(name);
}

/** Rebuilds the job of a stored row from its columns (the sweep's path); parsed, since rows may be old. */
export function jobOfRow(row: InboxRow): QueuedJob {
  if (!isJobName(row.jobName))
    throw new Error(`inbox row ${row.tenantId}/${row.eventId} names unknown job "${row.jobName}"`);
  const payload = SyncJobPayload.parse({
    tenantId: row.tenantId,
    eventId: row.eventId,
    entityId: row.entityId,
    source: row.source,
  });
  return {
    key: { tenantId: row.tenantId, eventId: row.eventId },
    job: row.jobName,
    jobId: row.jobId,
    priority: PRIORITY[payload.source],
    payload,
  };
}
