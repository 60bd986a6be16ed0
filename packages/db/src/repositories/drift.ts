// Drift bookkeeping: records found by their QBO id, Intuit webhook notifications accepted once, and where each
// company's change-data-capture sweep stands.
import { and, eq, sql } from 'drizzle-orm';
import { type Database, rawClient } from '../client.js';
import { cdcCursors, qboConnections, qboWebhookEvents, syncRecords } from '../schema.js';
import type { SyncRecordRow } from './sync-records.js';

/** Our record of a QBO object (by the id QBO gave it), if we own it. */
export async function recordByQboId(
  db: Database,
  key: { tenantId: string; entityType: string; qboId: string },
): Promise<SyncRecordRow | undefined> {
  const rows = await db
    .select()
    .from(syncRecords)
    .where(
      and(
        eq(syncRecords.tenantId, key.tenantId),
        eq(syncRecords.entityType, key.entityType),
        eq(syncRecords.qboId, key.qboId),
      ),
    )
    .limit(1);
  return rows[0];
}

/** Tenants connected (active) to a QBO company; empty for a realm we do not serve. */
export async function tenantsOfRealm(db: Database, realmId: string): Promise<string[]> {
  const rows = await db
    .select({ tenantId: qboConnections.tenantId })
    .from(qboConnections)
    .where(and(eq(qboConnections.realmId, realmId), eq(qboConnections.status, 'active')));
  return rows.map((r) => r.tenantId);
}

export interface WebhookEventRow {
  tenantId: string;
  eventKey: string;
  realmId: string;
  entity: string;
  qboId: string;
  operation: string;
}

/** Stores notifications; returns the ones not seen before (a redelivery or replay returns nothing). */
export async function acceptWebhookEvents(db: Database, rows: readonly WebhookEventRow[]): Promise<WebhookEventRow[]> {
  if (rows.length === 0) return [];
  // Key order: two overlapping deliveries cannot deadlock each other.
  const sorted = [...rows].sort((a, b) =>
    a.tenantId === b.tenantId ? (a.eventKey < b.eventKey ? -1 : 1) : a.tenantId < b.tenantId ? -1 : 1,
  );
  const inserted = await db
    .insert(qboWebhookEvents)
    .values(sorted)
    .onConflictDoNothing()
    .returning({ tenantId: qboWebhookEvents.tenantId, eventKey: qboWebhookEvents.eventKey });
  const fresh = new Set(inserted.map((r) => `${r.tenantId}\u0000${r.eventKey}`));
  return sorted.filter((r) => fresh.has(`${r.tenantId}\u0000${r.eventKey}`));
}

export type CdcCursorRow = typeof cdcCursors.$inferSelect;

export async function getCdcCursor(db: Database, tenantId: string): Promise<CdcCursorRow | undefined> {
  const rows = await db.select().from(cdcCursors).where(eq(cdcCursors.tenantId, tenantId)).limit(1);
  return rows[0];
}

/** Moves the cursor on after a CDC answer was handled; `finished` marks the run done (the next is due later). */
export async function advanceCdcCursor(
  db: Database,
  tenantId: string,
  changedSince: Date,
  finished: { at: Date } | undefined,
): Promise<void> {
  await db
    .insert(cdcCursors)
    .values({ tenantId, changedSince, ...(finished ? { lastRunAt: finished.at } : {}) })
    .onConflictDoUpdate({
      target: cdcCursors.tenantId,
      set: { changedSince, updatedAt: new Date(), ...(finished ? { lastRunAt: finished.at } : {}) },
    });
}

/** Asks for a sweep before the next scheduled one (a person, a webhook gap). */
export async function requestCdcSweep(db: Database, tenantId: string, at: Date): Promise<void> {
  await db
    .insert(cdcCursors)
    .values({ tenantId, changedSince: new Date(at.getTime() - 24 * 3600 * 1000), requestedAt: at })
    .onConflictDoUpdate({ target: cdcCursors.tenantId, set: { requestedAt: at, updatedAt: new Date() } });
}

export interface DueCdcSweep {
  tenantId: string;
  reason: 'schedule' | 'reconnect' | 'requested';
  /** Names the due state: a sweep job id carries it, so one state is swept once however often it is seen. */
  stamp: string;
}

/**
 * Actively connected companies whose sweep is due: asked for since the last run, or last run (or, never run,
 * connected) more than `intervalMs` ago.
 */
export async function dueCdcSweeps(db: Database, opts: { intervalMs: number; limit: number }): Promise<DueCdcSweep[]> {
  const rows = await rawClient(db)<
    { tenant_id: string; requested: boolean; last_run_ms: string | null; requested_ms: string | null }[]
  >`
    select c.tenant_id,
      (c.requested_at is not null and c.requested_at > coalesce(c.last_run_at, '-infinity')) as requested,
      (extract(epoch from c.last_run_at) * 1000)::bigint::text as last_run_ms,
      (extract(epoch from c.requested_at) * 1000)::bigint::text as requested_ms
    from cdc_cursors c join qbo_connections q on q.tenant_id = c.tenant_id and q.status = 'active'
    where (c.requested_at is not null and c.requested_at > coalesce(c.last_run_at, '-infinity'))
      or coalesce(c.last_run_at, c.created_at) < now() - make_interval(secs => ${opts.intervalMs / 1000}::float8)
    order by coalesce(c.last_run_at, c.created_at) limit ${opts.limit}::int`;
  return rows.map((r) => ({
    tenantId: r.tenant_id,
    reason: r.requested ? 'requested' : 'schedule',
    stamp: `r${r.last_run_ms ?? 0}.q${r.requested_ms ?? 0}`,
  }));
}

/** How many notifications a tenant's company sent us (tests, support). */
export async function countWebhookEvents(db: Database, tenantId: string): Promise<number> {
  const rows = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(qboWebhookEvents)
    .where(eq(qboWebhookEvents.tenantId, tenantId));
  return rows[0]?.n ?? 0;
}

/** Takes back accepted notifications that could not be queued, so the sender's retry is not a duplicate. */
export async function forgetWebhookEvents(
  db: Database,
  rows: readonly Pick<WebhookEventRow, 'tenantId' | 'eventKey'>[],
): Promise<void> {
  for (const r of rows) {
    await db
      .delete(qboWebhookEvents)
      .where(and(eq(qboWebhookEvents.tenantId, r.tenantId), eq(qboWebhookEvents.eventKey, r.eventKey)));
  }
}
