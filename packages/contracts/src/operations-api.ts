import { z } from 'zod';
import { JOB_NAMES } from './jobs.js';
import { SyncEntityType, SyncStatus } from './sync.js';

// Bodies of the operations side of the admin API: operators and their roles, the audit log, search, failures
// grouped by reason and the overview. The console and the CLI render these; types come from the schemas.

const isoDateTime = z.iso.datetime({ offset: true });

/** Error codes of these routes and of the role checks, on top of the admin API's. */
export const ADMIN_OPERATION_ERROR_CODES = ['role_forbidden', 'operator_exists', 'operator_not_found'] as const;

/**
 * What an operator may do. read_only: look (GET) only; support: also replay, map and run manual syncs;
 * admin: everything, including tenants, connections and operators.
 */
export const OperatorRole = z.enum(['read_only', 'support', 'admin']);
export type OperatorRole = z.infer<typeof OperatorRole>;

/** An operator's name: a person's handle or e-mail, unique among operators not revoked. */
export const OperatorName = z
  .string()
  .trim()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,99}$/,
    'must be 1-100 letters, digits or . _ @ + - (starting with a letter or digit), e.g. alice or alice@example.com',
  );

/**
 * Who made a request. `id` is null for the shared ADMIN_TOKEN (name "admin-token") and for development
 * requests from this machine without ADMIN_TOKEN (name "local"): both act as admin.
 */
export const OperatorIdentity = z.object({
  id: z.number().int().positive().nullable(),
  name: z.string(),
  role: OperatorRole,
});
export type OperatorIdentity = z.infer<typeof OperatorIdentity>;

export const WhoAmIResponse = z.object({ operator: OperatorIdentity });
export type WhoAmIResponse = z.infer<typeof WhoAmIResponse>;

export const OperatorView = z.object({
  id: z.number().int().positive(),
  name: z.string(),
  role: OperatorRole,
  tokenPrefix: z.string().meta({ description: 'The first characters of the token, to tell tokens apart.' }),
  createdBy: z.string().meta({ description: 'The operator who created it.' }),
  createdAt: isoDateTime,
  lastUsedAt: isoDateTime.nullable(),
  revokedAt: isoDateTime.nullable(),
});
export type OperatorView = z.infer<typeof OperatorView>;

export const CreateOperatorBody = z.strictObject({ name: OperatorName, role: OperatorRole });
export type CreateOperatorBody = z.input<typeof CreateOperatorBody>;

export const CreateOperatorResponse = z.object({
  operator: OperatorView,
  token: z.string().meta({
    description: 'Shown once; only a hash is stored. Send it as Authorization: Bearer <token>, or sign in at /console.',
  }),
});
export type CreateOperatorResponse = z.infer<typeof CreateOperatorResponse>;

export const OperatorListResponse = z.object({ operators: z.array(OperatorView) });
export type OperatorListResponse = z.infer<typeof OperatorListResponse>;

export const RevokeOperatorResponse = z.object({ operator: OperatorView });
export type RevokeOperatorResponse = z.infer<typeof RevokeOperatorResponse>;

/** The note a person gives for a bulk action (required) or a single one (optional); kept in the audit log. */
export const AuditNote = z
  .string()
  .trim()
  .min(3, 'must say why, in at least 3 characters')
  .max(1000, 'must be at most 1000 characters');

/** Every action the audit log records. */
export const AuditAction = z.enum([
  'record.replay',
  'record.drift_accept',
  'record.drift_push',
  'records.replay',
  'records.manual_sync',
  'mapping.set',
  'mapping.remove',
  'tenant.create',
  'tenant.settings',
  'tenant.rotate_key',
  'tenant.rotate_secret',
  'tenant.connect',
  'tenant.disconnect',
  'tenant.delete',
  'tenant.cdc_sweep',
  'operator.create',
  'operator.revoke',
]);
export type AuditAction = z.infer<typeof AuditAction>;

export const AuditEntryView = z.object({
  id: z.number().int().positive(),
  at: isoDateTime,
  actor: z.object({ id: z.number().int().positive().nullable(), name: z.string(), role: OperatorRole }),
  action: AuditAction,
  tenantId: z.string().nullable(),
  target: z
    .record(z.string(), z.unknown())
    .nullable()
    .meta({ description: 'What was acted on: the filter of a bulk action, the record, mapping or operator.' }),
  count: z.number().int().nonnegative().nullable().meta({ description: 'How many records it queued or changed.' }),
  note: z.string().nullable(),
  result: z.enum(['started', 'ok', 'failed']).meta({
    description: 'started: written before the action and not finished (the process stopped, or it is running).',
  }),
  error: z.string().nullable(),
  requestId: z.string().nullable(),
});
export type AuditEntryView = z.infer<typeof AuditEntryView>;

export const AuditQuery = z.strictObject({
  tenantId: z.string().max(63).optional(),
  actor: z.string().max(100).optional().meta({ description: 'Operator name.' }),
  action: AuditAction.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(40).optional().meta({ description: 'nextCursor of the previous page.' }),
});

export const AuditListResponse = z.object({
  entries: z.array(AuditEntryView).meta({ description: 'Newest first.' }),
  nextCursor: z.string().optional(),
});
export type AuditListResponse = z.infer<typeof AuditListResponse>;

/**
 * A record being retried after a transient QuickBooks fault (5xx, timeout, no answer): its status stays what
 * it was (e.g. pending) and this says which attempt failed, why, and when BullMQ tries again.
 */
export const RetryState = z.object({
  attempt: z.number().int().positive().meta({ description: 'The attempt that failed (1 = the first run).' }),
  maxAttempts: z.number().int().positive(),
  faultCode: z.string(),
  reason: z.string(),
  nextTryAt: isoDateTime.nullable().meta({ description: 'When BullMQ runs it again (about; backoff).' }),
  at: isoDateTime.meta({ description: 'When the attempt failed.' }),
});
export type RetryState = z.infer<typeof RetryState>;

export const RecordSearchQuery = z.strictObject({
  q: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(200)
    .meta({ description: 'A billing id, document number, QBO id, event id, customer e-mail, or customer name words.' }),
  tenantId: z.string().max(63).optional().meta({ description: 'Only this tenant (default: every tenant).' }),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const FailureGroupQuery = z.strictObject({
  tenantId: z.string().max(63).optional(),
});

export const FailureGroup = z.object({
  status: SyncStatus,
  reasonCode: z.string().nullable(),
  reason: z.string().nullable().meta({ description: 'The reason of the most recent record in the group.' }),
  count: z.number().int().positive(),
  tenants: z.number().int().positive().meta({ description: 'How many tenants have records in the group.' }),
  entityTypes: z.array(SyncEntityType),
  firstSeen: isoDateTime.meta({ description: 'The oldest last change among the group’s records.' }),
  lastSeen: isoDateTime,
});
export type FailureGroup = z.infer<typeof FailureGroup>;

export const FailureGroupsResponse = z.object({
  groups: z
    .array(FailureGroup)
    .meta({ description: 'failed, needs_mapping, conflict, needs_reconnect; biggest first.' }),
});
export type FailureGroupsResponse = z.infer<typeof FailureGroupsResponse>;

const Health = z.object({
  status: z.enum(['ok', 'down']),
  latencyMs: z.number().nonnegative().nullable(),
  error: z.string().nullable(),
});

export const WorkerHeartbeat = z.object({
  id: z.string().meta({ description: 'host:pid of the worker process.' }),
  host: z.string(),
  pid: z.number().int(),
  startedAt: isoDateTime,
  lastSeenAt: isoDateTime,
  status: z.enum(['ok', 'stale']).meta({ description: 'stale: no heartbeat for 3 intervals (stopped or stuck).' }),
  concurrency: z.number().int().positive(),
});
export type WorkerHeartbeat = z.infer<typeof WorkerHeartbeat>;

export const QueueJobCounts = z.object({
  queue: z.enum(JOB_NAMES),
  waiting: z.number().int().nonnegative(),
  prioritized: z.number().int().nonnegative(),
  active: z.number().int().nonnegative(),
  delayed: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  completed: z.number().int().nonnegative(),
});
export type QueueJobCounts = z.infer<typeof QueueJobCounts>;

export const ThroughputSeries = z.object({
  bucketSeconds: z.number().int().positive(),
  points: z.array(
    z.object({
      at: isoDateTime.meta({ description: 'Start of the bucket.' }),
      synced: z.number().int().nonnegative(),
      failed: z.number().int().nonnegative(),
    }),
  ),
});
export type ThroughputSeries = z.infer<typeof ThroughputSeries>;

export const CompanyLoad = z.object({
  tenantId: z.string(),
  realmId: z.string(),
  connection: z.enum(['active', 'needs_reconnect', 'disconnected']),
  budget: z.object({
    used: z.number().int().nonnegative().meta({ description: 'QBO requests counted in the current window.' }),
    limit: z.number().int().positive(),
    windowSeconds: z.number().int().positive(),
    inFlight: z.number().int().nonnegative(),
  }),
  throttlesLastHour: z.number().int().nonnegative().meta({ description: 'QBO 429 answers.' }),
  deferralsLastHour: z.record(z.string(), z.number().int().nonnegative()).meta({ description: 'By reason.' }),
  pausedUntil: isoDateTime.nullable().meta({ description: 'QBO asked us to wait (429) until then.' }),
});
export type CompanyLoad = z.infer<typeof CompanyLoad>;

export const TenantAttention = z.object({
  tenantId: z.string(),
  total: z.number().int().positive(),
  retrying: z.number().int().nonnegative(),
  reasons: z.array(z.object({ status: SyncStatus, reasonCode: z.string().nullable(), count: z.number().int() })),
});
export type TenantAttention = z.infer<typeof TenantAttention>;

export const OverviewResponse = z.object({
  generatedAt: isoDateTime,
  health: z.object({
    api: Health,
    postgres: Health,
    redis: Health,
    workers: z.array(WorkerHeartbeat),
  }),
  backlog: z.object({
    inboxUnprocessed: z.number().int().nonnegative(),
    oldestUnprocessedAgeSeconds: z.number().nonnegative(),
    queues: z.array(QueueJobCounts),
  }),
  throughput: z.object({
    lastHour: ThroughputSeries.meta({ description: 'Per minute.' }),
    lastDay: ThroughputSeries.meta({ description: 'Per 15 minutes.' }),
  }),
  companies: z.array(CompanyLoad),
  attention: z.array(TenantAttention).meta({ description: 'Tenants with failed, parked or retrying records.' }),
});
export type OverviewResponse = z.infer<typeof OverviewResponse>;

export const OPERATIONS_COMPONENTS: Record<string, z.ZodType> = {
  WhoAmIResponse,
  OperatorView,
  CreateOperatorRequest: CreateOperatorBody,
  CreateOperatorResponse,
  OperatorListResponse,
  RevokeOperatorResponse,
  AuditListResponse,
  FailureGroupsResponse,
  OverviewResponse,
};
