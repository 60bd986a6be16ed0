import { z } from 'zod';
import type { EventType } from './events.js';
import { EventSource } from './events.js';
import { ExternalId, TenantId } from './ids.js';

/** Every queue lives under this hash-tagged prefix so a Redis Cluster keeps each queue's keys in one slot. */
export const DEFAULT_QUEUE_PREFIX = '{qbo-sync}';

/** One queue and one processor per job type. */
export const JOB_NAMES = [
  'customer.sync',
  'invoice.sync',
  'invoice.void',
  'payment.sync',
  'payment.void',
  'refund.sync',
  'job.close-out',
  /** Applies a billing job's deposits to its invoice once both are in QBO (entityId: the billing job id). */
  'deposits.apply',
  'callback.deliver',
] as const;
export type JobName = (typeof JOB_NAMES)[number];

/**
 * Payload of every sync job. The job names the event; the event itself (and the entity snapshot)
 * lives in PostgreSQL, the source of truth, so Redis stays small and a replay reads current data.
 */
export const SyncJobPayload = z.object({
  tenantId: TenantId,
  eventId: ExternalId,
  entityId: ExternalId,
  source: EventSource,
});
export type SyncJobPayload = z.infer<typeof SyncJobPayload>;

/**
 * A tenant's callback run: it delivers every status version of the tenant not yet announced, so one job
 * serves many changes. The change that arranged the run is named for logs only (older jobs carry it too).
 */
export const CallbackJobPayload = z.object({
  tenantId: TenantId,
  /** sync_records.id and status version of the change that arranged this run (informational). */
  syncRecordId: z.number().int().positive().optional(),
  statusVersion: z.number().int().nonnegative().optional(),
});
export type CallbackJobPayload = z.infer<typeof CallbackJobPayload>;

/** Which job an event becomes, and which entity id it is about. */
export const EVENT_ROUTES: Record<EventType, JobName> = {
  'invoice.sent': 'invoice.sync',
  'invoice.updated': 'invoice.sync',
  'invoice.voided': 'invoice.void',
  'job.closed_out': 'job.close-out',
  'payment.accepted': 'payment.sync',
  'payment.voided': 'payment.void',
  'refund.issued': 'refund.sync',
  'customer.updated': 'customer.sync',
};

/** BullMQ priorities: a lower number runs first. */
export const PRIORITY = { live: 1, backfill: 10, replay: 5 } as const;

/**
 * Deterministic job id: the same event for the same entity is queued once. Parts are URI-encoded so
 * the separator (and BullMQ's reserved ':') can never appear inside a part.
 */
export function jobIdFor(job: JobName, parts: { tenantId: string; entityId: string; eventId: string }): string {
  return [job, parts.tenantId, parts.entityId, parts.eventId].map(encodeURIComponent).join('|');
}

/**
 * The typed job catalogue: each job name's payload schema. Parse before `queue.add` and again in the
 * worker — Redis keeps payloads across deploys.
 */
export const JOB_PAYLOAD_SCHEMAS = {
  'customer.sync': SyncJobPayload,
  'invoice.sync': SyncJobPayload,
  'invoice.void': SyncJobPayload,
  'payment.sync': SyncJobPayload,
  'payment.void': SyncJobPayload,
  'refund.sync': SyncJobPayload,
  'job.close-out': SyncJobPayload,
  'deposits.apply': SyncJobPayload,
  'callback.deliver': CallbackJobPayload,
} as const satisfies Record<JobName, z.ZodType>;
export type JobPayload<K extends JobName> = z.infer<(typeof JOB_PAYLOAD_SCHEMAS)[K]>;

/** The entity a single-entity sync job is about (its payload's entityId is that entity's billing id). */
export const ENTITY_OF_JOB: Partial<Record<JobName, 'customer' | 'invoice' | 'payment' | 'refund'>> = {
  'customer.sync': 'customer',
  'invoice.sync': 'invoice',
  'invoice.void': 'invoice',
  'payment.sync': 'payment',
  'payment.void': 'payment',
  'refund.sync': 'refund',
};

/** Where the console shows one record (its timeline): shared by the console, bull-board links and job errors. */
export function consoleRecordPath(key: { tenantId: string; entityType: string; externalId: string }): string {
  const seg = encodeURIComponent;
  return `/console/records/${seg(key.tenantId)}/${seg(key.entityType)}/${seg(key.externalId)}`;
}
