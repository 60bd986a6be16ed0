// The audit log: who did what, when, to which tenant, how many, and why. An entry is written before the
// action (`started`) and finished after it, so an action cut short by a crash still leaves its trace.
import { and, desc, eq, lt, type SQL } from 'drizzle-orm';
import type { Database } from '../client.js';
import { auditLog } from '../schema.js';

export type AuditRow = typeof auditLog.$inferSelect;

export interface AuditStart {
  actorId: number | null;
  actorName: string;
  actorRole: string;
  action: string;
  tenantId?: string | null;
  target?: Record<string, unknown> | null;
  note?: string | null;
  requestId?: string | null;
}

export async function startAudit(db: Database, entry: AuditStart): Promise<AuditRow> {
  const rows = await db
    .insert(auditLog)
    .values({
      actorId: entry.actorId,
      actorName: entry.actorName,
      actorRole: entry.actorRole,
      action: entry.action,
      tenantId: entry.tenantId ?? null,
      target: entry.target ?? null,
      note: entry.note ?? null,
      requestId: entry.requestId ?? null,
    })
    .returning();
  const row = rows[0];
  if (!row) throw new Error('audit entry not written');
  return row;
}

export async function finishAudit(
  db: Database,
  id: number,
  result: { ok: true; count?: number | null; target?: Record<string, unknown> } | { ok: false; error: string },
): Promise<void> {
  await db
    .update(auditLog)
    .set(
      result.ok
        ? { result: 'ok', count: result.count ?? null, ...(result.target ? { target: result.target } : {}) }
        : { result: 'failed', error: result.error },
    )
    .where(eq(auditLog.id, id));
}

export interface AuditFilter {
  tenantId?: string;
  actorName?: string;
  action?: string;
  /** Entries older than this id (the previous page's last). */
  beforeId?: number;
  limit: number;
}

/** Newest first; each filter has its own (column, id) index. */
export async function listAudit(db: Database, f: AuditFilter): Promise<{ entries: AuditRow[]; nextBeforeId?: number }> {
  const conds: SQL[] = [];
  if (f.tenantId) conds.push(eq(auditLog.tenantId, f.tenantId));
  if (f.actorName) conds.push(eq(auditLog.actorName, f.actorName));
  if (f.action) conds.push(eq(auditLog.action, f.action));
  if (f.beforeId !== undefined) conds.push(lt(auditLog.id, f.beforeId));
  const rows = await db
    .select()
    .from(auditLog)
    .where(conds.length ? and(...conds) : undefined)
    .orderBy(desc(auditLog.id))
    .limit(f.limit + 1);
  const entries = rows.slice(0, f.limit);
  const last = entries[entries.length - 1];
  return { entries, ...(rows.length > f.limit && last ? { nextBeforeId: last.id } : {}) };
}
