// Drift: an object we posted to QBO changed there by someone else. Pure: what we recorded at sync time (a
// fingerprint of the object as QBO held it after our write), what QBO shows now, and what to do about it.
import type { TenantSettings } from '@qbo-sync/contracts';
import { compareMoney, formatCents, qboAmountToCents } from './money.js';

export type DriftEntity = 'invoice' | 'payment';
export type DriftKind = 'deleted' | 'voided' | 'edited' | 'unapplied';

/** The parts of a QBO invoice or payment whose change is drift (a memo or a balance moved by a payment is not). */
export interface QboFingerprint {
  /** TotalAmt, decimal string. */
  total?: string;
  customerId?: string;
  /** Invoices: item lines as `<item id>:<amount>`, in order. */
  lines?: string[];
  /** Payments: what the payment applies to invoices, decimal string. */
  applied?: string;
  voided?: boolean;
}

/** One changed field, in words support staff read. */
export interface FieldChange {
  field: 'object' | 'total' | 'customer' | 'lines' | 'applied' | 'status';
  old: string | null;
  new: string | null;
}

export type DriftCheck = { drift: false; reason: string } | { drift: true; kind: DriftKind; changes: FieldChange[] };

/** What QBO shows now: gone, or the object's SyncToken and fingerprint. */
export type QboObservation = { deleted: true } | { deleted: false; syncToken: string; fingerprint: QboFingerprint };

type Row = Record<string, unknown>;
const money = (v: unknown) => formatCents(qboAmountToCents(typeof v === 'number' || typeof v === 'string' ? v : 0));
const refValue = (v: unknown) => ((v as { value?: unknown } | undefined)?.value as string | undefined) ?? undefined;

/**
 * The fingerprint of a QBO invoice or payment as the API returns it. A voided transaction is recognised as QBO
 * marks it: zero total and a PrivateNote starting with "Voided".
 */
export function fingerprintOf(entity: DriftEntity, qbo: Row): QboFingerprint {
  const lines = Array.isArray(qbo['Line']) ? (qbo['Line'] as Row[]) : [];
  const total = money(qbo['TotalAmt']);
  const voided = total === '0.00' && /^Voided/.test(String(qbo['PrivateNote'] ?? ''));
  const customerId = refValue(qbo['CustomerRef']);
  const base = { total, voided, ...(customerId ? { customerId } : {}) };
  if (entity === 'invoice') {
    return {
      ...base,
      lines: lines
        .filter((l) => l['DetailType'] === 'SalesItemLineDetail')
        .map(
          (l) => `${refValue((l['SalesItemLineDetail'] as Row | undefined)?.['ItemRef']) ?? '?'}:${money(l['Amount'])}`,
        ),
    };
  }
  let applied = 0n;
  for (const l of lines) {
    const linked = Array.isArray(l['LinkedTxn']) ? (l['LinkedTxn'] as Row[]) : [];
    if (linked.some((t) => t['TxnType'] === 'Invoice')) applied += qboAmountToCents(money(l['Amount']));
  }
  return { ...base, applied: formatCents(applied) };
}

/**
 * Compares what we recorded with what QBO shows. Our own write (QBO still at our SyncToken) is never drift;
 * another SyncToken is drift only when a field we own changed (a payment linking to an invoice bumps the
 * invoice's SyncToken and changes nothing we sent). Only the fields we recorded are compared.
 */
export function detectDrift(
  ours: { syncToken: string | null; fingerprint: QboFingerprint },
  seen: QboObservation,
): DriftCheck {
  if (seen.deleted) {
    return { drift: true, kind: 'deleted', changes: [{ field: 'object', old: 'in QuickBooks', new: 'deleted' }] };
  }
  if (ours.syncToken !== null && seen.syncToken === ours.syncToken) {
    return { drift: false, reason: 'QuickBooks holds the version we wrote' };
  }
  const a = ours.fingerprint;
  const b = seen.fingerprint;
  if (b.voided && !a.voided) {
    return {
      drift: true,
      kind: 'voided',
      changes: [
        { field: 'status', old: 'open', new: 'voided' },
        { field: 'total', old: a.total ?? null, new: b.total ?? null },
      ],
    };
  }
  const changes: FieldChange[] = [];
  if (a.total !== undefined && a.total !== b.total)
    changes.push({ field: 'total', old: a.total, new: b.total ?? null });
  if (a.customerId !== undefined && a.customerId !== b.customerId)
    changes.push({ field: 'customer', old: a.customerId, new: b.customerId ?? null });
  if (a.lines !== undefined && a.lines.join(', ') !== (b.lines ?? []).join(', '))
    changes.push({ field: 'lines', old: a.lines.join(', '), new: (b.lines ?? []).join(', ') });
  if (a.applied !== undefined && a.applied !== b.applied)
    changes.push({ field: 'applied', old: a.applied, new: b.applied ?? null });
  if (changes.length === 0) return { drift: false, reason: 'nothing we sent changed in QuickBooks' };
  // A payment whose amount and customer stand but applies less than we applied was unapplied in QBO.
  const unapplied =
    changes.every((c) => c.field === 'applied') && compareMoney(b.applied ?? '0.00', a.applied ?? '0.00') < 0;
  return { drift: true, kind: unapplied ? 'unapplied' : 'edited', changes };
}

export type DriftPolicy = TenantSettings['driftPolicy'];
export type DriftAction = 'heal' | 'flag';

/** The tenant's policy for this kind of drift. A voided object is always flagged: QuickBooks cannot un-void. */
export function driftAction(kind: DriftKind, policy: DriftPolicy): DriftAction {
  switch (kind) {
    case 'deleted':
      return policy.deleted;
    case 'voided':
      return 'flag';
    case 'edited':
    case 'unapplied':
      return policy.edited;
  }
}

const WHAT: Record<DriftKind, string> = {
  deleted: 'was deleted in QuickBooks',
  voided: 'was voided in QuickBooks',
  edited: 'was changed in QuickBooks',
  unapplied: 'was unapplied from its invoice in QuickBooks',
};

/** The record's reason: what changed, when, field by field (old → new), and what support can do. */
export function describeDrift(
  entity: DriftEntity,
  label: string,
  kind: DriftKind,
  changes: readonly FieldChange[],
  at: Date,
  action: DriftAction,
): string {
  const fields = changes
    .filter((c) => c.field !== 'object')
    .map((c) => `${c.field} ${c.old ?? '(none)'} → ${c.new ?? '(none)'}`)
    .join('; ');
  const head = `The ${entity} ${label} ${WHAT[kind]} (noticed ${at.toISOString()})${fields ? `: ${fields}` : ''}.`;
  if (action === 'heal') {
    return `${head} ${kind === 'deleted' ? 'Re-creating it' : 'Putting our version back'} by the tenant's drift policy.`;
  }
  return `${head} If that was meant, accept QuickBooks' version; otherwise push ours again.`;
}
