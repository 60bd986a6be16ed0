import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

/**
 * sync_records.search_terms: immutable expressions only (a generated column). The customer is the snapshot
 * itself for a customer record, its `customer` otherwise; names are also split into words.
 */
const CUSTOMER = `coalesce(snapshot->'customer', snapshot)`;
const NAMES = ['displayName', 'firstName', 'lastName', 'companyName']
  .map((f) => `coalesce(${CUSTOMER}->>'${f}', '')`)
  .join(` || ' ' || `);
const SEARCH_TERMS = sql.raw(
  `array_remove(array_remove(array[lower(external_id), lower(doc_number), lower(qbo_id), lower(last_event_id), ` +
    `lower(snapshot->>'number'), lower(${CUSTOMER}->>'email'), lower(${CUSTOMER}->>'displayName'), ` +
    `lower(${CUSTOMER}->>'companyName')] || regexp_split_to_array(lower(${NAMES}), '\\s+'), null), '')`,
);

const timestamps = {
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
};

/** A billing system's customer account (one QBO company each). */
export const tenants = pgTable('tenants', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  /** sha256 of the API key; the key itself is shown once and never stored. */
  apiKeyHash: text('api_key_hash').notNull().unique(),
  apiKeyPrefix: text('api_key_prefix').notNull(),
  /** HMAC secret for request signatures and outgoing callbacks, encrypted (see secrets.ts). */
  signingSecretEnc: text('signing_secret_enc').notNull(),
  /** TenantSettings from @qbo-sync/contracts. */
  settings: jsonb('settings').notNull().default({}),
  /**
   * Bumped by triggers (migration 0003) whenever what a worker caches about the tenant changes: settings,
   * the QBO connection (status, realm, tokens) and mappings other than new customer mappings. A worker reads
   * it with the job's event and reloads its cached context only when it moved.
   */
  contextVersion: bigint('context_version', { mode: 'number' }).notNull().default(0),
  /** Bumped (by trigger) on every mapping change that context_version sees: what needs_mapping records wait on. */
  mappingsVersion: bigint('mappings_version', { mode: 'number' }).notNull().default(0),
  ...timestamps,
});

/** The OAuth grant to one QBO company. Tokens are AES-256-GCM encrypted; key_id names the key used. */
export const qboConnections = pgTable('qbo_connections', {
  tenantId: text('tenant_id')
    .primaryKey()
    .references(() => tenants.id, { onDelete: 'cascade' }),
  realmId: text('realm_id').notNull(),
  /** active | needs_reconnect | disconnected */
  status: text('status').notNull().default('active'),
  keyId: text('key_id').notNull(),
  accessTokenEnc: text('access_token_enc').notNull(),
  refreshTokenEnc: text('refresh_token_enc').notNull(),
  accessTokenExpiresAt: timestamp('access_token_expires_at', { withTimezone: true }).notNull(),
  refreshTokenExpiresAt: timestamp('refresh_token_expires_at', { withTimezone: true }).notNull(),
  /** Bumped on every token rotation; writers compare-and-set on it. */
  tokenVersion: integer('token_version').notNull().default(1),
  lastRefreshedAt: timestamp('last_refreshed_at', { withTimezone: true }),
  statusReason: text('status_reason'),
  ...timestamps,
});

/** Per-tenant mapping of a billing-side key to a QBO entity (kinds: MappingKind in contracts). */
export const mappings = pgTable(
  'mappings',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    kind: text('kind').notNull(),
    externalKey: text('external_key').notNull(),
    qboId: text('qbo_id').notNull(),
    qboName: text('qbo_name'),
    ...timestamps,
  },
  (t) => [uniqueIndex('mappings_tenant_kind_key').on(t.tenantId, t.kind, t.externalKey)],
);

/**
 * Every accepted event, once per tenant + event id. enqueued_at null = not yet on a queue (the sweep heals it);
 * otherwise when it was last put on, or found on, a queue. processed_at null = no job run has finished with it
 * yet: the sweep re-queues such an event when Redis lost its job (a Redis restart without data, a failover).
 */
export const inboxEvents = pgTable(
  'inbox_events',
  {
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    eventId: text('event_id').notNull(),
    type: text('type').notNull(),
    version: integer('version').notNull(),
    source: text('source').notNull(),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
    entityId: text('entity_id').notNull(),
    jobName: text('job_name').notNull(),
    jobId: text('job_id').notNull(),
    payload: jsonb('payload').notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
    enqueuedAt: timestamp('enqueued_at', { withTimezone: true }),
    /**
     * Set by the worker when a run of the event's job ended for good (completed: synced, parked, skipped; or
     * failed without a retry left), i.e. the event is reflected in its sync record.
     */
    processedAt: timestamp('processed_at', { withTimezone: true }),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.eventId] }),
    index('inbox_events_unenqueued').on(t.receivedAt).where(sql`${t.enqueuedAt} is null`),
    index('inbox_events_unprocessed').on(t.enqueuedAt).where(sql`${t.processedAt} is null`),
    index('inbox_events_unprocessed_received').on(t.receivedAt).where(sql`${t.processedAt} is null`),
    index('inbox_events_entity').on(t.tenantId, t.entityId),
  ],
);

/** Sync state of one billing entity in QBO: what the billing system's icon shows. */
export const syncRecords = pgTable(
  'sync_records',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    /** customer | invoice | payment | refund */
    entityType: text('entity_type').notNull(),
    externalId: text('external_id').notNull(),
    status: text('status').notNull().default('pending'),
    /** Bumped on every status change; callbacks announce (record, statusVersion) once each. */
    statusVersion: integer('status_version').notNull().default(0),
    reasonCode: text('reason_code'),
    reason: text('reason'),
    /** needs_mapping: the missing mapping keys; waiting: the entity waited on. */
    details: jsonb('details'),
    qboId: text('qbo_id'),
    syncToken: text('sync_token'),
    docNumber: text('doc_number'),
    qboUrl: text('qbo_url'),
    /** Latest known billing-side data of the entity and when it was true (newer events win). */
    snapshot: jsonb('snapshot'),
    snapshotAt: timestamp('snapshot_at', { withTimezone: true }),
    lastEventId: text('last_event_id'),
    /** Hash of the snapshot last written to QBO: an unchanged re-delivery is a no-op. */
    syncedHash: text('synced_hash'),
    attempts: integer('attempts').notNull().default(0),
    syncedAt: timestamp('synced_at', { withTimezone: true }),
    /** The job that resumes this record when it is parked (e.g. invoice.void for a parked void). */
    pendingJob: text('pending_job'),
    /** `waiting` records: the dependency as "<entityType>:<externalId>", so its success wakes them. */
    waitingFor: text('waiting_for'),
    /** The last statusVersion announced to the tenant's callback URL (each version is delivered once). */
    callbackVersion: integer('callback_version').notNull().default(0),
    /** A person asked to sync this record (auto-sync off): the next run ignores the auto-sync switch. */
    manualSyncRequestedAt: timestamp('manual_sync_requested_at', { withTimezone: true }),
    /**
     * Set just before a QBO create, cleared when the record is synced: a run that finds it set knows an
     * earlier create may have committed unheard (timeout, crash) and looks for our marker before creating.
     */
    writeStartedAt: timestamp('write_started_at', { withTimezone: true }),
    /**
     * tenants.mappings_version the run that wrote the status had read with its mappings: a `needs_mapping`
     * record is resumed when the tenant's version moved past it, also when the mapping changed while that
     * run was in flight (its status was then written after the change).
     */
    mappingsVersionSeen: bigint('mappings_version_seen', { mode: 'number' }),
    /**
     * Set while BullMQ retries the record after a transient QBO fault (5xx, timeout): RetryState of
     * @qbo-sync/contracts (attempt, maxAttempts, faultCode, reason, nextTryAt, at). Cleared by every outcome.
     * Not a status: the status is the outcome billing systems are told about, and a retry is not one.
     */
    retry: jsonb('retry'),
    /**
     * Lower-cased words support staff search by: billing id, document number, QBO id, last event id, the
     * customer's e-mail, display/company name and each word of the customer's names (GIN index: `@>` finds a
     * record holding every word searched for, in any tenant, without a scan).
     */
    searchTerms: text('search_terms').array().generatedAlwaysAs(SEARCH_TERMS),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('sync_records_entity').on(t.tenantId, t.entityType, t.externalId),
    index('sync_records_status').on(t.tenantId, t.status, t.updatedAt),
    // Drift: a QBO change (webhook, CDC) names the object by its QBO id; find our record from it.
    index('sync_records_qbo_id').on(t.tenantId, t.entityType, t.qboId).where(sql`${t.qboId} is not null`),
    index('sync_records_waiting_for').on(t.tenantId, t.waitingFor).where(sql`${t.waitingFor} is not null`),
    // A tenant's callback run reads its status versions not yet announced, oldest change first.
    index('sync_records_callback_pending')
      .on(t.tenantId, t.updatedAt)
      .where(sql`${t.statusVersion} > ${t.callbackVersion}`),
    index('sync_records_search').using('gin', t.searchTerms),
    // Failures grouped by reason and tenants needing attention, across tenants, without reading synced records.
    index('sync_records_attention')
      .on(t.status, t.reasonCode, t.updatedAt)
      .where(sql`${t.status} in ('failed', 'needs_mapping', 'conflict', 'needs_reconnect')`),
    index('sync_records_retrying').on(t.tenantId).where(sql`${t.retry} is not null`),
  ],
);

/** One row per processing attempt: the history support staff read. */
export const syncAttempts = pgTable(
  'sync_attempts',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    syncRecordId: bigint('sync_record_id', { mode: 'number' })
      .notNull()
      .references(() => syncRecords.id, { onDelete: 'cascade' }),
    tenantId: text('tenant_id').notNull(),
    eventId: text('event_id'),
    jobId: text('job_id'),
    attempt: integer('attempt').notNull(),
    outcome: text('outcome').notNull(),
    status: text('status').notNull(),
    faultCode: text('fault_code'),
    message: text('message'),
    retryable: boolean('retryable'),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
    finishedAt: timestamp('finished_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('sync_attempts_record').on(t.syncRecordId, t.id),
    // Synced / failed per minute for the overview: rows arrive in time order, so a BRIN range index is tiny.
    index('sync_attempts_finished').using('brin', t.finishedAt),
  ],
);

/**
 * A named person's access to the admin API and console, with a role (OperatorRole in contracts). The token
 * is shown once; only its sha256 is stored. Revoked operators stay (the audit log names them).
 */
export const operators = pgTable(
  'operators',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    name: text('name').notNull(),
    /** read_only | support | admin */
    role: text('role').notNull(),
    tokenHash: text('token_hash').notNull().unique(),
    tokenPrefix: text('token_prefix').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('operators_active_name').on(t.name).where(sql`${t.revokedAt} is null`)],
);

/**
 * Who did what: every replay, bulk replay, manual sync, mapping, tenant and operator change. Written before
 * the action (`started`) and completed after it (`ok` + count, or `failed`), so a crash in between leaves a
 * trace. No foreign keys: entries outlive deleted tenants and revoked operators.
 */
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    actorId: bigint('actor_id', { mode: 'number' }),
    actorName: text('actor_name').notNull(),
    actorRole: text('actor_role').notNull(),
    /** AuditAction in contracts. */
    action: text('action').notNull(),
    tenantId: text('tenant_id'),
    /** The filter of a bulk action, or the record / mapping / operator acted on. */
    target: jsonb('target'),
    count: integer('count'),
    note: text('note'),
    /** started | ok | failed */
    result: text('result').notNull().default('started'),
    error: text('error'),
    requestId: text('request_id'),
  },
  (t) => [
    index('audit_log_tenant').on(t.tenantId, t.id),
    index('audit_log_actor').on(t.actorName, t.id),
    index('audit_log_action').on(t.action, t.id),
  ],
);

/**
 * Console sessions signed out before their expiry (the cookie itself is stateless: expiry + HMAC). Keyed by
 * the SHA-256 of the cookie value, never the value; a row is useless after `expires_at` and is pruned.
 */
export const adminSessionsEnded = pgTable('admin_sessions_ended', {
  sessionHash: text('session_hash').primaryKey(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  endedAt: timestamp('ended_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Intuit webhook notifications already accepted, one row per change (CloudEvents `id`, or for the legacy
 * format realm + entity + id + operation + lastUpdated): a redelivered or replayed notification acts once.
 */
export const qboWebhookEvents = pgTable(
  'qbo_webhook_events',
  {
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    eventKey: text('event_key').notNull(),
    realmId: text('realm_id').notNull(),
    /** QBO entity name (Invoice, Payment, ...), its Id and the operation (Create, Update, Delete, Void, ...). */
    entity: text('entity').notNull(),
    qboId: text('qbo_id').notNull(),
    operation: text('operation').notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.eventKey] }), index('qbo_webhook_events_received').on(t.receivedAt)],
);

/**
 * A tenant's change-data-capture sweep: where the last run stopped (`changed_since` of the next read, QBO's
 * clock) and when it last finished. A run that stops half-way resumes from `changed_since`.
 */
export const cdcCursors = pgTable('cdc_cursors', {
  tenantId: text('tenant_id')
    .primaryKey()
    .references(() => tenants.id, { onDelete: 'cascade' }),
  changedSince: timestamp('changed_since', { withTimezone: true }).notNull(),
  lastRunAt: timestamp('last_run_at', { withTimezone: true }),
  /** Set to ask for a sweep before the daily one (a reconnect, a webhook gap, a person). */
  requestedAt: timestamp('requested_at', { withTimezone: true }),
  ...timestamps,
});
