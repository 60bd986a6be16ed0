// One owned QBO object compared with our record: drift flagged or healed by the tenant's policy. Runs under
// the entity's lock, so it never interleaves with a sync of the same record (our own write in flight).
import type { SyncEntityType } from '@qbo-sync/contracts';
import { appendAttempt } from '@qbo-sync/db/repositories/attempts';
import { type SyncRecordRow, setStatus } from '@qbo-sync/db/repositories/sync-records';
import { enqueueResume } from '@qbo-sync/producer';
import {
  type DriftEntity,
  describeDrift,
  detectDrift,
  driftAction,
  type QboFingerprint,
  type QboObservation,
} from '@qbo-sync/sync-core';
import type { SyncDeps } from '../sync/deps.js';
import { announce } from '../sync/record-writer.js';
import type { TenantContext } from '../sync/tenant-context.js';

/** What a record's drift details hold (`details.drift`); the admin API's accept/push read it. */
export interface DriftDetails {
  kind: 'deleted' | 'voided' | 'edited' | 'unapplied';
  changes: { field: string; old: string | null; new: string | null }[];
  noticedAt: string;
  action: 'heal' | 'flag';
  /** The QBO object as it was found: its id, SyncToken and fingerprint (what "accept" takes as ours). */
  qboId: string;
  qboSyncToken: string | null;
  seen: QboFingerprint | null;
  source: 'webhook' | 'cdc' | 'replay';
}

export const isDriftEntity = (t: string): t is DriftEntity => t === 'invoice' || t === 'payment';

/**
 * What we recorded of the object: the fingerprint written at sync (or accepted from QBO by support), else, for
 * records synced before fingerprints, the invoice's total and customer.
 */
export function recordedFingerprint(details: unknown): QboFingerprint {
  const d = (details ?? {}) as { qbo?: QboFingerprint; total?: unknown; qboCustomerId?: unknown; unapplied?: unknown };
  if (d.qbo && typeof d.qbo === 'object') {
    // A deposit posted unapplied is applied later by deposits.apply (under the invoice's lock, not the
    // payment's): what it applies is ours to change, not drift.
    if (d.unapplied === true) {
      const { applied: _ours, ...rest } = d.qbo;
      return rest;
    }
    return d.qbo;
  }
  return {
    ...(typeof d.total === 'string' ? { total: d.total } : {}),
    ...(typeof d.qboCustomerId === 'string' ? { customerId: d.qboCustomerId } : {}),
  };
}

export function driftDetailsOf(details: unknown): DriftDetails | undefined {
  const d = (details ?? {}) as { drift?: DriftDetails };
  return d.drift && typeof d.drift === 'object' ? d.drift : undefined;
}

/** The version suffix of a create that replaces a deleted object: a fresh requestid (the old one answers the deleted object). */
export function recreateVersion(record: Pick<SyncRecordRow, 'details' | 'qboId'>): string {
  const drift = driftDetailsOf(record.details);
  return !record.qboId && drift?.kind === 'deleted' ? `:after-${drift.qboId}` : '';
}

export type DriftResult = 'not-ours' | 'in-step' | 'already-flagged' | 'flagged' | 'healing' | 'cleared';

const label = (r: SyncRecordRow) => r.docNumber ?? r.externalId;

/**
 * Compares the record with what QBO shows and writes the outcome: `drift` with the reason (and, to heal, the
 * record's sync job queued again: a deleted object is re-created, anything else overwritten with our
 * version). A record flagged earlier that QBO matches again goes back to synced.
 */
export async function checkDrift(
  deps: SyncDeps,
  ctx: TenantContext,
  record: SyncRecordRow,
  seen: QboObservation,
  source: DriftDetails['source'],
): Promise<DriftResult> {
  if (!isDriftEntity(record.entityType) || !record.qboId) return 'not-ours';
  // Only what we consider in QBO now: a record mid-sync, parked or voided by us is not compared.
  if (record.status !== 'synced' && record.status !== 'drift') return 'not-ours';
  const entity = record.entityType;
  const previous = driftDetailsOf(record.details);
  const check = detectDrift({ syncToken: record.syncToken, fingerprint: recordedFingerprint(record.details) }, seen);
  const seenToken = seen.deleted ? null : seen.syncToken;
  if (!check.drift) {
    if (record.status !== 'drift') return 'in-step';
    const { drift: _gone, ...rest } = (record.details ?? {}) as Record<string, unknown>;
    const { record: next, changed } = await setStatus(deps.db, record.id, {
      status: 'synced',
      reasonCode: null,
      reason: null,
      details: rest,
    });
    if (changed) await announce(deps, next, ctx.settings.callbackUrl);
    return 'cleared';
  }
  if (record.status === 'drift' && previous?.qboSyncToken === seenToken && previous?.kind === check.kind) {
    return 'already-flagged';
  }
  const action = driftAction(check.kind, ctx.settings.driftPolicy);
  const now = new Date(deps.now());
  const drift: DriftDetails = {
    kind: check.kind,
    changes: check.changes,
    noticedAt: now.toISOString(),
    action,
    qboId: record.qboId,
    qboSyncToken: seenToken,
    seen: seen.deleted ? null : seen.fingerprint,
    source,
  };
  const reason = describeDrift(entity, label(record), check.kind, check.changes, now, action);
  const { record: next, changed } = await setStatus(deps.db, record.id, {
    status: 'drift',
    reasonCode: `DRIFT_${check.kind.toUpperCase()}`,
    reason,
    details: { ...((record.details ?? {}) as Record<string, unknown>), drift },
    // A deleted object is gone: the next sync creates a new one (replay, push ours, or healing now).
    ...(check.kind === 'deleted' ? { qboId: null, syncToken: null, qboUrl: null } : {}),
    // The record's own sync job resumes it (not a void job that parked it long ago).
    pendingJob: null,
  });
  await appendAttempt(deps.db, {
    syncRecordId: record.id,
    tenantId: record.tenantId,
    eventId: null,
    jobId: null,
    attempt: 0,
    startedAt: now,
    outcome: 'drift',
    status: 'drift',
    faultCode: `DRIFT_${check.kind.toUpperCase()}`,
    message: reason,
  });
  if (changed) await announce(deps, next, ctx.settings.callbackUrl);
  deps.logger.info(
    { tenantId: record.tenantId, entity: `${entity}:${record.externalId}`, kind: check.kind, action, source },
    'drift in QuickBooks',
  );
  if (action === 'heal') {
    await enqueueResume(deps, next);
    return 'healing';
  }
  return 'flagged';
}

/** QBO's entity name for our entity type. */
export const QBO_ENTITY: Partial<Record<SyncEntityType, 'Invoice' | 'Payment'>> = {
  invoice: 'Invoice',
  payment: 'Payment',
};
