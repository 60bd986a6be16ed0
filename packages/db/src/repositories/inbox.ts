// The inbox: every accepted event once per (tenant, event id). A row with enqueued_at null was stored but
// not yet queued; the sweep (findUnenqueued + markEnqueued) heals a crash between PostgreSQL and Redis.
import { and, asc, desc, eq, inArray, isNull, lte, or, sql } from 'drizzle-orm';
import { type Database, rawClient } from '../client.js';
import { inboxEvents } from '../schema.js';

export type InboxRow = typeof inboxEvents.$inferSelect;
export type NewInboxRow = Omit<typeof inboxEvents.$inferInsert, 'receivedAt' | 'enqueuedAt'>;

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
 */
export async function insertInboxEvents(db: Database, rows: readonly NewInboxRow[]): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  const inserted = await db
    .insert(inboxEvents)
    .values([...rows])
    .onConflictDoNothing({ target: [inboxEvents.tenantId, inboxEvents.eventId] })
    .returning({ tenantId: inboxEvents.tenantId, eventId: inboxEvents.eventId });
  return new Set(inserted.map(keyOf));
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

/**
 * What a sync job starts from, in one statement: the tenant's context version (see tenants.context_version)
 * and the event's payload (undefined when the event is gone). Undefined when the tenant does not exist.
 */
export async function getJobInput(
  db: Database,
  tenantId: string,
  eventId: string,
): Promise<{ contextVersion: number; payload: unknown } | undefined> {
  const rows = await rawClient(db)<{ context_version: string; payload: unknown }[]>`
    select t.context_version::text, i.payload from tenants t
    left join inbox_events i on i.tenant_id = t.id and i.event_id = ${eventId}::text
    where t.id = ${tenantId}::text`;
  const row = rows[0];
  return row ? { contextVersion: Number(row.context_version), payload: row.payload ?? undefined } : undefined;
}

/** Records that these rows are on a queue; rows already marked keep their first time. */
export async function markEnqueued(db: Database, keys: readonly InboxKey[], at: Date = new Date()): Promise<void> {
  if (keys.length === 0) return;
  await db
    .update(inboxEvents)
    .set({ enqueuedAt: at })
    .where(and(matchKeys(keys), isNull(inboxEvents.enqueuedAt)));
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
