// Read side for a tenant's "is everything synced?" question: counts by status, events not yet reflected in
// their sync record, and records that have sat unfinished for long. Read-only; the worker owns the writes.
import { sql } from 'drizzle-orm';
import type { Database } from '../client.js';

/** How to read inbox rows, which only carry the event `type` (passed in: db does not know the contracts). */
export interface EventCatalogue {
  /** Entity type of each event type, e.g. `payment.voided` → `payment`. */
  entityTypeOf: Record<string, string>;
  /** Event types that carry the entity's data (stored as the record's snapshot, newest occurredAt wins). */
  snapshotTypes: readonly string[];
  /** Event types that void the entity (the record ends `voided`). */
  voidTypes: readonly string[];
}

/**
 * Statuses in which the record is still on its way: an event whose record is in one of these (or has no record
 * yet) is not done. The others (synced, skipped, voided, failed, conflict) are where a record comes to rest.
 */
export const UNFINISHED_STATUSES = [
  'pending',
  'syncing',
  'waiting',
  'needs_sync',
  'needs_mapping',
  'needs_reconnect',
] as const;

export interface StatusCountRow {
  entityType: string;
  status: string;
  count: number;
}

export interface OutstandingEventRow {
  eventId: string;
  type: string;
  entityType: string;
  externalId: string;
  receivedAt: Date;
  /** The record's status, or null when no record exists yet. */
  recordStatus: string | null;
  reasonCode: string | null;
  reason: string | null;
}

export interface StalledRow {
  entityType: string;
  externalId: string;
  /** null: no record yet (received, never processed). */
  status: string | null;
  /** When it started waiting: its oldest outstanding event, else the record's last change. */
  since: Date;
  waitingFor: string | null;
  /** The newest outstanding event's job, to ask the queue what became of it. */
  jobName: string | null;
  jobId: string | null;
  enqueuedAt: Date | null;
}

export interface SyncSummaryRows {
  counts: StatusCountRow[];
  outstandingEvents: number;
  oldestOutstanding: OutstandingEventRow | undefined;
  stalled: StalledRow[];
}

/**
 * One tenant's summary. An inbox event is *outstanding* when its entity has no record, the record is unfinished,
 * a data-carrying event is newer than the record's snapshot (not yet applied), or a void has not voided it.
 * Entities with outstanding events and no record count as `pending`. `stalled` lists pending, syncing and
 * waiting entities unfinished since before `stalledBefore`, oldest first.
 */
export async function readSyncSummary(
  db: Database,
  tenantId: string,
  catalogue: EventCatalogue,
  opts: { stalledBefore: Date; stalledLimit: number },
): Promise<SyncSummaryRows> {
  const entityTypes = JSON.stringify(catalogue.entityTypeOf);
  const unfinished = sql.join(
    UNFINISHED_STATUSES.map((s) => sql`${s}`),
    sql`, `,
  );
  const list = (xs: readonly string[]) =>
    xs.length === 0
      ? sql`null`
      : sql.join(
          xs.map((x) => sql`${x}`),
          sql`, `,
        );
  // Each inbox event with its record (if any) and whether it is still outstanding.
  const outstanding = sql`
    with ev as (
      select e.event_id, e.type, e.entity_id, e.received_at, e.occurred_at, e.enqueued_at, e.job_name, e.job_id,
             (${entityTypes}::jsonb ->> e.type) as entity_type
      from inbox_events e
      where e.tenant_id = ${tenantId}
    )
    select ev.*, r.id as record_id, r.status as record_status, r.reason_code, r.reason, r.waiting_for,
           r.updated_at as record_updated_at
    from ev
    left join sync_records r
      on r.tenant_id = ${tenantId} and r.entity_type = ev.entity_type and r.external_id = ev.entity_id
    where r.id is null
       or r.status in (${unfinished})
       or (ev.type in (${list(catalogue.snapshotTypes)})
           and (r.snapshot_at is null or ev.occurred_at > r.snapshot_at
                or (ev.occurred_at = r.snapshot_at and ev.event_id > r.last_event_id)))
       or (ev.type in (${list(catalogue.voidTypes)}) and r.status not in ('voided', 'failed', 'conflict', 'skipped'))`;

  // One statement: the outstanding set is computed once and read by every part of the answer.
  const [row] = await db.execute<{
    outstanding: number;
    oldest: {
      event_id: string;
      type: string;
      entity_type: string;
      entity_id: string;
      received_at: string;
      record_status: string | null;
      reason_code: string | null;
      reason: string | null;
    } | null;
    counts: { entity_type: string; status: string; n: number }[];
    stalled: {
      entity_type: string;
      external_id: string;
      status: string | null;
      since: string;
      waiting_for: string | null;
      job_name: string | null;
      job_id: string | null;
      enqueued_at: string | null;
    }[];
  }>(sql`
    with o as materialized (${outstanding}),
    per_entity as (
      select distinct on (o.entity_type, o.entity_id)
             o.entity_type, o.entity_id, o.job_name, o.job_id, o.enqueued_at, o.record_id,
             min(o.received_at) over (partition by o.entity_type, o.entity_id) as first_received
      from o order by o.entity_type, o.entity_id, o.received_at desc
    ),
    candidates as (
      select r.entity_type, r.external_id, r.status, r.waiting_for,
             coalesce(least(p.first_received, r.updated_at), r.updated_at) as since,
             p.job_name, p.job_id, p.enqueued_at
      from sync_records r
      left join per_entity p on p.entity_type = r.entity_type and p.entity_id = r.external_id
      where r.tenant_id = ${tenantId} and r.status in ('pending', 'syncing', 'waiting')
      union all
      select p.entity_type, p.entity_id, null, null, p.first_received, p.job_name, p.job_id, p.enqueued_at
      from per_entity p where p.record_id is null
    ),
    counts as (
      select entity_type, status, count(*)::int as n from sync_records where tenant_id = ${tenantId}
      group by entity_type, status
      union all
      select entity_type, 'pending', count(*)::int from per_entity where record_id is null group by entity_type
    )
    select
      (select count(*)::int from o) as outstanding,
      (select row_to_json(x) from (
         select event_id, type, entity_type, entity_id, received_at, record_status, reason_code, reason
         from o order by received_at, event_id limit 1) x) as oldest,
      (select coalesce(json_agg(c), '[]'::json) from counts c) as counts,
      (select coalesce(json_agg(s), '[]'::json) from (
         select * from candidates where since < ${opts.stalledBefore.toISOString()}::timestamptz
         order by since, entity_type, external_id limit ${opts.stalledLimit}) s) as stalled`);
  if (!row) throw new Error('sync summary query returned no row');
  const first = row.oldest;

  const date = (v: string | Date) => (v instanceof Date ? v : new Date(v));
  return {
    counts: row.counts.map((r) => ({ entityType: r.entity_type, status: r.status, count: Number(r.n) })),
    outstandingEvents: Number(row.outstanding),
    oldestOutstanding: first
      ? {
          eventId: first.event_id,
          type: first.type,
          entityType: first.entity_type,
          externalId: first.entity_id,
          receivedAt: date(first.received_at),
          recordStatus: first.record_status,
          reasonCode: first.reason_code,
          reason: first.reason,
        }
      : undefined,
    stalled: row.stalled.map((r) => ({
      entityType: r.entity_type,
      externalId: r.external_id,
      status: r.status,
      since: date(r.since),
      waitingFor: r.waiting_for,
      jobName: r.job_name,
      jobId: r.job_id,
      enqueuedAt: r.enqueued_at === null ? null : date(r.enqueued_at),
    })),
  };
}
