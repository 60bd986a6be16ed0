// Support-side queries over sync records: filtered, keyset-paginated listings, counts by status, and the
// selection and marking behind replays and manual sync windows. The worker's own queries live in sync-records.ts.
import { and, asc, count, desc, eq, gt, gte, inArray, isNotNull, isNull, lt, type SQL, sql } from 'drizzle-orm';
import type { Database } from '../client.js';
import { qboConnections, syncRecords } from '../schema.js';
import { type SyncRecordRow, syncRecordColumns } from './sync-records-read.js';

export interface RecordFilter {
  tenantId: string;
  statuses?: readonly string[];
  entityType?: string;
  reasonCode?: string;
  /** updatedAt >= from (when the record last changed, e.g. when it failed). */
  from?: Date;
  /** updatedAt < to. */
  to?: Date;
  /** The billing document's date (invoice issueDate, payment receivedOn, refund issuedOn), YYYY-MM-DD, inclusive. */
  documentDateFrom?: string;
  documentDateTo?: string;
  /** The billing customer: records whose document names it, and the customer's own record. */
  customerId?: string;
  /** The billing job/case: invoices and deposits carrying it, and payments of those invoices. */
  jobId?: string;
  /** true: only records being retried after a transient fault; false: none of them. */
  retrying?: boolean;
  /** Search text: every word must be one of the record's search terms (see searchCondition). */
  q?: string;
}

/** The words of a search, lower-cased (terms are stored lower-cased). */
export function searchWords(q: string): string[] {
  return [...new Set(q.toLowerCase().split(/\s+/).filter(Boolean))].slice(0, 10);
}

/**
 * A record holds every word searched for among its search terms (GIN index sync_records_search). The whole
 * text is also tried as one term, so a display name with its spacing matches too.
 */
function searchCondition(q: string): SQL {
  const words = searchWords(q);
  const list = sql.join(
    words.map((w) => sql`${w}::text`),
    sql`, `,
  );
  return sql`(${syncRecords.searchTerms} @> array[${list}] or ${syncRecords.searchTerms} @> array[${q.trim().toLowerCase()}::text])`;
}

// The document's date as the billing system dated it; ISO dates compare correctly as text.
const DOCUMENT_DATE = sql`coalesce(${syncRecords.snapshot}->>'issueDate', ${syncRecords.snapshot}->>'receivedOn', ${syncRecords.snapshot}->>'issuedOn')`;

function filterConditions(f: RecordFilter): SQL[] {
  const conds: SQL[] = [eq(syncRecords.tenantId, f.tenantId)];
  if (f.retrying !== undefined) conds.push(f.retrying ? isNotNull(syncRecords.retry) : isNull(syncRecords.retry));
  if (f.q) conds.push(searchCondition(f.q));
  if (f.statuses && f.statuses.length > 0) conds.push(inArray(syncRecords.status, [...f.statuses]));
  if (f.entityType) conds.push(eq(syncRecords.entityType, f.entityType));
  if (f.reasonCode) conds.push(eq(syncRecords.reasonCode, f.reasonCode));
  if (f.from) conds.push(gte(syncRecords.updatedAt, f.from));
  if (f.to) conds.push(lt(syncRecords.updatedAt, f.to));
  if (f.documentDateFrom) conds.push(sql`${DOCUMENT_DATE} >= ${f.documentDateFrom}`);
  if (f.documentDateTo) conds.push(sql`${DOCUMENT_DATE} <= ${f.documentDateTo}`);
  if (f.customerId) {
    conds.push(
      sql`(${syncRecords.snapshot}->'customer'->>'id' = ${f.customerId} or (${syncRecords.entityType} = 'customer' and ${syncRecords.externalId} = ${f.customerId}))`,
    );
  }
  if (f.jobId) {
    // A payment of a job's invoice names the invoice, not the job: found through the invoice's record.
    conds.push(
      sql`(${syncRecords.snapshot}->>'jobId' = ${f.jobId} or (${syncRecords.entityType} = 'payment' and ${syncRecords.snapshot}->>'invoiceId' in (select j.external_id from sync_records j where j.tenant_id = ${f.tenantId} and j.entity_type = 'invoice' and j.snapshot->>'jobId' = ${f.jobId})))`,
    );
  }
  return conds;
}

/** Position in a newest-first listing: updatedAt with Postgres' microseconds (a JS Date would lose them) + id. */
export interface RecordCursor {
  updatedAt: string;
  id: number;
}

export interface RecordPage {
  records: SyncRecordRow[];
  /** Present when more records follow. */
  next?: RecordCursor;
}

const ISO_MICROS = sql<string>`to_char(${syncRecords.updatedAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** Newest change first; `after` continues a previous page. */
export async function listRecordsPage(
  db: Database,
  filter: RecordFilter & { limit: number; after?: RecordCursor },
): Promise<RecordPage> {
  const conds = filterConditions(filter);
  if (filter.after) {
    conds.push(
      sql`(${syncRecords.updatedAt}, ${syncRecords.id}) < (${filter.after.updatedAt}::timestamptz, ${filter.after.id}::bigint)`,
    );
  }
  const rows = await db
    .select({ ...syncRecordColumns, cursorAt: ISO_MICROS })
    .from(syncRecords)
    .where(and(...conds))
    .orderBy(desc(syncRecords.updatedAt), desc(syncRecords.id))
    .limit(filter.limit + 1);
  const page = rows.slice(0, filter.limit);
  const last = page[page.length - 1];
  return {
    records: page.map(({ cursorAt: _c, ...record }) => record),
    ...(rows.length > filter.limit && last ? { next: { updatedAt: last.cursorAt, id: last.id } } : {}),
  };
}

/** Records matching a filter in id order, `limit` at a time after `afterId` (for replays over many records). */
export async function selectRecordsAfter(
  db: Database,
  filter: RecordFilter & { afterId: number; limit: number },
): Promise<SyncRecordRow[]> {
  return db
    .select(syncRecordColumns)
    .from(syncRecords)
    .where(and(...filterConditions(filter), gt(syncRecords.id, filter.afterId)))
    .orderBy(asc(syncRecords.id))
    .limit(filter.limit);
}

/**
 * Notes that a person asked to (re)sync these records of the tenant: the next run ignores the auto-sync
 * switch. updatedAt stays as it is, so the parked state (and the sweeps' view of it) does not change.
 */
export async function markSyncRequested(
  db: Database,
  tenantId: string,
  ids: readonly number[],
  at: Date,
): Promise<SyncRecordRow[]> {
  if (ids.length === 0) return [];
  return db
    .update(syncRecords)
    .set({ manualSyncRequestedAt: at })
    .where(and(eq(syncRecords.tenantId, tenantId), inArray(syncRecords.id, [...ids])))
    .returning();
}

/** How many of the tenant's records are in each status. */
export async function countRecordsByStatus(db: Database, tenantId: string): Promise<Record<string, number>> {
  const rows = await db
    .select({ status: syncRecords.status, n: count() })
    .from(syncRecords)
    .where(eq(syncRecords.tenantId, tenantId))
    .groupBy(syncRecords.status);
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

/** Record counts per tenant and status, for the metrics gauge. */
export async function countRecordsByTenantAndStatus(
  db: Database,
): Promise<Array<{ tenantId: string; status: string; n: number }>> {
  return db
    .select({ tenantId: syncRecords.tenantId, status: syncRecords.status, n: count() })
    .from(syncRecords)
    .groupBy(syncRecords.tenantId, syncRecords.status);
}

/** Every tenant's connection status (no tokens), for listings and metrics. */
export async function listConnectionStatuses(
  db: Database,
): Promise<Array<{ tenantId: string; realmId: string; status: string; statusReason: string | null }>> {
  return db
    .select({
      tenantId: qboConnections.tenantId,
      realmId: qboConnections.realmId,
      status: qboConnections.status,
      statusReason: qboConnections.statusReason,
    })
    .from(qboConnections)
    .orderBy(qboConnections.tenantId);
}

/** How many of the tenant's records are being retried after a transient fault. */
export async function countRetrying(db: Database, tenantId: string): Promise<number> {
  const rows = await db
    .select({ n: count() })
    .from(syncRecords)
    .where(and(eq(syncRecords.tenantId, tenantId), isNotNull(syncRecords.retry)));
  return rows[0]?.n ?? 0;
}

/**
 * Records matching a search, in one tenant or all, most recently changed first. Served by the GIN index on
 * search_terms (billing id, document number, QBO id, last event id, customer e-mail and name words).
 */
export async function searchRecords(
  db: Database,
  input: { q: string; tenantId?: string; limit: number },
): Promise<SyncRecordRow[]> {
  const conds = [searchCondition(input.q)];
  if (input.tenantId) conds.push(eq(syncRecords.tenantId, input.tenantId));
  return db
    .select(syncRecordColumns)
    .from(syncRecords)
    .where(and(...conds))
    .orderBy(desc(syncRecords.updatedAt), desc(syncRecords.id))
    .limit(input.limit);
}

/** The statuses that need a person (or are parked on something a person fixes). */
export const ATTENTION_STATUSES = ['failed', 'needs_mapping', 'conflict', 'needs_reconnect', 'drift'] as const;

export interface FailureGroupRow {
  status: string;
  reasonCode: string | null;
  reason: string | null;
  count: number;
  tenants: number;
  entityTypes: string[];
  firstSeen: Date;
  lastSeen: Date;
}

/** Records needing attention grouped by status and reason code (index sync_records_attention), biggest first. */
export async function failureGroups(db: Database, tenantId?: string): Promise<FailureGroupRow[]> {
  const rows = await db.execute<{
    status: string;
    reason_code: string | null;
    reason: string | null;
    n: number;
    tenants: number;
    entity_types: string[];
    first_seen: string;
    last_seen: string;
  }>(sql`
    select status, reason_code, count(*)::int as n, count(distinct tenant_id)::int as tenants,
      array_agg(distinct entity_type order by entity_type) as entity_types,
      min(updated_at) as first_seen, max(updated_at) as last_seen,
      (array_agg(reason order by updated_at desc))[1] as reason
    from sync_records
    where status in ('failed', 'needs_mapping', 'conflict', 'needs_reconnect', 'drift')
      ${tenantId ? sql`and tenant_id = ${tenantId}` : sql``}
    group by status, reason_code
    order by n desc, status, reason_code`);
  return rows.map((r) => ({
    status: r.status,
    reasonCode: r.reason_code,
    reason: r.reason,
    count: r.n,
    tenants: r.tenants,
    entityTypes: r.entity_types,
    firstSeen: new Date(r.first_seen),
    lastSeen: new Date(r.last_seen),
  }));
}

/** Per tenant: records needing attention by status and reason code, and how many are being retried. */
export async function tenantsNeedingAttention(
  db: Database,
): Promise<Array<{ tenantId: string; status: string | null; reasonCode: string | null; n: number }>> {
  const rows = await db.execute<{
    tenant_id: string;
    status: string | null;
    reason_code: string | null;
    n: number;
  }>(sql`
    select tenant_id, status, reason_code, count(*)::int as n from sync_records
    where status in ('failed', 'needs_mapping', 'conflict', 'needs_reconnect', 'drift')
    group by tenant_id, status, reason_code
    union all
    select tenant_id, null, 'RETRYING', count(*)::int from sync_records where retry is not null group by tenant_id`);
  return rows.map((r) => ({ tenantId: r.tenant_id, status: r.status, reasonCode: r.reason_code, n: r.n }));
}
