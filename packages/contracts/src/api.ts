import { z } from 'zod';
import { DomainEvent } from './events.js';
import { ExternalId, TenantId } from './ids.js';
import { SyncEntityType, SyncStatus } from './sync.js';

// Bodies of the HTTP API. Types are inferred from these schemas and the OpenAPI document is generated
// from them (see json-schema.ts), so the docs cannot drift from what the server does.

/** Hard ceiling on events per batch request; the deployed limit (INGEST_MAX_BATCH) may be lower. */
export const MAX_BATCH_EVENTS = 1000;

export const Issue = z.object({
  path: z
    .string()
    .meta({ description: 'Dotted path to the field, e.g. `data.lines.0.amount`; `(root)` for the body.' }),
  message: z.string(),
});
export type Issue = z.infer<typeof Issue>;

/** Stable error codes of the ingest and status API; other areas (connect, admin) add their own. */
export const API_ERROR_CODES = [
  'invalid_json',
  'invalid_body',
  'invalid_request',
  'invalid_event',
  'unknown_event_type',
  'unsupported_event_version',
  'unsupported_media_type',
  'body_too_large',
  'batch_too_large',
  'missing_api_key',
  'invalid_api_key',
  'too_many_auth_failures',
  'missing_signature',
  'invalid_signature',
  'stale_timestamp',
  'tenant_mismatch',
  'tenant_rate_limited',
  'invalid_entity_type',
  'not_found',
  'invalid_url',
  'url_too_long',
  'headers_too_large',
  'request_timeout',
  'service_unavailable',
  'internal_error',
] as const;
export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

export const ErrorBody = z.object({
  error: z.object({
    code: z.string().meta({ description: `Stable machine code, e.g. ${API_ERROR_CODES.slice(0, 6).join(', ')}.` }),
    message: z.string().meta({ description: 'What was wrong and what to do about it.' }),
    issues: z.array(Issue).optional().meta({ description: 'Field-level reasons, one per problem found.' }),
    requestId: z.string().optional().meta({ description: 'Quote it when asking support.' }),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

export const EventStatus = z.enum(['accepted', 'duplicate', 'rejected']);
export type EventStatus = z.infer<typeof EventStatus>;

export const EventResult = z.object({
  id: z.string().nullable().meta({ description: 'The event id as sent; null when it was missing or not a string.' }),
  status: EventStatus.meta({
    description:
      'accepted: stored and queued. duplicate: this event id was already received for the tenant; nothing new was ' +
      'queued (safe to treat as success). rejected: not stored; see errors.',
  }),
  jobId: z.string().optional().meta({ description: 'Deterministic id of the sync job (accepted and duplicate).' }),
  code: z.string().optional().meta({ description: 'Why it was rejected, e.g. invalid_event, unknown_event_type.' }),
  errors: z.array(Issue).optional(),
});
export type EventResult = z.infer<typeof EventResult>;

/** What the server checks before looking at the events one by one. */
export const BatchEnvelope = z.strictObject({ events: z.array(z.unknown()).min(1, 'must hold at least one event') });

/** The documented request: the envelope whose events are domain events. */
export const BatchRequest = z.strictObject({ events: z.array(DomainEvent).min(1).max(MAX_BATCH_EVENTS) });
export type BatchRequest = z.input<typeof BatchRequest>;

export const BatchResponse = z.object({
  results: z.array(EventResult).meta({ description: 'One result per event, in request order.' }),
  summary: z.object({
    accepted: z.number().int().nonnegative(),
    duplicate: z.number().int().nonnegative(),
    rejected: z.number().int().nonnegative(),
  }),
});
export type BatchResponse = z.infer<typeof BatchResponse>;

export const SyncStatusParams = z.object({ entityType: SyncEntityType, externalId: ExternalId });

/** What changed in QuickBooks for a record in `drift` (also in callbacks' `details.drift`). */
export const DriftView = z.object({
  kind: z.enum(['deleted', 'voided', 'edited', 'unapplied']),
  changes: z.array(z.object({ field: z.string(), old: z.string().nullable(), new: z.string().nullable() })),
  noticedAt: z.iso.datetime(),
  action: z.enum(['heal', 'flag']).meta({ description: "heal: being put back by the tenant's drift policy." }),
});
export type DriftView = z.infer<typeof DriftView>;

export const SyncStatusResponse = z.object({
  tenantId: TenantId,
  entityType: SyncEntityType,
  externalId: z.string(),
  status: SyncStatus.meta({
    description: 'synced is green; needs_sync is gray; the rest carry reasonCode and reason.',
  }),
  qboId: z.string().nullable(),
  qboUrl: z.string().nullable().meta({ description: 'The "View in QuickBooks" link once synced.' }),
  docNumber: z.string().nullable(),
  reasonCode: z.string().nullable().meta({ description: 'Machine code for a non-green status.' }),
  reason: z.string().nullable().meta({ description: 'A sentence a support person can act on.' }),
  lastEventId: z.string().nullable(),
  syncedAt: z.iso.datetime().nullable(),
  updatedAt: z.iso.datetime(),
  drift: DriftView.nullable()
    .optional()
    .meta({ description: 'status drift: what changed in QuickBooks (field, old → new) and when.' }),
});
export type SyncStatusResponse = z.infer<typeof SyncStatusResponse>;

/** GET /v1/sync-status query: how long a record may sit pending/waiting before it is listed with a reason. */
export const SyncSummaryQuery = z.strictObject({
  pendingOlderThanSeconds: z.coerce
    .number()
    .int('must be a whole number of seconds')
    .min(0)
    .max(30 * 86_400)
    .default(300)
    .meta({ description: 'List pending/waiting records unfinished for longer than this (default 300).' }),
});
export type SyncSummaryQuery = z.infer<typeof SyncSummaryQuery>;

const Count = z.number().int().nonnegative();

export const SyncStatusCounts = z.object({
  total: Count,
  byStatus: z.record(SyncStatus, Count).meta({ description: 'Every status, 0 when none.' }),
});
export type SyncStatusCounts = z.infer<typeof SyncStatusCounts>;

/** Why a record is still pending (or waiting) after a while. */
export const PendingReasonCode = z.enum([
  'not_enqueued',
  'queued',
  'running',
  'deferred_realm_budget',
  'deferred_qbo_throttled',
  'deferred',
  'waiting_for_dependency',
  'job_missing',
  'unknown',
]);
export type PendingReasonCode = z.infer<typeof PendingReasonCode>;

export const PendingRecord = z.object({
  entityType: SyncEntityType,
  externalId: z.string(),
  status: SyncStatus.meta({ description: '`pending` (also before any worker touched it), `syncing` or `waiting`.' }),
  since: z.iso
    .datetime()
    .meta({ description: 'When it started waiting: its oldest unsynced event, or its last change.' }),
  ageSeconds: Count,
  reasonCode: PendingReasonCode,
  reason: z.string().meta({ description: 'A sentence saying why it has not synced yet and what happens next.' }),
  nextAttemptAt: z.iso.datetime().nullable().meta({ description: 'When a deferred job runs again, if known.' }),
});
export type PendingRecord = z.infer<typeof PendingRecord>;

export const UnsyncedEvent = z.object({
  eventId: z.string(),
  type: z.string(),
  entityType: SyncEntityType,
  externalId: z.string(),
  receivedAt: z.iso.datetime(),
  ageSeconds: Count,
  status: SyncStatus.meta({ description: "The entity's status now (`pending` before any worker touched it)." }),
  reasonCode: z.string().nullable(),
  reason: z.string().nullable(),
});
export type UnsyncedEvent = z.infer<typeof UnsyncedEvent>;

export const SyncSummaryResponse = z.object({
  tenantId: TenantId,
  generatedAt: z.iso.datetime(),
  allSynced: z.boolean().meta({
    description:
      'True when every event received has reached its sync record and every record is synced, skipped or voided.',
  }),
  total: SyncStatusCounts,
  byEntityType: z.record(SyncEntityType, SyncStatusCounts),
  unsyncedEvents: Count.meta({
    description: 'Events received whose entity is not yet synced, skipped, voided, failed or in conflict.',
  }),
  oldestUnsyncedEvent: UnsyncedEvent.nullable(),
  pendingOlderThanSeconds: Count,
  longPending: z
    .array(PendingRecord)
    .meta({ description: 'Up to 20 records pending, syncing or waiting for longer than the threshold, oldest first.' }),
});
export type SyncSummaryResponse = z.infer<typeof SyncSummaryResponse>;

export const HealthResponse = z.object({
  status: z.enum(['ok', 'degraded']),
  checks: z.record(z.string(), z.enum(['ok', 'failing'])),
});
export type HealthResponse = z.infer<typeof HealthResponse>;
