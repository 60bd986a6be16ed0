import { appendAttempt } from '@qbo-sync/db/repositories/attempts';
import { writeStatusWithAttempt } from '@qbo-sync/db/repositories/sync-outcome';
import { recordsWaitingFor, type StatusUpdate, type SyncRecordRow } from '@qbo-sync/db/repositories/sync-records';
import { arrangeCallbackRun, enqueueResume } from '@qbo-sync/producer';
import { StepAsideError } from '../errors/deferred-error.js';
import type { SyncDeps } from './deps.js';
import { noteEventProcessed } from './job-scope.js';
import type { Outcome } from './outcome.js';

/** The processing attempt being recorded (one row in sync_attempts). */
export interface AttemptInfo {
  jobId: string | undefined;
  eventId: string | undefined;
  attempt: number;
  startedAt: Date;
  /** The job to run when this record is resumed after parking. */
  jobName: string;
  /** This entity is the job's only one: its outcome marks the job's inbox event processed (same statement). */
  endsJob?: boolean;
  /** tenants.mappings_version behind the mappings the run decided with (see TenantContext). */
  mappingsVersion?: number | undefined;
}

/**
 * Announces a status change to the tenant's callback URL: arranges the tenant's callback run, which sends
 * every version not yet announced (one pending run per tenant, however many records change).
 */
export async function announce(deps: SyncDeps, record: SyncRecordRow, callbackUrl: string | undefined): Promise<void> {
  // A tenant without a callback URL costs nothing: no job, no read.
  if (!callbackUrl) return;
  await arrangeCallbackRun(deps.enqueue, record.tenantId, {
    syncRecordId: record.id,
    statusVersion: record.statusVersion,
  });
}

function statusUpdate(outcome: Exclude<Outcome, { kind: 'noop' }>, jobName: string, now: Date): StatusUpdate {
  switch (outcome.kind) {
    case 'synced':
      return {
        status: 'synced',
        reasonCode: null,
        reason: null,
        details: outcome.details ?? null,
        qboId: outcome.qboId,
        syncToken: outcome.syncToken,
        qboUrl: outcome.url,
        ...(outcome.docNumber !== undefined ? { docNumber: outcome.docNumber } : {}),
        syncedHash: outcome.hash,
        syncedAt: now,
        pendingJob: null,
        waitingFor: null,
        manualSyncRequestedAt: null,
        writeStartedAt: null,
        countAttempt: true,
      };
    case 'parked':
      return {
        status: outcome.status,
        reasonCode: outcome.reasonCode,
        reason: outcome.reason,
        details: outcome.details ?? null,
        pendingJob: jobName,
        waitingFor: outcome.waitingFor ?? null,
        // A parked `needs_sync` keeps waiting for a person; any other park ends the manual request.
        ...(outcome.status === 'needs_sync' ? {} : { manualSyncRequestedAt: null }),
        countAttempt: true,
      };
    case 'voided':
      return {
        status: 'voided',
        reasonCode: outcome.reasonCode ?? null,
        reason: outcome.reason,
        details: null,
        ...(outcome.syncToken !== undefined ? { syncToken: outcome.syncToken } : {}),
        ...(outcome.posted
          ? {
              qboId: outcome.posted.qboId,
              qboUrl: outcome.posted.url,
              docNumber: outcome.posted.docNumber,
              syncedHash: outcome.posted.hash,
              syncedAt: now,
              writeStartedAt: null,
            }
          : {}),
        pendingJob: null,
        waitingFor: null,
        manualSyncRequestedAt: null,
        countAttempt: true,
      };
  }
}

/** How soon a run whose outcome was superseded comes back (the newer run is likely done by then). */
const SUPERSEDED_RETRY_MS = 250;

/**
 * A run's outcome was refused because the record's snapshot moved on while it ran (see
 * writeStatusWithAttempt's fence). The job steps aside and reruns comparing the entity with QBO.
 */
export class OutcomeSupersededError extends StepAsideError {
  constructor() {
    super('superseded', SUPERSEDED_RETRY_MS);
  }
}

/**
 * Writes an outcome: status (+ QBO id, SyncToken, link…), one attempt row, a callback when the status
 * changed, and — when the entity just became synced or voided — wakes the records waiting for it.
 * Fenced on the snapshot the run read (`record.lastEventId`): OutcomeSupersededError when it moved on.
 */
export async function writeOutcome(
  deps: SyncDeps,
  record: SyncRecordRow,
  outcome: Outcome,
  attempt: AttemptInfo,
  callbackUrl: string | undefined,
): Promise<SyncRecordRow> {
  // The job's event is marked processed with the outcome when this entity is the job's only one.
  const markEvent =
    attempt.endsJob && attempt.eventId ? { tenantId: record.tenantId, eventId: attempt.eventId } : undefined;
  const base = {
    syncRecordId: record.id,
    tenantId: record.tenantId,
    eventId: attempt.eventId ?? null,
    jobId: attempt.jobId ?? null,
    attempt: attempt.attempt,
    startedAt: attempt.startedAt,
  };
  if (outcome.kind === 'noop') {
    await appendAttempt(deps.db, { ...base, outcome: 'noop', status: record.status, message: outcome.reason });
    return record;
  }
  const update: StatusUpdate = {
    ...statusUpdate(outcome, attempt.jobName, new Date(deps.now())),
    // Kept with every status: a park for a missing mapping resumes once mappings move past this version.
    ...(attempt.mappingsVersion === undefined ? {} : { mappingsVersionSeen: attempt.mappingsVersion }),
  };
  // Status, attempt and the count of waiting dependents in one statement: whoever reads the new status
  // also finds the attempt that produced it, and the dependents are read only when some wait.
  const written = await writeStatusWithAttempt(
    deps.db,
    record,
    update,
    {
      eventId: base.eventId,
      jobId: base.jobId,
      attempt: base.attempt,
      startedAt: base.startedAt,
      outcome: outcome.kind,
      faultCode: outcome.kind === 'parked' ? outcome.reasonCode : null,
      message: outcome.kind === 'synced' ? null : outcome.reason,
    },
    {
      wakeKey:
        outcome.kind === 'synced' || outcome.kind === 'voided'
          ? `${record.entityType}:${record.externalId}`
          : undefined,
      fence: { lastEventId: record.lastEventId },
      markEventProcessed: markEvent,
    },
  );
  if (!written) throw new Error(`sync record ${record.id} not found`);
  if (written.superseded) throw new OutcomeSupersededError();
  if (markEvent) noteEventProcessed();
  const { record: next, changed, waiting } = written;
  if (changed) await announce(deps, next, callbackUrl);
  // Voided wakes them too: a payment waiting for a voided invoice fails with a reason instead of waiting on.
  if (waiting > 0) await wakeDependents(deps, next);
  return next;
}

/** Records waiting on this entity run now (payments on their invoice, refunds on their payment). */
export async function wakeDependents(deps: SyncDeps, record: SyncRecordRow): Promise<number> {
  const waiting = await recordsWaitingFor(deps.db, record.tenantId, `${record.entityType}:${record.externalId}`);
  for (const w of waiting) await enqueueResume(deps, w);
  return waiting.length;
}
