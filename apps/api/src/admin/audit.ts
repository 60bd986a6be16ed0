// Every change an operator makes goes through `audited`: the entry is written before the action (who, what,
// which tenant, the filter or ids, the note) and completed after it with the count, or with the error — so an
// action cut short by a crash still shows as `started`.
import type { AuditAction, AuditEntryView, OperatorRole } from '@qbo-sync/contracts';
import { type AuditRow, finishAudit, startAudit } from '@qbo-sync/db/repositories/audit';
import type { FastifyRequest } from 'fastify';
import type { ApiDeps } from '../deps.js';
import { operatorOf } from './identity.js';

export interface AuditEntryInput {
  action: AuditAction;
  tenantId?: string | null;
  target?: Record<string, unknown> | null;
  note?: string | null | undefined;
}

/** Runs an operator's action between the two halves of its audit entry; `count` reads how many it touched. */
export async function audited<T>(
  deps: ApiDeps,
  request: FastifyRequest,
  entry: AuditEntryInput,
  action: () => Promise<T>,
  count: (result: T) => number | null = () => null,
): Promise<T> {
  const actor = operatorOf(request);
  const row = await startAudit(deps.db, {
    actorId: actor.id,
    actorName: actor.name,
    actorRole: actor.role,
    action: entry.action,
    tenantId: entry.tenantId ?? null,
    target: entry.target ?? null,
    note: entry.note ?? null,
    requestId: request.id,
  });
  let result: T;
  try {
    result = await action();
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const error = `${typeof code === 'string' ? `${code}: ` : ''}${err instanceof Error ? err.message : String(err)}`;
    await finishAudit(deps.db, row.id, { ok: false, error: error.slice(0, 1000) }).catch((e) =>
      request.log.error({ err: e, auditId: row.id }, 'audit entry not completed'),
    );
    throw err;
  }
  await finishAudit(deps.db, row.id, { ok: true, count: count(result) });
  return result;
}

const iso = (d: Date) => d.toISOString();

export function auditEntryView(row: AuditRow): AuditEntryView {
  return {
    id: row.id,
    at: iso(row.at),
    actor: { id: row.actorId, name: row.actorName, role: row.actorRole as OperatorRole },
    action: row.action as AuditAction,
    tenantId: row.tenantId,
    target: (row.target as Record<string, unknown> | null) ?? null,
    count: row.count,
    note: row.note,
    result: row.result as AuditEntryView['result'],
    error: row.error,
    requestId: row.requestId,
  };
}
