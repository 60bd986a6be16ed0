import { DomainEvent, type RetryState, type SyncEntityType, type SyncJobPayload } from '@qbo-sync/contracts';
import { isConnectionFault } from '@qbo-sync/db/connection-faults';
import { getJobInput } from '@qbo-sync/db/repositories/inbox';
import { ensureRecord, markRetrying, type SyncRecordRow, storeSnapshot } from '@qbo-sync/db/repositories/sync-records';
import { faultStatus } from '@qbo-sync/sync-core';
import { UnrecoverableError } from 'bullmq';
import { ZodError } from 'zod';
import { CustomerNameConflictError } from '../errors/customer-conflict-error.js';
import { StepAsideError } from '../errors/deferred-error.js';
import { MissingSnapshotError } from '../errors/missing-snapshot-error.js';
import type { SyncDeps } from './deps.js';
import { faultOf } from './faults.js';
import { NoIncomeAccountError } from './items.js';
import { assertLocksHeld, currentJobScope, LockLostError, WorkerClosingError } from './job-scope.js';
import type { Outcome } from './outcome.js';
import { type AttemptInfo, writeOutcome } from './record-writer.js';
import { snapshotFromEvent } from './snapshots.js';
import {
  countBusyStreak,
  defer,
  deferralMs,
  type JobRun,
  mustRecheckQbo,
  stepAsideOf,
  throttleDeferral,
} from './step-aside.js';
import { loadTenantContext, type TenantContext, UnknownTenantError } from './tenant-context.js';

/** How long a job waits for its own entity's lock before stepping aside (deferred, no attempt spent). */
const ENTITY_LOCK_WAIT_MS = 2_000;

export { defer, handBackWhenClosing } from './step-aside.js';
export type { JobRun };

export interface EntityStep {
  entityType: SyncEntityType;
  externalId: string;
  /** The billing data to store first (newest wins), when the job carries it. */
  snapshot?: { data: unknown; occurredAt: Date; eventId: string };
  jobName: string;
  sync: (record: SyncRecordRow) => Promise<Outcome>;
  /** After a successful write (e.g. apply deposits once the invoice is in QBO). */
  after?: (record: SyncRecordRow) => Promise<void>;
  /**
   * The job's only entity: its outcome marks the job's event processed in the same statement. (`after` work
   * left undone by a crash has its own sweep, e.g. deposits.)
   */
  endsJob?: boolean;
}

/**
 * One entity's sync under its lock: store the snapshot, decide and post, write the outcome. Failures are
 * sorted here: throttles defer the job, reconnects and conflicts park the record (the job completes),
 * permanent faults fail fast (UnrecoverableError), transient ones are rethrown for BullMQ's backoff —
 * and the record turns `failed` only when the last attempt is spent.
 */
export async function runEntity(
  deps: SyncDeps,
  ctx: TenantContext,
  run: JobRun,
  step: EntityStep,
): Promise<SyncRecordRow> {
  const key = { tenantId: ctx.tenantId, entityType: step.entityType, externalId: step.externalId };
  try {
    return await deps.locks.withLock(key, ENTITY_LOCK_WAIT_MS, async () => {
      const record = step.snapshot
        ? (
            await storeSnapshot(deps.db, key, {
              snapshot: step.snapshot.data,
              occurredAt: step.snapshot.occurredAt,
              eventId: step.snapshot.eventId,
            })
          ).record
        : await ensureRecord(deps.db, key);
      const attempt: AttemptInfo = {
        jobId: run.job.id,
        eventId: (run.job.data as Partial<SyncJobPayload>).eventId,
        attempt: run.job.attemptsMade + 1,
        startedAt: new Date(deps.now()),
        jobName: step.jobName,
        endsJob: step.endsJob === true,
        mappingsVersion: ctx.mappingsVersion,
      };
      let outcome: Outcome;
      try {
        // After a lost lock or a superseded outcome, QBO may hold an overlapping run's older write although
        // the record says it has this version: the rerun writes this version again (see RECHECK_QBO).
        outcome = await step.sync(mustRecheckQbo(run) ? { ...record, syncedHash: null } : record);
      } catch (err) {
        return await handleFailure(deps, ctx, run, record, attempt, err);
      }
      // Another job may have run this entity since our lock was lost: its outcome (and its newer snapshot)
      // must not be overwritten with ours. The rerun finds what we wrote in QBO (requestid, marker).
      assertLocksHeld();
      const next = await writeOutcome(deps, record, outcome, attempt, ctx.settings.callbackUrl);
      if (outcome.kind === 'synced' && step.after) await step.after(next);
      return next;
    });
  } catch (err) {
    const aside = stepAsideOf(err);
    if (!aside) throw err;
    // Out of the entity lock by now: nothing is left to do between moving the job and ending the run.
    const streak = await countBusyStreak(deps, ctx, run, key, aside, err);
    return defer(run, await deferralMs(deps, run, ctx.tenantId, aside), aside.reason, streak);
  }
}

async function handleFailure(
  deps: SyncDeps,
  ctx: TenantContext,
  run: JobRun,
  record: SyncRecordRow,
  attempt: AttemptInfo,
  err: unknown,
): Promise<SyncRecordRow> {
  const cb = ctx.settings.callbackUrl;
  // A store outage is not the sync's fault: nothing recorded, the job steps aside (store-outage.ts).
  if (stepAsideOf(err) || isConnectionFault(err)) throw err;
  // After a lost entity lock nothing is recorded, whatever failed: the rerun decides afresh.
  const lost = currentJobScope()?.lost;
  if (lost && lost.size > 0) throw new LockLostError([...lost]);
  if (err instanceof NoIncomeAccountError) {
    return writeOutcome(
      deps,
      record,
      {
        kind: 'parked',
        status: 'needs_mapping',
        reasonCode: err.code,
        reason: err.message,
        details: { missing: [err.missing] },
      },
      attempt,
      cb,
    );
  }
  if (err instanceof CustomerNameConflictError) {
    return writeOutcome(
      deps,
      record,
      { kind: 'parked', status: 'conflict', reasonCode: err.code, reason: err.message },
      attempt,
      cb,
    );
  }
  if (err instanceof MissingSnapshotError || err instanceof ZodError) {
    const reason =
      err instanceof ZodError
        ? `The stored billing data is not valid any more: ${err.issues[0]?.message ?? 'invalid'}. Re-send the event.`
        : err.message;
    await writeOutcome(
      deps,
      record,
      { kind: 'parked', status: 'failed', reasonCode: err instanceof ZodError ? 'INVALID_SNAPSHOT' : err.code, reason },
      attempt,
      cb,
    );
    throw new UnrecoverableError(reason);
  }
  const fault = faultOf(err) ?? { code: 'UNKNOWN' as const, detail: err instanceof Error ? err.message : String(err) };
  const fs = faultStatus(fault.code, fault.detail);
  const log = deps.logger.child({
    tenantId: ctx.tenantId,
    entity: `${record.entityType}:${record.externalId}`,
    jobId: run.job.id,
  });
  switch (fs.handling) {
    case 'delay': {
      // A budget wait cut short because the worker is closing: hand the job back at once.
      if (currentJobScope()?.signal?.aborted) throw new WorkerClosingError();
      // A deferral is not an attempt: no attempt row (thousands of "QuickBooks is busy" rows helped nobody);
      // metrics count it.
      const aside = throttleDeferral(fault.code, err);
      throw new StepAsideError(aside.reason, aside.ms);
    }
    case 'park':
      return writeOutcome(
        deps,
        record,
        {
          kind: 'parked',
          status: fs.status === 'needs_reconnect' ? 'needs_reconnect' : 'failed',
          reasonCode: fault.code,
          reason: fs.reason,
        },
        attempt,
        cb,
      );
    case 'fail':
    case 'resolve':
      log.warn({ err, code: fault.code }, 'permanent QBO fault; failing without retries');
      await writeOutcome(
        deps,
        record,
        { kind: 'parked', status: 'failed', reasonCode: fault.code, reason: fs.reason },
        attempt,
        cb,
      );
      throw new UnrecoverableError(fs.reason);
    case 'retry': {
      const last = run.job.attemptsMade + 1 >= (run.job.opts.attempts ?? 1);
      if (last) {
        await writeOutcome(
          deps,
          record,
          {
            kind: 'parked',
            status: 'failed',
            reasonCode: fault.code,
            reason: `${fs.reason} (gave up after ${attempt.attempt} attempts)`,
          },
          attempt,
          cb,
        );
      } else {
        // The record shows it is being retried (attempt, fault, next try) instead of looking untouched.
        await markRetrying(
          deps.db,
          record,
          {
            eventId: attempt.eventId ?? null,
            jobId: attempt.jobId ?? null,
            attempt: attempt.attempt,
            startedAt: attempt.startedAt,
            faultCode: fault.code,
            message: fs.reason,
          },
          retryState(run, attempt, fault.code, fs.reason, deps.now()),
        );
      }
      log.info({ err, code: fault.code, attempt: attempt.attempt, last }, 'transient fault');
      throw err;
    }
  }
}

/**
 * The events carrying an entity's own state that a void of it decides on. Invoices only: a payment has no
 * draft, so its newest state matters to a void no more than its record's. (A close-out's invoice is keyed by
 * its billing job, not the invoice: a void overtaking a close-out decides on the record's snapshot.)
 */
const VOID_DECIDES_ON: Partial<Record<'invoice.voided' | 'payment.voided', readonly string[]>> = {
  'invoice.voided': ['invoice.sent', 'invoice.updated'],
};

/**
 * Loads the tenant and the job's event (absent for resumes of entities whose event is gone): one statement
 * (the event with the tenant's context version, and whether an event of `alsoReceived` type about the job's
 * entity was received — a void that overtook its original — with the newest state of the entity received
 * that happened before that void), plus the context itself only when it changed.
 */
export async function loadJob(
  deps: SyncDeps,
  payload: SyncJobPayload,
  alsoReceived?: 'invoice.voided' | 'payment.voided',
): Promise<{
  ctx: TenantContext;
  event: DomainEvent | undefined;
  received: boolean;
  /** The newest state event of the entity that happened before its void (see VOID_DECIDES_ON). */
  stateBeforeVoid: DomainEvent | undefined;
}> {
  let ctx: TenantContext;
  const stateTypes = alsoReceived ? VOID_DECIDES_ON[alsoReceived] : undefined;
  const input = await getJobInput(
    deps.db,
    payload.tenantId,
    payload.eventId,
    alsoReceived
      ? { entityId: payload.entityId, type: alsoReceived, ...(stateTypes ? { stateTypes } : {}) }
      : undefined,
  );
  try {
    if (!input) throw new UnknownTenantError(payload.tenantId);
    ctx = await loadTenantContext(deps, payload.tenantId, input);
  } catch (err) {
    if (err instanceof UnknownTenantError) throw new UnrecoverableError(err.message);
    throw err;
  }
  const parse = (p: unknown) => {
    const parsed = p === undefined ? undefined : DomainEvent.safeParse(p);
    return parsed?.success ? parsed.data : undefined;
  };
  const event = parse(input.payload);
  const before = input.stateBeforeVoid;
  return {
    ctx,
    event,
    received: input.received,
    stateBeforeVoid: before?.eventId === payload.eventId ? event : parse(before?.payload),
  };
}

/** The snapshot step input for an entity from the job's event, when the event carries its data. */
export function snapshotStep(
  event: DomainEvent | undefined,
  entityType: SyncEntityType,
  entityId: string,
): EntityStep['snapshot'] {
  if (!event) return undefined;
  const data = snapshotFromEvent(event, entityType, entityId);
  return data === undefined ? undefined : { data, occurredAt: new Date(event.occurredAt), eventId: event.id };
}

/**
 * What the record says while BullMQ retries it: the attempt that failed, why, and about when the next runs
 * (BullMQ's exponential backoff: delay × 2^(attempt-1); a fixed backoff waits its delay).
 */
export function retryState(
  run: JobRun,
  attempt: AttemptInfo,
  faultCode: string,
  reason: string,
  nowMs: number,
): RetryState {
  const backoff = run.job.opts.backoff;
  const spec = typeof backoff === 'number' ? { type: 'fixed', delay: backoff } : backoff;
  const delay = spec?.delay ?? 0;
  const waitMs = spec?.type === 'exponential' ? delay * 2 ** (attempt.attempt - 1) : delay;
  return {
    attempt: attempt.attempt,
    maxAttempts: run.job.opts.attempts ?? 1,
    faultCode,
    reason,
    nextTryAt: spec ? new Date(nowMs + waitMs).toISOString() : null,
    at: new Date(nowMs).toISOString(),
  };
}
