// Sync state of billing entities in QBO: snapshots (newest event wins), status with a version per change,
// and the lookups the worker uses to wake and resume parked records.
import { and, eq, inArray, isNotNull, lt, type SQL, sql } from 'drizzle-orm';
import { type Database, rawClient } from '../client.js';
import { syncRecords, tenants } from '../schema.js';

/** A sync record as read (search_terms is the search index's input, not read back). */
export type SyncRecordRow = Omit<typeof syncRecords.$inferSelect, 'searchTerms'>;

export interface RecordKey {
  tenantId: string;
  entityType: string;
  externalId: string;
}

const byKey = (k: RecordKey) =>
  and(
    eq(syncRecords.tenantId, k.tenantId),
    eq(syncRecords.entityType, k.entityType),
    eq(syncRecords.externalId, k.externalId),
  );

export async function getRecord(db: Database, key: RecordKey): Promise<SyncRecordRow | undefined> {
  const rows = await db.select().from(syncRecords).where(byKey(key)).limit(1);
  return rows[0];
}

export async function getRecordById(db: Database, id: number): Promise<SyncRecordRow | undefined> {
  const rows = await db.select().from(syncRecords).where(eq(syncRecords.id, id)).limit(1);
  return rows[0];
}

/** The record for an entity, created (status pending, no snapshot) when missing. */
export async function ensureRecord(db: Database, key: RecordKey): Promise<SyncRecordRow> {
  await db.insert(syncRecords).values(key).onConflictDoNothing();
  const row = await getRecord(db, key);
  if (!row) throw new Error(`sync record ${key.entityType}/${key.externalId} vanished right after insert`);
  return row;
}

/** A sync_records row as the raw client returns it (see rawClient): int8 id and timestamps as text. */
interface RawRecordRow {
  id: string;
  tenantId: string;
  entityType: string;
  externalId: string;
  status: string;
  statusVersion: number;
  reasonCode: string | null;
  reason: string | null;
  details: unknown;
  qboId: string | null;
  syncToken: string | null;
  docNumber: string | null;
  qboUrl: string | null;
  snapshotAt: string | null;
  lastEventId: string | null;
  syncedHash: string | null;
  attempts: number;
  syncedAt: string | null;
  pendingJob: string | null;
  waitingFor: string | null;
  callbackVersion: number;
  manualSyncRequestedAt: string | null;
  writeStartedAt: string | null;
  mappingsVersionSeen: string | null;
  retry: unknown;
  createdAt: string;
  updatedAt: string;
}

const dateOf = (s: string | null) => (s === null ? null : new Date(s));

/** The row as drizzle maps it (number id, Date timestamps), with the snapshot the caller already holds. */
function recordOf(r: RawRecordRow, snapshot: unknown): SyncRecordRow {
  return {
    ...r,
    id: Number(r.id),
    snapshot,
    snapshotAt: dateOf(r.snapshotAt),
    syncedAt: dateOf(r.syncedAt),
    manualSyncRequestedAt: dateOf(r.manualSyncRequestedAt),
    writeStartedAt: dateOf(r.writeStartedAt),
    mappingsVersionSeen: r.mappingsVersionSeen === null ? null : Number(r.mappingsVersionSeen),
    createdAt: new Date(r.createdAt),
    updatedAt: new Date(r.updatedAt),
  };
}

/**
 * Stores an entity snapshot unless a newer one is already stored: a later occurredAt wins, equal times
 * are broken by event id (the same rule as sync-core's isNewerSnapshot, done in one statement so two
 * workers cannot interleave). `stored` says whether this snapshot is now the record's. The same event
 * stored again (every run of a retried or deferred job does) writes nothing, so the row is untouched.
 * Every sync job runs this: fixed SQL text (prepared once per connection), and the snapshot is not sent
 * back — when stored, the record's snapshot is the very value passed in (JSON data, as stored).
 */
export async function storeSnapshot(
  db: Database,
  key: RecordKey,
  snap: { snapshot: unknown; occurredAt: Date; eventId: string },
): Promise<{ record: SyncRecordRow; stored: boolean }> {
  const rows = await rawClient(db)<RawRecordRow[]>`
    insert into sync_records as r (tenant_id, entity_type, external_id, snapshot, snapshot_at, last_event_id)
    values (${key.tenantId}::text, ${key.entityType}::text, ${key.externalId}::text, ${JSON.stringify(snap.snapshot)}::jsonb,
      ${snap.occurredAt.toISOString()}::timestamptz, ${snap.eventId}::text)
    on conflict (tenant_id, entity_type, external_id) do update set
      snapshot = excluded.snapshot,
      snapshot_at = excluded.snapshot_at,
      last_event_id = excluded.last_event_id,
      updated_at = ${new Date().toISOString()}::timestamptz
    where r.snapshot_at is null
      or excluded.snapshot_at > r.snapshot_at
      or (excluded.snapshot_at = r.snapshot_at and excluded.last_event_id > r.last_event_id)
    returning r.id, r.tenant_id as "tenantId", r.entity_type as "entityType", r.external_id as "externalId",
      r.status, r.status_version as "statusVersion", r.reason_code as "reasonCode", r.reason, r.details,
      r.qbo_id as "qboId", r.sync_token as "syncToken", r.doc_number as "docNumber", r.qbo_url as "qboUrl",
      r.snapshot_at as "snapshotAt", r.last_event_id as "lastEventId", r.synced_hash as "syncedHash",
      r.attempts, r.synced_at as "syncedAt", r.pending_job as "pendingJob", r.waiting_for as "waitingFor",
      r.callback_version as "callbackVersion", r.manual_sync_requested_at as "manualSyncRequestedAt",
      r.write_started_at as "writeStartedAt", r.mappings_version_seen::text as "mappingsVersionSeen", r.retry,
      r.created_at as "createdAt", r.updated_at as "updatedAt"`;
  const row = rows[0];
  if (row) return { record: recordOf(row, snap.snapshot), stored: true };
  const existing = await getRecord(db, key);
  if (!existing) throw new Error(`sync record ${key.entityType}/${key.externalId} vanished`);
  const same = existing.lastEventId === snap.eventId && existing.snapshotAt?.getTime() === snap.occurredAt.getTime();
  return { record: existing, stored: same };
}

/** A status change and whatever the attempt learned. Undefined fields stay as they are; null clears. */
export interface StatusUpdate {
  status: string;
  reasonCode: string | null;
  reason: string | null;
  details?: unknown;
  qboId?: string | null;
  syncToken?: string | null;
  docNumber?: string | null;
  qboUrl?: string | null;
  syncedHash?: string | null;
  syncedAt?: Date | null;
  pendingJob?: string | null;
  waitingFor?: string | null;
  manualSyncRequestedAt?: Date | null;
  writeStartedAt?: Date | null;
  /** tenants.mappings_version the run read with its mappings (what a needs_mapping record waits past). */
  mappingsVersionSeen?: number | null;
  /** Count this as a processing attempt. */
  countAttempt?: boolean;
}

/**
 * Writes a status. statusVersion is bumped only when the status or its reason code changes, so each
 * version is one thing the billing system should hear about. Returns the record and whether it changed.
 */
export async function setStatus(
  db: Database,
  id: number,
  update: StatusUpdate,
): Promise<{ record: SyncRecordRow; changed: boolean; previousStatus: string }> {
  return db.transaction(async (tx) => {
    const prev = (await tx.select().from(syncRecords).where(eq(syncRecords.id, id)).for('update').limit(1))[0];
    if (!prev) throw new Error(`sync record ${id} not found`);
    const changed = prev.status !== update.status || prev.reasonCode !== update.reasonCode;
    const { countAttempt, details, ...rest } = update;
    const rows = await tx
      .update(syncRecords)
      .set({
        ...rest,
        ...(details === undefined ? {} : { details }),
        statusVersion: changed ? prev.statusVersion + 1 : prev.statusVersion,
        attempts: countAttempt ? prev.attempts + 1 : prev.attempts,
        // A status written ends any retry in progress (see markRetrying).
        retry: null,
        updatedAt: new Date(),
      })
      .where(eq(syncRecords.id, id))
      .returning();
    return { record: rows[0] as SyncRecordRow, changed, previousStatus: prev.status };
  });
}

/** `waiting` records whose dependency is `waitingFor` ("invoice:INV-1"). */
export async function recordsWaitingFor(db: Database, tenantId: string, waitingFor: string): Promise<SyncRecordRow[]> {
  return db
    .select()
    .from(syncRecords)
    .where(
      and(
        eq(syncRecords.tenantId, tenantId),
        eq(syncRecords.waitingFor, waitingFor),
        eq(syncRecords.status, 'waiting'),
      ),
    );
}

/** Parked records by status (and reason code), oldest first; tenant optional for the periodic sweep. */
export async function listParked(
  db: Database,
  filter: { tenantId?: string; statuses: string[]; reasonCode?: string; updatedBefore?: Date; limit?: number },
): Promise<SyncRecordRow[]> {
  const conds = [inArray(syncRecords.status, filter.statuses)];
  if (filter.tenantId) conds.push(eq(syncRecords.tenantId, filter.tenantId));
  if (filter.reasonCode) conds.push(eq(syncRecords.reasonCode, filter.reasonCode));
  if (filter.updatedBefore) conds.push(lt(syncRecords.updatedAt, filter.updatedBefore));
  return db
    .select()
    .from(syncRecords)
    .where(and(...conds))
    .orderBy(syncRecords.updatedAt)
    .limit(filter.limit ?? 500);
}

// Deposits: payments of a billing job taken without an invoice. A deposit is "pending" while it is in QBO
// unapplied (details.appliedTo unset) and not given up on (details.applyFailed unset); the deposit
// application step (worker, deposits.apply) clears it by recording details.appliedTo/appliedAmount.
const PENDING_DEPOSIT = sql`${syncRecords.entityType} = 'payment'
  and ${syncRecords.status} = 'synced'
  and ${syncRecords.qboId} is not null
  and ${syncRecords.snapshot}->>'jobId' is not null
  and ${syncRecords.snapshot}->>'invoiceId' is null
  and ${syncRecords.details}->>'appliedTo' is null
  and ${syncRecords.details}->>'applyFailed' is null`;

/** PENDING_DEPOSIT for a record in hand: re-checked under the deposit's own lock before it is written. */
export function isPendingDeposit(r: SyncRecordRow): boolean {
  const snap = (r.snapshot ?? {}) as { jobId?: unknown; invoiceId?: unknown };
  const details = (r.details ?? {}) as { appliedTo?: unknown; applyFailed?: unknown };
  return (
    r.entityType === 'payment' &&
    r.status === 'synced' &&
    r.qboId !== null &&
    snap.jobId != null &&
    snap.invoiceId == null &&
    details.appliedTo == null &&
    details.applyFailed == null
  );
}

/** A job's deposits still to apply, oldest first (received on, then first recorded). */
export async function pendingDepositsOfJob(db: Database, tenantId: string, jobId: string): Promise<SyncRecordRow[]> {
  return db
    .select()
    .from(syncRecords)
    .where(and(eq(syncRecords.tenantId, tenantId), sql`${syncRecords.snapshot}->>'jobId' = ${jobId}`, PENDING_DEPOSIT))
    .orderBy(sql`${syncRecords.snapshot}->>'receivedOn'`, syncRecords.id);
}

/** The job's invoice that deposits apply to: the first of its invoices that is synced in QBO. */
export async function syncedInvoiceOfJob(
  db: Database,
  tenantId: string,
  jobId: string,
): Promise<SyncRecordRow | undefined> {
  const rows = await db
    .select()
    .from(syncRecords)
    .where(
      and(
        eq(syncRecords.tenantId, tenantId),
        eq(syncRecords.entityType, 'invoice'),
        eq(syncRecords.status, 'synced'),
        isNotNull(syncRecords.qboId),
        sql`${syncRecords.snapshot}->>'jobId' = ${jobId}`,
      ),
    )
    .orderBy(syncRecords.id)
    .limit(1);
  return rows[0];
}

/** Billing jobs with pending deposits whose invoice is already synced: the deposit sweep's work. */
export async function jobsWithDepositsToApply(
  db: Database,
  limit = 500,
): Promise<{ tenantId: string; jobId: string }[]> {
  const rows = await db
    .select({ tenantId: syncRecords.tenantId, jobId: sql<string>`${syncRecords.snapshot}->>'jobId'` })
    .from(syncRecords)
    .where(
      and(
        PENDING_DEPOSIT,
        sql`exists (select 1 from sync_records i
          where i.tenant_id = ${syncRecords.tenantId} and i.entity_type = 'invoice' and i.status = 'synced'
            and i.qbo_id is not null and i.snapshot->>'jobId' = ${syncRecords.snapshot}->>'jobId')`,
      ),
    )
    .groupBy(syncRecords.tenantId, sql`${syncRecords.snapshot}->>'jobId'`)
    .limit(limit);
  return rows;
}

/**
 * What our other synced payments (and applied deposits) apply to an invoice, as recorded when they synced
 * (`details.appliedTo` / `details.appliedAmount`): the invoice's open balance as our own records know it.
 */
export async function appliedToInvoice(
  db: Database,
  tenantId: string,
  invoiceId: string,
  excludeRecordId: number,
): Promise<string[]> {
  const rows = await db
    .select({ amount: sql<string | null>`${syncRecords.details}->>'appliedAmount'` })
    .from(syncRecords)
    .where(
      and(
        eq(syncRecords.tenantId, tenantId),
        eq(syncRecords.entityType, 'payment'),
        eq(syncRecords.status, 'synced'),
        sql`${syncRecords.details}->>'appliedTo' = ${invoiceId}`,
        sql`${syncRecords.id} <> ${excludeRecordId}`,
      ),
    );
  return rows.map((r) => r.amount).filter((a): a is string => a !== null);
}

/** What a status callback tells the tenant about one record: its state now. */
export type CallbackRecord = Pick<
  SyncRecordRow,
  | 'id'
  | 'tenantId'
  | 'entityType'
  | 'externalId'
  | 'status'
  | 'statusVersion'
  | 'reasonCode'
  | 'reason'
  | 'details'
  | 'qboId'
  | 'qboUrl'
  | 'docNumber'
  | 'syncedAt'
>;

/** A tenant's callback run: its settings and signing secret, and the records whose status was not announced. */
export interface PendingCallbacks {
  tenantSettings: unknown;
  signingSecretEnc: string;
  /** Oldest change first; empty when the tenant has no callback URL. */
  records: CallbackRecord[];
}

const callbackRecordColumns = {
  id: syncRecords.id,
  tenantId: syncRecords.tenantId,
  entityType: syncRecords.entityType,
  externalId: syncRecords.externalId,
  status: syncRecords.status,
  statusVersion: syncRecords.statusVersion,
  reasonCode: syncRecords.reasonCode,
  reason: syncRecords.reason,
  details: syncRecords.details,
  qboId: syncRecords.qboId,
  qboUrl: syncRecords.qboUrl,
  docNumber: syncRecords.docNumber,
  syncedAt: syncRecords.syncedAt,
};
const pendingCallbackQueries = new WeakMap<Database, ReturnType<typeof preparePendingCallbacks>>();
function preparePendingCallbacks(db: Database) {
  // The tenant row with its not-yet-announced records left-joined (served by sync_records_callback_pending):
  // one row with no record when nothing is pending or the tenant has no callback URL.
  return db
    .select({
      record: callbackRecordColumns,
      tenantSettings: tenants.settings,
      signingSecretEnc: tenants.signingSecretEnc,
    })
    .from(tenants)
    .leftJoin(
      syncRecords,
      and(
        eq(syncRecords.tenantId, tenants.id),
        sql`${syncRecords.statusVersion} > ${syncRecords.callbackVersion}`,
        sql`${tenants.settings}->>'callbackUrl' is not null`,
      ),
    )
    .where(eq(tenants.id, sql.placeholder('tenantId')))
    .orderBy(syncRecords.updatedAt, syncRecords.id)
    .limit(sql.placeholder('limit'))
    .prepare('pending_callbacks');
}

/**
 * A tenant's callback URL and signing secret and up to `limit` of its records whose status version was not
 * announced yet, oldest change first, in one statement (built once per database). Undefined: no such tenant.
 */
export async function pendingCallbacks(
  db: Database,
  tenantId: string,
  limit: number,
): Promise<PendingCallbacks | undefined> {
  let q = pendingCallbackQueries.get(db);
  if (!q) {
    q = preparePendingCallbacks(db);
    pendingCallbackQueries.set(db, q);
  }
  const rows = await q.execute({ tenantId, limit });
  const first = rows[0];
  if (!first) return undefined;
  return {
    tenantSettings: first.tenantSettings,
    signingSecretEnc: first.signingSecretEnc,
    records: rows.flatMap((r) => (r.record ? [r.record] : [])),
  };
}

/**
 * Tenants with a callback URL and a status version not announced although it changed between `olderThanMs`
 * and `newerThanMs` ago: a process stopped between writing the status and arranging the tenant's callback run
 * (the run itself would have announced it by now). Bounded in age so a dead endpoint is not retried for ever.
 */
export async function tenantsWithUnannouncedChanges(
  db: Database,
  opts: { olderThanMs: number; newerThanMs: number; limit: number },
): Promise<string[]> {
  const rows = await rawClient(db)<{ tenant_id: string }[]>`
    select distinct r.tenant_id from sync_records r join tenants t on t.id = r.tenant_id
    where r.status_version > r.callback_version and t.settings->>'callbackUrl' is not null
      and r.updated_at < now() - make_interval(secs => ${opts.olderThanMs / 1000}::float8)
      and r.updated_at > now() - make_interval(secs => ${opts.newerThanMs / 1000}::float8)
    limit ${opts.limit}::int`;
  return rows.map((r) => r.tenant_id);
}

/**
 * Remembers the announced status versions of a callback run in one statement; never moves a record's
 * callback_version backwards (a version written after the run's read stays pending).
 */
export async function markCallbacksDelivered(
  db: Database,
  delivered: readonly { id: number; statusVersion: number }[],
): Promise<void> {
  if (delivered.length === 0) return;
  const raw = rawClient(db);
  const list = JSON.stringify(delivered.map((d) => ({ id: d.id, v: d.statusVersion })));
  await raw`update sync_records r set callback_version = greatest(r.callback_version, d.v)
    from jsonb_to_recordset(${list}::jsonb) as d(id bigint, v integer) where r.id = d.id`;
}

/** Marks `needs_sync` records (all of a tenant's, or the given ids) as asked for by a person. */
export async function requestManualSync(db: Database, tenantId: string, ids?: number[]): Promise<SyncRecordRow[]> {
  const conds = [eq(syncRecords.tenantId, tenantId), eq(syncRecords.status, 'needs_sync')];
  if (ids) conds.push(inArray(syncRecords.id, ids));
  return db
    .update(syncRecords)
    .set({ manualSyncRequestedAt: new Date() })
    .where(and(...conds))
    .returning();
}

// The periodic sweeps' queries: parked records whose cause has gone away since they were parked.

/** `waiting` records whose dependency is already synced (heals a crash between the two writes). */
export async function waitingOnSyncedDependency(db: Database, limit = 500): Promise<SyncRecordRow[]> {
  return rowsOf(
    db,
    sql`(select w.id from sync_records w
    join sync_records d
      on d.tenant_id = w.tenant_id and w.waiting_for = d.entity_type || ':' || d.external_id
    where w.status = 'waiting' and d.status = 'synced'
    order by w.updated_at limit ${limit})`,
  );
}

/** `needs_mapping` records of tenants whose mappings changed after the record was parked. */
export async function mappingChangedSinceParked(db: Database, limit = 500): Promise<SyncRecordRow[]> {
  // By version: the mappings the parking run read are older than the tenant's now. A run still in flight
  // when a mapping changed writes its status after the change, so updated_at alone would miss it. Records
  // parked before the version existed fall back to comparing times.
  return rowsOf(
    db,
    sql`(select r.id from sync_records r
    join tenants t on t.id = r.tenant_id
    where r.status = 'needs_mapping'
      and case when r.mappings_version_seen is not null then t.mappings_version > r.mappings_version_seen
        else exists (select 1 from mappings m where m.tenant_id = r.tenant_id and m.updated_at > r.updated_at) end
    order by r.updated_at limit ${limit})`,
  );
}

/**
 * `needs_reconnect` records of tenants whose connection is active. Not "reconnected after the park": a run
 * still in flight during a reconnect writes its park afterwards, and would wait for ever. A park under an
 * active connection cannot repeat without end: a rerun refused by QBO marks the connection needs_reconnect.
 */
export async function reconnectedSinceParked(db: Database, limit = 500): Promise<SyncRecordRow[]> {
  return rowsOf(
    db,
    sql`(select r.id from sync_records r
    join qbo_connections c on c.tenant_id = r.tenant_id
    where r.status = 'needs_reconnect' and c.status = 'active'
    order by r.updated_at limit ${limit})`,
  );
}

/** `needs_sync` records a person asked to sync. */
export async function manualSyncRequested(db: Database, limit = 500): Promise<SyncRecordRow[]> {
  return db
    .select()
    .from(syncRecords)
    .where(and(eq(syncRecords.status, 'needs_sync'), isNotNull(syncRecords.manualSyncRequestedAt)))
    .orderBy(syncRecords.manualSyncRequestedAt)
    .limit(limit);
}

/**
 * The rows of the records a parenthesised id query selects, read in the same statement (one snapshot). Read in
 * a second statement, a record that changed in between (a waiting payment synced meanwhile) came back in its
 * new state, and the sweep queued a resume stamped with that state: a second resume job.
 */
async function rowsOf(db: Database, idQuery: SQL): Promise<SyncRecordRow[]> {
  return db.select().from(syncRecords).where(inArray(syncRecords.id, idQuery)).orderBy(syncRecords.updatedAt);
}

/** Notes that a QBO create is about to be sent (cleared by the synced status write). Fixed SQL text: prepared. */
export async function markWriteStarted(db: Database, id: number, at: Date = new Date()): Promise<Date> {
  await rawClient(db)`update sync_records set write_started_at = ${at.toISOString()}::timestamptz where id = ${id}`;
  return at;
}

/** Takes back a write-started mark set at `at` (the create it announced was refused before it was sent). */
export async function clearWriteStarted(db: Database, id: number, at: Date): Promise<void> {
  await db
    .update(syncRecords)
    .set({ writeStartedAt: null })
    .where(and(eq(syncRecords.id, id), eq(syncRecords.writeStartedAt, at)));
}

/**
 * The run failed with a transient fault and BullMQ will try again: the attempt row and the record's retry
 * state (RetryState of contracts) in one statement. The status stays; the next outcome clears `retry`.
 */
export async function markRetrying(
  db: Database,
  record: Pick<SyncRecordRow, 'id' | 'tenantId' | 'status'>,
  attempt: {
    eventId: string | null;
    jobId: string | null;
    attempt: number;
    startedAt: Date;
    faultCode: string;
    message: string;
  },
  retry: Record<string, unknown>,
): Promise<void> {
  await rawClient(db)`
    with upd as (
      update sync_records set retry = ${JSON.stringify(retry)}::jsonb where id = ${record.id}
    )
    insert into sync_attempts
      (sync_record_id, tenant_id, event_id, job_id, attempt, outcome, status, fault_code, message, retryable, started_at)
    values (${record.id}, ${record.tenantId}::text, ${attempt.eventId}::text, ${attempt.jobId}::text, ${attempt.attempt}::int,
      'retry', ${record.status}::text, ${attempt.faultCode}::text, ${attempt.message}::text, true,
      ${attempt.startedAt.toISOString()}::timestamptz)`;
}
