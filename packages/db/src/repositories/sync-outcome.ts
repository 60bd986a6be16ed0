// The worker's outcome write in one statement: the status change (statusVersion bumped when the status or
// its reason code changes, attempts counted), the attempt row, how many records wait for this entity, and
// the job's inbox event marked processed when this outcome ends the job.
// Raw postgres.js with a fixed text, so the server plans it once per connection (a prepared statement) and
// nothing is rebuilt per call; it returns only the columns the caller does not know already.
import { type Database, rawClient } from '../client.js';
import type { AttemptInput } from './attempts.js';
import type { StatusUpdate, SyncRecordRow } from './sync-records.js';

const SUPERSEDED_MESSAGE =
  'A newer event for this entity arrived while this run was writing to QuickBooks; the entity is synced again from the newer data.';

type Param = string | number | boolean | null;
const asParam = (v: unknown): Param => (v instanceof Date ? v.toISOString() : (v as Param));

export interface OutcomeWriteResult {
  /** The record as written: the caller's copy with the update applied (no re-read of the row). */
  record: SyncRecordRow;
  changed: boolean;
  /** Records `waiting` on this entity (counted only when `wakeKey` is given). */
  waiting: number;
  /**
   * Nothing was written but an attempt row saying so: the record's snapshot is no longer the one the run
   * synced (a newer event was stored meanwhile, possibly by a run that overlapped ours after our entity lock
   * was lost). The caller reruns the entity and compares it with QBO instead of claiming this outcome.
   */
  superseded: boolean;
}

/** The attempt row's outcome when the write was refused by the snapshot fence. */
export const SUPERSEDED_OUTCOME = 'superseded';

export interface OutcomeWriteOptions {
  /** "invoice:INV-1": also count the records waiting for this entity, so they are read only when some are. */
  wakeKey?: string | undefined;
  /**
   * The record's `lastEventId` as the run read it: when the stored snapshot has moved on since, nothing but a
   * `superseded` attempt row is written (a fencing token: the run's view is stale, whatever its locks said).
   */
  fence?: { lastEventId: string | null } | undefined;
  /** The job's event, marked processed in the same statement (the outcome ends the job's run). */
  markEventProcessed?: { tenantId: string; eventId: string } | undefined;
}

/** Writes a status and its attempt atomically (see OutcomeWriteOptions). Undefined when the record is gone. */
export async function writeStatusWithAttempt(
  db: Database,
  record: SyncRecordRow,
  update: StatusUpdate,
  attempt: Omit<AttemptInput, 'syncRecordId' | 'tenantId' | 'status'>,
  opts: OutcomeWriteOptions = {},
): Promise<OutcomeWriteResult | undefined> {
  const { wakeKey, fence, markEventProcessed: mark } = opts;
  const sql = rawClient(db);
  const u = update as unknown as Record<string, unknown>;
  const has = (k: string) => u[k] !== undefined;
  const val = (k: string) => (has(k) ? asParam(u[k]) : null);
  const now = new Date();
  const fenced = fence !== undefined;
  const fenceEventId = fence?.lastEventId ?? null;
  const rows = await sql<
    { status_version: number; attempts: number; changed: boolean; waiting: number; superseded: boolean }[]
  >`
    with prev as (
      select id, status, reason_code, status_version, attempts,
        (${fenced}::boolean and last_event_id is distinct from ${fenceEventId}::text) as superseded
      from sync_records where id = ${record.id} for update
    ), upd as (
      update sync_records r set
        status = ${update.status}::text,
        reason_code = ${update.reasonCode}::text,
        reason = ${update.reason}::text,
        details = case when ${has('details')}::boolean then ${update.details == null ? null : JSON.stringify(update.details)}::jsonb else r.details end,
        qbo_id = case when ${has('qboId')}::boolean then ${val('qboId')}::text else r.qbo_id end,
        sync_token = case when ${has('syncToken')}::boolean then ${val('syncToken')}::text else r.sync_token end,
        doc_number = case when ${has('docNumber')}::boolean then ${val('docNumber')}::text else r.doc_number end,
        qbo_url = case when ${has('qboUrl')}::boolean then ${val('qboUrl')}::text else r.qbo_url end,
        synced_hash = case when ${has('syncedHash')}::boolean then ${val('syncedHash')}::text else r.synced_hash end,
        synced_at = case when ${has('syncedAt')}::boolean then ${val('syncedAt')}::timestamptz else r.synced_at end,
        pending_job = case when ${has('pendingJob')}::boolean then ${val('pendingJob')}::text else r.pending_job end,
        waiting_for = case when ${has('waitingFor')}::boolean then ${val('waitingFor')}::text else r.waiting_for end,
        manual_sync_requested_at = case when ${has('manualSyncRequestedAt')}::boolean
          then ${val('manualSyncRequestedAt')}::timestamptz else r.manual_sync_requested_at end,
        write_started_at = case when ${has('writeStartedAt')}::boolean
          then ${val('writeStartedAt')}::timestamptz else r.write_started_at end,
        mappings_version_seen = case when ${has('mappingsVersionSeen')}::boolean
          then ${val('mappingsVersionSeen')}::bigint else r.mappings_version_seen end,
        status_version = prev.status_version + case
          when prev.status is distinct from ${update.status}::text
            or prev.reason_code is distinct from ${update.reasonCode}::text then 1 else 0 end,
        attempts = prev.attempts + ${update.countAttempt ? 1 : 0}::int,
        retry = null,
        updated_at = ${now.toISOString()}::timestamptz
      from prev where r.id = prev.id and not prev.superseded
      returning r.status_version, r.attempts, r.status_version <> prev.status_version as changed
    ), att as (
      insert into sync_attempts
        (sync_record_id, tenant_id, event_id, job_id, attempt, outcome, status, fault_code, message, retryable, started_at)
      select prev.id, ${record.tenantId}::text, ${attempt.eventId ?? null}::text, ${attempt.jobId ?? null}::text,
        ${attempt.attempt}::int,
        case when prev.superseded then ${SUPERSEDED_OUTCOME}::text else ${attempt.outcome}::text end,
        case when prev.superseded then prev.status else ${update.status}::text end,
        case when prev.superseded then null else ${attempt.faultCode ?? null}::text end,
        case when prev.superseded then ${SUPERSEDED_MESSAGE}::text else ${attempt.message ?? null}::text end,
        ${attempt.retryable ?? null}::boolean, ${asParam(attempt.startedAt)}::timestamptz
      from prev
    ), mark as (
      update inbox_events set processed_at = now()
      where ${mark?.eventId ?? null}::text is not null
        and tenant_id = ${mark?.tenantId ?? null}::text and event_id = ${mark?.eventId ?? null}::text
        and processed_at is null and exists (select 1 from prev where not prev.superseded)
    )
    select upd.status_version, upd.attempts, upd.changed, false as superseded,
      case when ${wakeKey ?? null}::text is null then 0 else (
        select count(*)::int from sync_records w
        where w.tenant_id = ${record.tenantId}::text and w.waiting_for = ${wakeKey ?? null}::text and w.status = 'waiting'
      ) end as waiting
    from upd
    union all
    select prev.status_version, prev.attempts, false, true, 0 from prev where prev.superseded`;
  const row = rows[0];
  if (!row) return undefined;
  if (row.superseded) return { record, changed: false, waiting: 0, superseded: true };
  const { countAttempt: _count, ...fields } = update;
  const set = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
  return {
    record: {
      ...record,
      ...set,
      statusVersion: row.status_version,
      attempts: row.attempts,
      retry: null,
      updatedAt: now,
    },
    changed: row.changed,
    waiting: row.waiting,
    superseded: false,
  };
}
