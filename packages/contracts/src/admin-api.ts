import { z } from 'zod';
import { ExternalId, TenantId } from './ids.js';
import { ADMIN_OPERATION_ERROR_CODES, AuditNote, OPERATIONS_COMPONENTS, RetryState } from './operations-api.js';
import { MappingKind, SyncEntityType, SyncStatus, TenantSettings } from './sync.js';

// Bodies of the admin and support API (operators, support staff, the CLI). Types come from these schemas and
// the OpenAPI components are generated from them (adminOpenApiSchemas), like the ingest API's.

/** Stable error codes of the admin API, on top of the ingest API's (invalid_json, not_found, ...). */
export const ADMIN_API_ERROR_CODES = [
  'admin_auth_required',
  'invalid_admin_token',
  'admin_loopback_only',
  'cross_origin_refused',
  'invalid_request',
  'invalid_cursor',
  'tenant_exists',
  'tenant_not_found',
  'record_not_found',
  'mapping_not_found',
  'not_connected',
  'needs_reconnect',
  'qbo_error',
  'qbo_unavailable',
  'nothing_to_replay',
  'no_drift',
  'cannot_push_voided',
  ...ADMIN_OPERATION_ERROR_CODES,
] as const;
export type AdminApiErrorCode = (typeof ADMIN_API_ERROR_CODES)[number];

const isoDateTime = z.iso.datetime({ offset: true });

/** A point in time in a query or body: an ISO 8601 date-time, or a date (midnight UTC). */
export const DateParam = z
  .union([isoDateTime, z.iso.date()])
  .transform((s) => new Date(s.length === 10 ? `${s}T00:00:00Z` : s))
  .meta({ description: 'ISO 8601 date-time (e.g. 2025-03-01T00:00:00Z) or date (2025-03-01 = midnight UTC).' });

/** `from` must come before `to` when both are given. */
function rangeInOrder(v: { from?: Date | undefined; to?: Date | undefined }): boolean {
  return !v.from || !v.to || v.from.getTime() < v.to.getTime();
}
const RANGE_MESSAGE = { message: 'must be later than from', path: ['to'] };

const settingsShape = TenantSettings.shape;
/**
 * Part of TenantSettings: the keys given are validated and merged; the others keep their stored values (no
 * defaults are filled in). `satisfies` makes a new TenantSettings key a compile error here until it is added.
 */
export const TenantSettingsPatch = z.strictObject({
  autoSync: settingsShape.autoSync.removeDefault().optional(),
  autoSyncPayments: settingsShape.autoSyncPayments.removeDefault().optional(),
  customerMatch: settingsShape.customerMatch.removeDefault().optional(),
  createMissingItems: settingsShape.createMissingItems.removeDefault().optional(),
  representatives: settingsShape.representatives.removeDefault().optional(),
  voidsBeforeSync: settingsShape.voidsBeforeSync.removeDefault().optional(),
  inactiveQboCustomers: settingsShape.inactiveQboCustomers.removeDefault().optional(),
  callbackUrl: settingsShape.callbackUrl,
  driftPolicy: settingsShape.driftPolicy.removeDefault().optional(),
} satisfies { [K in keyof typeof settingsShape]: z.ZodType });
export type TenantSettingsPatch = z.infer<typeof TenantSettingsPatch>;

export const CreateTenantBody = z.strictObject({
  id: TenantId,
  name: z.string().trim().min(1, 'must not be empty').max(200),
  settings: TenantSettingsPatch.optional(),
});
export type CreateTenantBody = z.input<typeof CreateTenantBody>;

export const ConnectionStatusName = z.enum(['active', 'needs_reconnect', 'disconnected', 'not_connected']);
export type ConnectionStatusName = z.infer<typeof ConnectionStatusName>;

export const ConnectionView = z.object({
  status: ConnectionStatusName,
  realmId: z.string().nullable().meta({ description: 'The QuickBooks company id.' }),
  reason: z.string().nullable().meta({ description: 'What to do when the status is not active.' }),
  accessTokenExpiresAt: isoDateTime.nullable(),
  refreshTokenExpiresAt: isoDateTime.nullable(),
  lastRefreshedAt: isoDateTime.nullable(),
});
export type ConnectionView = z.infer<typeof ConnectionView>;

export const TenantView = z.object({
  id: TenantId,
  name: z.string(),
  apiKeyPrefix: z.string().meta({ description: 'The first characters of the current API key, to tell keys apart.' }),
  settings: TenantSettings,
  createdAt: isoDateTime,
  updatedAt: isoDateTime,
});
export type TenantView = z.infer<typeof TenantView>;

export const TenantSummary = TenantView.extend({
  connection: z.object({ status: ConnectionStatusName, realmId: z.string().nullable() }),
});
export type TenantSummary = z.infer<typeof TenantSummary>;

export const CreateTenantResponse = z.object({
  tenant: TenantView,
  apiKey: z.string().meta({ description: 'Shown once; only a hash is stored.' }),
  signingSecret: z.string().meta({ description: 'Shown once; signs requests and verifies callbacks.' }),
});
export type CreateTenantResponse = z.infer<typeof CreateTenantResponse>;

export const TenantListResponse = z.object({ tenants: z.array(TenantSummary) });
export type TenantListResponse = z.infer<typeof TenantListResponse>;

export const TenantDetailResponse = TenantView.extend({
  connection: ConnectionView,
  counts: z.record(SyncStatus, z.number().int().nonnegative()).meta({ description: 'Sync records by status.' }),
  retrying: z
    .number()
    .int()
    .nonnegative()
    .meta({ description: 'Records being retried after a transient QuickBooks fault (their status is unchanged).' }),
});
export type TenantDetailResponse = z.infer<typeof TenantDetailResponse>;

export const RotateKeyResponse = z.object({
  apiKey: z.string().meta({ description: 'The new key, shown once; the old one stopped working.' }),
  apiKeyPrefix: z.string(),
});
export type RotateKeyResponse = z.infer<typeof RotateKeyResponse>;

export const RotateSecretResponse = z.object({
  signingSecret: z.string().meta({
    description: 'The new signing secret, shown once; requests and callbacks are signed with it from now on.',
  }),
});
export type RotateSecretResponse = z.infer<typeof RotateSecretResponse>;

export const ConnectResponse = z.object({
  authorizeUrl: z.url().meta({ description: 'Open it in a browser signed in to QuickBooks; it works once.' }),
  expiresInSeconds: z.number().int().positive(),
});
export type ConnectResponse = z.infer<typeof ConnectResponse>;

export const DisconnectResponse = z.object({
  status: z.literal('disconnected'),
  revokedAtIntuit: z.boolean().meta({ description: 'False when Intuit could not be reached; we stop anyway.' }),
});
export type DisconnectResponse = z.infer<typeof DisconnectResponse>;

export const DeleteTenantResponse = z.object({
  deleted: z.literal(true),
  revokedAtIntuit: z.boolean().meta({
    description: 'Whether the QuickBooks grant was revoked at Intuit first (false when not connected or unreachable).',
  }),
});
export type DeleteTenantResponse = z.infer<typeof DeleteTenantResponse>;

export const MappingView = z.object({
  kind: MappingKind,
  key: z.string().meta({ description: 'The billing-side key (item id, currency code, tax code name, ...).' }),
  qboId: z.string(),
  qboName: z.string().nullable(),
  updatedAt: isoDateTime,
});
export type MappingView = z.infer<typeof MappingView>;

export const MappingListQuery = z.strictObject({ kind: MappingKind.optional() });
export const MappingListResponse = z.object({ mappings: z.array(MappingView) });
export type MappingListResponse = z.infer<typeof MappingListResponse>;

export const MappingKey = z
  .string()
  .min(1, 'must not be empty')
  .max(200, 'must be at most 200 characters')
  .regex(/^[^\p{Cc}]+$/u, 'must not contain control characters');

export const UpsertMappingBody = z.strictObject({
  qboId: z.string().trim().min(1, 'must not be empty').max(64),
  qboName: z.string().max(500).optional(),
});
export type UpsertMappingBody = z.input<typeof UpsertMappingBody>;

export const UpsertMappingResponse = z.object({
  mapping: MappingView,
  resumed: z.number().int().nonnegative().meta({ description: 'Syncs parked as needs_mapping queued again.' }),
});
export type UpsertMappingResponse = z.infer<typeof UpsertMappingResponse>;

export const QboListName = z.enum(['items', 'accounts', 'payment-methods', 'tax-codes', 'customers']);
export type QboListName = z.infer<typeof QboListName>;

export const QboListQuery = z.strictObject({
  q: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(100, 'must be at most 100 characters')
    .optional()
    .meta({ description: 'customers only: part of the display name or e-mail (case-insensitive).' }),
});

export const QboListResponse = z.object({
  items: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      type: z.string().optional(),
      active: z.boolean().meta({
        description: 'false: inactive in QuickBooks (QuickBooks renamed it "… (deleted)"); mapping it parks syncs.',
      }),
      email: z.string().optional().meta({ description: 'customers: the primary e-mail.' }),
    }),
  ),
});
export type QboListResponse = z.infer<typeof QboListResponse>;

export const SyncRecordQuery = z
  .strictObject({
    status: SyncStatus.optional(),
    entityType: SyncEntityType.optional(),
    from: DateParam.optional(),
    to: DateParam.optional(),
    retrying: z
      .enum(['true', 'false'])
      .transform((v) => v === 'true')
      .optional()
      .meta({ description: 'true: only records being retried after a transient fault; false: none of them.' }),
    q: z.string().trim().min(1).max(200).optional().meta({ description: 'Search words, as in /admin/records/search.' }),
    limit: z.coerce.number().int().min(1).max(500).default(50),
    cursor: z.string().max(200).optional().meta({ description: 'nextCursor of the previous page.' }),
  })
  .refine(rangeInOrder, RANGE_MESSAGE);

export const SyncRecordView = z.object({
  tenantId: TenantId,
  entityType: SyncEntityType,
  externalId: z.string(),
  status: SyncStatus,
  reasonCode: z.string().nullable(),
  reason: z.string().nullable().meta({ description: 'Why, in words a support person can act on.' }),
  details: z.unknown().meta({ description: 'needs_mapping: the missing keys; waiting: what it waits for.' }),
  qboId: z.string().nullable(),
  qboUrl: z.string().nullable().meta({ description: '"View in QuickBooks".' }),
  docNumber: z.string().nullable(),
  attempts: z.number().int().nonnegative(),
  lastEventId: z.string().nullable(),
  pendingJob: z.string().nullable(),
  waitingFor: z.string().nullable(),
  manualSyncRequestedAt: isoDateTime.nullable(),
  retry: RetryState.nullable().meta({ description: 'Set while the record is being retried after a transient fault.' }),
  syncedAt: isoDateTime.nullable(),
  createdAt: isoDateTime,
  updatedAt: isoDateTime,
});
export type SyncRecordView = z.infer<typeof SyncRecordView>;

export const SyncRecordListResponse = z.object({
  records: z.array(SyncRecordView).meta({ description: 'Most recently changed first.' }),
  nextCursor: z.string().optional().meta({ description: 'Pass as cursor for the next page; absent on the last.' }),
});
export type SyncRecordListResponse = z.infer<typeof SyncRecordListResponse>;

export const AttemptView = z.object({
  attempt: z.number().int(),
  outcome: z.string(),
  status: z.string(),
  faultCode: z.string().nullable(),
  message: z.string().nullable(),
  retryable: z.boolean().nullable(),
  jobId: z.string().nullable(),
  eventId: z.string().nullable(),
  startedAt: isoDateTime,
  finishedAt: isoDateTime,
});
export type AttemptView = z.infer<typeof AttemptView>;

export const RecordEventView = z.object({
  eventId: z.string(),
  type: z.string(),
  occurredAt: isoDateTime.meta({ description: 'When it happened in the billing system.' }),
  receivedAt: isoDateTime,
  processedAt: isoDateTime.nullable().meta({ description: 'When a run of its job ended for good; null: not yet.' }),
});
export type RecordEventView = z.infer<typeof RecordEventView>;

export const SyncRecordDetailResponse = z.object({
  record: SyncRecordView,
  attempts: z.array(AttemptView).meta({ description: 'Newest first.' }),
  events: z.array(RecordEventView).meta({ description: 'Every event received about the entity, newest first.' }),
});
export type SyncRecordDetailResponse = z.infer<typeof SyncRecordDetailResponse>;

export const RecordSearchResponse = z.object({
  records: z.array(SyncRecordView).meta({ description: 'Most recently changed first, across the tenants searched.' }),
});
export type RecordSearchResponse = z.infer<typeof RecordSearchResponse>;

export const SyncRecordParams = z.object({ entityType: SyncEntityType, externalId: ExternalId });

export const ReplayOneBody = z.strictObject({ note: AuditNote.optional() });
export type ReplayOneBody = z.input<typeof ReplayOneBody>;

export const ReplayOneResponse = z.object({ replayed: z.literal(1), jobId: z.string() });
export type ReplayOneResponse = z.infer<typeof ReplayOneResponse>;

/** Support's answer to a record in `drift`: accept QuickBooks' version, or push ours again. */
export const DriftActionResponse = z.object({
  action: z.enum(['accepted', 'pushed']),
  status: SyncStatus.meta({ description: 'The record status now (push: still drift until the queued sync writes).' }),
  jobId: z.string().optional().meta({ description: 'push: the sync job queued to re-create or overwrite.' }),
});
export type DriftActionResponse = z.infer<typeof DriftActionResponse>;

export const CdcSweepResponse = z.object({ queued: z.literal(true), jobId: z.string() });
export type CdcSweepResponse = z.infer<typeof CdcSweepResponse>;

export const ReplayBody = z
  .strictObject({
    status: SyncStatus.default('failed').meta({ description: 'Which records to replay; default failed.' }),
    entityType: SyncEntityType.optional(),
    reasonCode: z
      .string()
      .max(100)
      .optional()
      .meta({ description: 'Only records with this reason code (one group of GET /admin/failures).' }),
    from: DateParam.optional().meta({ description: 'Records that last changed at or after this time.' }),
    to: DateParam.optional().meta({ description: 'Records that last changed before this time.' }),
    note: AuditNote.meta({ description: 'Why (required; kept in the audit log with your name and the count).' }),
  })
  .refine(rangeInOrder, RANGE_MESSAGE);
export type ReplayBody = z.input<typeof ReplayBody>;

export const ReplayResponse = z.object({ replayed: z.number().int().nonnegative() });
export type ReplayResponse = z.infer<typeof ReplayResponse>;

export const ManualSyncBody = z
  .strictObject({
    entityType: SyncEntityType.optional(),
    from: DateParam.optional(),
    to: DateParam.optional(),
    note: AuditNote.meta({ description: 'Why (required; kept in the audit log with your name and the count).' }),
  })
  .refine(rangeInOrder, RANGE_MESSAGE);
export type ManualSyncBody = z.input<typeof ManualSyncBody>;

export const ManualSyncResponse = z.object({
  queued: z.number().int().nonnegative().meta({ description: 'needs_sync records queued.' }),
});
export type ManualSyncResponse = z.infer<typeof ManualSyncResponse>;

export const AdminSessionBody = z.strictObject({ token: z.string().min(1, 'must not be empty') });

type JsonSchema = { [key: string]: unknown };

/** Component name → schema of the admin API, for the OpenAPI document. */
export const ADMIN_COMPONENTS: Record<string, z.ZodType> = {
  TenantSettingsPatch,
  CreateTenantRequest: CreateTenantBody,
  CreateTenantResponse,
  TenantListResponse,
  TenantDetailResponse,
  TenantView,
  RotateKeyResponse,
  RotateSecretResponse,
  ConnectResponse,
  DisconnectResponse,
  DeleteTenantResponse,
  MappingListResponse,
  UpsertMappingRequest: UpsertMappingBody,
  UpsertMappingResponse,
  QboListResponse,
  SyncRecordListResponse,
  SyncRecordDetailResponse,
  ReplayOneResponse,
  ReplayRequest: ReplayBody,
  ReplayResponse,
  ManualSyncRequest: ManualSyncBody,
  ManualSyncResponse,
  DriftActionResponse,
  CdcSweepResponse,
  ReplayOneRequest: ReplayOneBody,
  RecordSearchResponse,
  ...OPERATIONS_COMPONENTS,
};

/** `components.schemas` for the admin API, in the same shape as openApiSchemas(). */
export function adminOpenApiSchemas(): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(ADMIN_COMPONENTS)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, {
    io: 'input',
    target: 'draft-2020-12',
    unrepresentable: 'any',
    uri: (id) => `#/components/schemas/${id}`,
  });
  return Object.fromEntries(
    Object.entries(schemas).map(([name, schema]) => {
      const { $schema: _dialect, $id: _id, ...rest } = schema as JsonSchema;
      return [name, rest];
    }),
  );
}
