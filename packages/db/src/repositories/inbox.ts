// The inbox: every accepted event once per (tenant, event id). A row with enqueued_at null was stored but
// not yet queued; the sweep (findUnenqueued + markEnqueued) heals a crash between PostgreSQL and Redis.
// A row with processed_at null has not been through a finished job run yet; the sweep (findUnprocessed)
// checks that its job is still in Redis and queues it again when Redis lost it.
import { and, asc, desc, eq, inArray, isNotNull, isNull, like, lte, or, sql } from 'drizzle-orm';
import { type Database, rawClient } from '../client.js';
import { inboxEvents } from '../schema.js';

export type InboxRow = typeof inboxEvents.$inferSelect;
export type NewInboxRow = Omit<typeof inboxEvents.$inferInsert, 'receivedAt' | 'enqueuedAt' | 'processedAt'>;

export interface InboxKey {
  tenantId: string;
  eventId: string;
}

const keyOf = (k: InboxKey) => `${k.tenantId}\u0000${k.eventId}`;

function matchKeys(keys: readonly InboxKey[]) {
  // Grouped by tenant: one `tenant = $1 and event_id in (...)` term per tenant keeps the statement small.
  const byTenant = new Map<string, string[]>();
  for (const k of keys) byTenant.set(k.tenantId, [...(byTenant.get(k.tenantId) ?? []), k.eventId]);
  return or(
    ...[...byTenant].map(([tenantId, eventIds]) =>
      and(eq(inboxEvents.tenantId, tenantId), inArray(inboxEvents.eventId, eventIds)),
    ),
  );
}

/**
 * Inserts rows that are not there yet (`ON CONFLICT DO NOTHING`) and returns the keys actually inserted;
 * a key missing from the result was a repeat. Safe under concurrency: of N racing inserts of one key,
 * exactly one gets it back.
 *
 * The ingest hot path: the rows travel as one JSON parameter that PostgreSQL unpacks, so the statement
 * text is the same for every batch size (postgres.js prepares it once per connection) and nothing
 * builds SQL per call; drizzle's multi-row insert rebuilt ~1,000 placeholders per batch of 100.
 */
export async function insertInboxEvents(db: Database, rows: readonly NewInboxRow[]): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  // Rows in key order: two overlapping batches inserted at once take their row locks in the same order
  // (in arrival order they could deadlock, one batch answering 500).
  const json = JSON.stringify(
    [...rows].sort(byKey).map((r) => ({
      tenant_id: r.tenantId,
      event_id: r.eventId,
      type: r.type,
      version: r.version,
      source: r.source,
      occurred_at: r.occurredAt,
      entity_id: r.entityId,
      job_name: r.jobName,
      job_id: r.jobId,
      payload: r.payload,
    })),
  );
  const inserted = await rawClient(db)<{ tenant_id: string; event_id: string }[]>`
    insert into inbox_events (tenant_id, event_id, type, version, source, occurred_at, entity_id, job_name, job_id, payload)
    select r.tenant_id, r.event_id, r.type, r.version, r.source, r.occurred_at, r.entity_id, r.job_name, r.job_id, r.payload
    from jsonb_to_recordset(${json}::text::jsonb) as r(
      tenant_id text, event_id text, type text, version integer, source text, occurred_at timestamptz,
      entity_id text, job_name text, job_id text, payload jsonb)
    on conflict (tenant_id, event_id) do nothing
    returning tenant_id, event_id`;
  return new Set(inserted.map((r) => keyOf({ tenantId: r.tenant_id, eventId: r.event_id })));
}

/** Orders keys by tenant, then event id: every multi-row write locks rows in this order (no deadlocks). */
function byKey(a: InboxKey, b: InboxKey): number {
  if (a.tenantId !== b.tenantId) return a.tenantId < b.tenantId ? -1 : 1;
  return a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0;
}

/** Keys as two parallel arrays in key order, for `unnest` (one fixed statement text whatever the count). */
function keyArrays(keys: readonly InboxKey[]): { tenantIds: string[]; eventIds: string[] } {
  const sorted = [...keys].sort(byKey);
  return { tenantIds: sorted.map((k) => k.tenantId), eventIds: sorted.map((k) => k.eventId) };
}

/** Key form used by insertInboxEvents' result set. */
export const inboxKey = keyOf;

export async function findInboxEvents(db: Database, keys: readonly InboxKey[]): Promise<InboxRow[]> {
  if (keys.length === 0) return [];
  return db.select().from(inboxEvents).where(matchKeys(keys));
}

export async function getInboxEvent(db: Database, tenantId: string, eventId: string): Promise<InboxRow | undefined> {
  const rows = await db
    .select()
    .from(inboxEvents)
    .where(and(eq(inboxEvents.tenantId, tenantId), eq(inboxEvents.eventId, eventId)))
    .limit(1);
  return rows[0];
}

/** The newest state of an entity received that happened no later than its (first) void event. */
export interface StateBeforeVoid {
  eventId: string;
  occurredAt: Date;
  payload: unknown;
}

/**
 * What a sync job starts from, in one statement: the tenant's context and mappings versions (see
 * tenants.context_version, mappings_version) and the event's payload (undefined when the event is gone). Undefined when the tenant does not exist.
 */
export async function getJobInput(
  db: Database,
  tenantId: string,
  eventId: string,
  /**
   * Also ask whether an event of this type about this entity was received (a void that overtook it) and,
   * with `stateTypes`, the newest event of those types about it that happened no later than that void: the
   * state a void decides on, whichever job ran first.
   */
  alsoReceived?: { entityId: string; type: string; stateTypes?: readonly string[] },
): Promise<
  | {
      contextVersion: number;
      mappingsVersion: number;
      payload: unknown;
      received: boolean;
      stateBeforeVoid: StateBeforeVoid | undefined;
    }
  | undefined
> {
  const type = alsoReceived?.type ?? null;
  const entityId = alsoReceived?.entityId ?? null;
  const stateTypes = alsoReceived?.stateTypes ?? [];
  const rows = await rawClient(db)<
    {
      context_version: string;
      mappings_version: string;
      payload: unknown;
      received: boolean;
      state_event_id: string | null;
      state_occurred_at: Date | null;
      state_payload: unknown;
    }[]
  >`
    select t.context_version::text, t.mappings_version::text, i.payload,
      v.void_at is not null as received,
      s.event_id as state_event_id, s.occurred_at as state_occurred_at, s.payload as state_payload
    from tenants t
    left join inbox_events i on i.tenant_id = t.id and i.event_id = ${eventId}::text
    left join lateral (
      select min(x.occurred_at) as void_at from inbox_events x
      where ${type}::text is not null and x.tenant_id = t.id and x.entity_id = ${entityId}::text and x.type = ${type}::text
    ) v on true
    left join lateral (
      select y.event_id, y.occurred_at, y.payload from inbox_events y
      where v.void_at is not null and y.tenant_id = t.id and y.entity_id = ${entityId}::text
        and y.type = any(${stateTypes as string[]}::text[]) and y.occurred_at <= v.void_at
      order by y.occurred_at desc, y.event_id desc limit 1
    ) s on true
    where t.id = ${tenantId}::text`;
  const row = rows[0];
  return row
    ? {
        contextVersion: Number(row.context_version),
        mappingsVersion: Number(row.mappings_version),
        payload: row.payload ?? undefined,
        received: row.received,
        stateBeforeVoid:
          row.state_event_id && row.state_occurred_at
            ? { eventId: row.state_event_id, occurredAt: new Date(row.state_occurred_at), payload: row.state_payload }
            : undefined,
      }
    : undefined;
}

/** Records that these rows are on a queue; rows already marked keep their first time. One fixed statement. */
export async function markEnqueued(db: Database, keys: readonly InboxKey[], at: Date = new Date()): Promise<void> {
  if (keys.length === 0) return;
  const { tenantIds, eventIds } = keyArrays(keys);
  await rawClient(db)`
    update inbox_events i set enqueued_at = ${at.toISOString()}::timestamptz
    from unnest(${tenantIds}::text[], ${eventIds}::text[]) as k(tenant_id, event_id)
    where i.tenant_id = k.tenant_id and i.event_id = k.event_id and i.enqueued_at is null`;
}

/**
 * Rows stored but never queued, oldest first, received at least `olderThanMs` ago (so in-flight publishes
 * are left alone). Age is measured on the database clock, the one that stamped received_at.
 */
export async function findUnenqueued(db: Database, opts: { olderThanMs: number; limit: number }): Promise<InboxRow[]> {
  return db
    .select()
    .from(inboxEvents)
    .where(
      and(
        isNull(inboxEvents.enqueuedAt),
        lte(inboxEvents.receivedAt, sql`now() - make_interval(secs => ${opts.olderThanMs / 1000})`),
      ),
    )
    .orderBy(asc(inboxEvents.receivedAt))
    .limit(opts.limit);
}

/**
 * Queued rows whose job has not finished, last queued (or found queued) at least `staleMs` ago, least
 * recently checked first: the candidates for a job Redis lost. Ages are on the database clock.
 */
export async function findUnprocessed(db: Database, opts: { staleMs: number; limit: number }): Promise<InboxRow[]> {
  return db
    .select()
    .from(inboxEvents)
    .where(
      and(
        isNull(inboxEvents.processedAt),
        isNotNull(inboxEvents.enqueuedAt),
        lte(inboxEvents.enqueuedAt, sql`now() - make_interval(secs => ${opts.staleMs / 1000})`),
      ),
    )
    .orderBy(asc(inboxEvents.enqueuedAt))
    .limit(opts.limit);
}

/** Of these keys, the ones still not processed (a re-check just before queueing again). */
export async function stillUnprocessed(db: Database, keys: readonly InboxKey[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const rows = await db
    .select({ tenantId: inboxEvents.tenantId, eventId: inboxEvents.eventId })
    .from(inboxEvents)
    .where(and(matchKeys(keys), isNull(inboxEvents.processedAt)));
  return new Set(rows.map(keyOf));
}

/** Stamps rows as queued (or found queued) now, so the sweep checks them again only after `staleMs`. */
export async function touchEnqueued(db: Database, keys: readonly InboxKey[]): Promise<void> {
  if (keys.length === 0) return;
  await db
    .update(inboxEvents)
    .set({ enqueuedAt: sql`now()` })
    .where(and(matchKeys(keys), isNull(inboxEvents.processedAt)));
}

/** Records that a run of each event's job ended for good; a row already marked keeps its first time. */
export async function markProcessed(db: Database, keys: readonly InboxKey[]): Promise<void> {
  if (keys.length === 0) return;
  // One fixed statement whatever the number of keys (the worker marks one event per job run).
  const { tenantIds, eventIds } = keyArrays(keys);
  await rawClient(db)`
    update inbox_events i set processed_at = now()
    from unnest(${tenantIds}::text[], ${eventIds}::text[]) as k(tenant_id, event_id)
    where i.tenant_id = k.tenant_id and i.event_id = k.event_id and i.processed_at is null`;
}

/** How many accepted events no job run has finished yet, and how long the oldest has waited (seconds). */
export async function inboxBacklog(db: Database): Promise<{ unprocessed: number; oldestAgeSeconds: number }> {
  const rows = await db
    .select({
      unprocessed: sql<number>`count(*)::int`,
      oldestAgeSeconds: sql<number>`coalesce(extract(epoch from now() - min(${inboxEvents.receivedAt})), 0)::float8`,
    })
    .from(inboxEvents)
    .where(isNull(inboxEvents.processedAt));
  return rows[0] ?? { unprocessed: 0, oldestAgeSeconds: 0 };
}

/** The newest event received about one entity (any of `types`), e.g. to report `pending` before a sync record exists. */
export async function latestEventForEntity(
  db: Database,
  tenantId: string,
  entityId: string,
  types: readonly string[],
): Promise<InboxRow | undefined> {
  if (types.length === 0) return undefined;
  const rows = await db
    .select()
    .from(inboxEvents)
    .where(
      and(
        eq(inboxEvents.tenantId, tenantId),
        eq(inboxEvents.entityId, entityId),
        inArray(inboxEvents.type, [...types]),
      ),
    )
    .orderBy(desc(inboxEvents.receivedAt))
    .limit(1);
  return rows[0];
}

/** Counts for dashboards and tests. */
export async function countInbox(db: Database, tenantId?: string): Promise<{ total: number; unenqueued: number }> {
  const rows = await db
    .select({
      total: sql<number>`count(*)::int`,
      unenqueued: sql<number>`count(*) filter (where ${inboxEvents.enqueuedAt} is null)::int`,
    })
    .from(inboxEvents)
    .where(tenantId ? eq(inboxEvents.tenantId, tenantId) : undefined);
  return rows[0] ?? { total: 0, unenqueued: 0 };
}

/**
 * Whether an event of this type about this entity was received (e.g. a void that overtook its original).
 * Asked by syncs that did not read it with their job input (e.g. a close-out's invoice): fixed SQL text.
 */
export async function hasInboxEvent(db: Database, tenantId: string, entityId: string, type: string): Promise<boolean> {
  const rows = await rawClient(db)`
    select 1 from inbox_events
    where tenant_id = ${tenantId}::text and entity_id = ${entityId}::text and type = ${type}::text limit 1`;
  return rows.length > 0;
}

export interface EntityEventRow {
  eventId: string;
  type: string;
  occurredAt: Date;
  receivedAt: Date;
  processedAt: Date | null;
}

/**
 * Every event received about one entity (its type's events, e.g. invoice.* for an invoice), newest first:
 * the first part of a record's timeline. Uses the (tenant, entity) index.
 */
export async function eventsOfEntity(
  db: Database,
  key: { tenantId: string; entityType: string; entityId: string },
  limit = 100,
): Promise<EntityEventRow[]> {
  return db
    .select({
      eventId: inboxEvents.eventId,
      type: inboxEvents.type,
      occurredAt: inboxEvents.occurredAt,
      receivedAt: inboxEvents.receivedAt,
      processedAt: inboxEvents.processedAt,
    })
    .from(inboxEvents)
    .where(
      and(
        eq(inboxEvents.tenantId, key.tenantId),
        eq(inboxEvents.entityId, key.entityId),
        like(inboxEvents.type, `${key.entityType}.%`),
      ),
    )
    .orderBy(desc(inboxEvents.receivedAt))
    .limit(limit);
}
