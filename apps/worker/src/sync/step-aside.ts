// How a job steps aside: moved to delayed without spending an attempt (company budget, QBO 429, entity
// busy, worker closing), and the report of a job kept waiting for its entity.
import { getRecord, setStatus } from '@qbo-sync/db/repositories/sync-records';
import { laneOfPriority } from '@qbo-sync/producer';
import { isQboError } from '@qbo-sync/qbo-client';
import type { Job } from 'bullmq';
import { type DeferReason, DeferredError, ENTITY_BUSY_REPORT_AFTER, StepAsideError } from '../errors/deferred-error.js';
import { EntityBusyError } from '../errors/entity-busy-error.js';
import type { Processor } from '../processors/types.js';
import type { SyncDeps } from './deps.js';
import { currentJobScope, LockLostError, WorkerClosingError } from './job-scope.js';
import { announce } from './record-writer.js';
import type { TenantContext } from './tenant-context.js';

/** The BullMQ side of one run: the job (for attempts and deferral) and its lock token. */
export interface JobRun {
  job: Job;
  token: string | undefined;
}

/** The job data field counting consecutive `entity_busy` deferrals (kept with the job, gone with it). */
const BUSY_STREAK = 'entityBusyDeferrals';

/**
 * The job data field asking the rerun to compare its entities with QBO even when the record says QBO has
 * this version: set when a run lost its entity lock or its outcome was superseded, because a write of that
 * run may have landed in QBO after an overlapping run's newer one.
 */
export const RECHECK_QBO = 'recheckQbo';
const RECHECK_REASONS: ReadonlySet<DeferReason> = new Set(['lock_lost', 'superseded']);

/** Whether this run must not trust `syncedHash` (see RECHECK_QBO). */
export const mustRecheckQbo = (run: JobRun): boolean => (run.job.data as Record<string, unknown>)[RECHECK_QBO] === true;

/**
 * Moves only this job to delayed — other tenants' jobs keep running — without spending an attempt. Call it
 * with no lock held: BullMQ drops the job's lock here, and the job must be done before anything else runs.
 * A lock renewal BullMQ sent just then still fails ("could not renew lock"); the scope's onHandBack lets the
 * worker tell that harmless race from a job whose lock was really lost.
 */
export async function defer(run: JobRun, ms: number, reason: DeferReason, streak = 0): Promise<never> {
  if (RECHECK_REASONS.has(reason) && !mustRecheckQbo(run)) {
    await run.job.updateData({ ...(run.job.data as Record<string, unknown>), [RECHECK_QBO]: true });
  }
  currentJobScope()?.onHandBack?.();
  await run.job.moveToDelayed(Date.now() + Math.max(ms, 50), run.token);
  throw new DeferredError(reason, streak);
}

/**
 * The processor, handing its job back to the queue (no attempt spent) when the worker's closing cut one of
 * its waits short outside runEntity (e.g. a close-out's deposit step): that is a shutdown, not a failure.
 */
export function handBackWhenClosing(processor: Processor): Processor {
  return async (job, token) => {
    try {
      return await processor(job, token);
    } catch (err) {
      const aside = stepAsideOf(err);
      if (aside?.reason === 'lock_lost') return defer({ job, token }, aside.ms, 'lock_lost');
      if (err instanceof WorkerClosingError || (currentJobScope()?.signal?.aborted && isRealmBusy(err))) {
        if ((currentJobScope()?.lost.size ?? 0) > 0) return defer({ job, token }, LOCK_LOST_RETRY_MS, 'lock_lost');
        return defer({ job, token }, 0, 'worker_closing');
      }
      throw err;
    }
  };
}

/** A run that lost its entity lock comes back shortly, once the job now holding the entity is likely done. */
const LOCK_LOST_RETRY_MS = 1_000;

const isRealmBusy = (err: unknown) => isQboError(err) && err.code === 'REALM_BUSY';

/**
 * The deferral for a QBO throttle or a spent company budget (fault handling 'delay'). Jitter spreads the jobs
 * that found the budget spent, so they do not all wake together and take one request each (a herd in which
 * no job gets far enough to finish).
 */
export function throttleDeferral(code: string, err: unknown): { reason: DeferReason; ms: number } {
  const wait = (err as { retryAfterMs?: number }).retryAfterMs ?? 1_000;
  const ms = wait + Math.floor(Math.random() * Math.min(2_000, Math.max(200, wait)));
  return { reason: code === 'THROTTLED' ? 'qbo_throttled' : 'realm_budget', ms };
}

/**
 * How long a deferred job stays away. A job that found its company's budget spent (or QBO throttling) takes
 * a new release slot of its tenant's lane (producer pacing): it comes back when the budget has room for it
 * and the releases after it move back by one, instead of waking with others on the same free request and
 * deferring again.
 */
export async function deferralMs(
  deps: Pick<SyncDeps, 'pacer'>,
  run: JobRun,
  tenantId: string,
  aside: { reason: DeferReason; ms: number },
): Promise<number> {
  if (!deps.pacer || (aside.reason !== 'realm_budget' && aside.reason !== 'qbo_throttled')) return aside.ms;
  const [slot = 0] = await deps.pacer.reserve(tenantId, laneOfPriority(run.job.opts.priority), 1);
  return Math.max(aside.ms, slot);
}

/** Why a run steps aside, and for how long; undefined for errors that are not deferrals. */
export function stepAsideOf(err: unknown): { reason: DeferReason; ms: number } | undefined {
  if (err instanceof StepAsideError) return { reason: err.reason, ms: err.ms };
  if (err instanceof LockLostError) return { reason: 'lock_lost', ms: LOCK_LOST_RETRY_MS };
  if (err instanceof EntityBusyError) return { reason: 'entity_busy', ms: err.retryAfterMs };
  // Another worker takes the job at once; this one is closing.
  if (err instanceof WorkerClosingError) return { reason: 'worker_closing', ms: 0 };
  return undefined;
}

/**
 * Counts consecutive `entity_busy` deferrals in the job's data (reset by any other deferral) and reports a
 * job kept waiting too long: a warning naming the holder, the DeferredError's streak for metrics, and the
 * record's reason (its status stays) so support sees why it is not moving.
 */
export async function countBusyStreak(
  deps: SyncDeps,
  ctx: TenantContext,
  run: JobRun,
  key: { tenantId: string; entityType: string; externalId: string },
  aside: { reason: DeferReason },
  err: unknown,
): Promise<number> {
  const data = run.job.data as Record<string, unknown>;
  const before = typeof data[BUSY_STREAK] === 'number' ? (data[BUSY_STREAK] as number) : 0;
  if (aside.reason !== 'entity_busy') {
    if (before > 0) await run.job.updateData({ ...data, [BUSY_STREAK]: 0 });
    return 0;
  }
  const streak = before + 1;
  await run.job.updateData({ ...data, [BUSY_STREAK]: streak });
  if (streak >= ENTITY_BUSY_REPORT_AFTER && streak % ENTITY_BUSY_REPORT_AFTER === 0) {
    const holder = err instanceof EntityBusyError ? err.holder : undefined;
    deps.logger.warn(
      { tenantId: ctx.tenantId, entity: `${key.entityType}:${key.externalId}`, jobId: run.job.id, holder, streak },
      'job kept waiting for its entity: deferred for entity_busy many times in a row',
    );
    const record = await getRecord(deps.db, key);
    if (record && !QUIET_STATUSES.has(record.status) && record.reasonCode !== ENTITY_BUSY_REASON) {
      const { record: next, changed } = await setStatus(deps.db, record.id, {
        status: record.status,
        reasonCode: ENTITY_BUSY_REASON,
        reason:
          'Waiting for another sync of this entity to finish. If this stays for more than a few minutes, ask an operator to check the worker logs for the job holding it.',
      });
      if (changed) await announce(deps, next, ctx.settings.callbackUrl);
    }
  }
  return streak;
}

/** Statuses whose reason is not overwritten by a waiting job (QBO already has the entity). */
const QUIET_STATUSES = new Set(['synced', 'voided', 'skipped']);
const ENTITY_BUSY_REASON = 'ENTITY_BUSY';
