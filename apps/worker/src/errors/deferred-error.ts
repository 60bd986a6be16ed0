import { DelayedError } from 'bullmq';

/**
 * After this many `entity_busy` deferrals in a row a job is reported: logged with the job holding the
 * entity, counted in metrics, and the record says why it is not moving. (A job that waits on itself, or
 * on a job that never ends, must not loop silently. Each try waits 2 s for the lock, then 0.5–1 s delayed:
 * about a minute.)
 */
export const ENTITY_BUSY_REPORT_AFTER = 20;

/** Why a job stepped aside: our per-realm budget was spent, QBO answered 429, another job holds the entity, the worker is closing, PostgreSQL/Redis was unreachable, the run lost its entity lock, or its outcome was superseded by a newer snapshot. */
export type DeferReason =
  | 'realm_budget'
  | 'qbo_throttled'
  | 'entity_busy'
  | 'worker_closing'
  | 'store_outage'
  | 'lock_lost'
  | 'superseded';

/**
 * BullMQ's DelayedError (the job was moved to delayed, no attempt spent) with the reason, so the worker's
 * metrics can tell a company at its budget from a QBO throttle from two jobs on one entity.
 */
export class DeferredError extends DelayedError {
  readonly code = 'DEFERRED';
  constructor(
    readonly reason: DeferReason,
    /** Consecutive `entity_busy` deferrals of this job, this one included (0 for other reasons). */
    readonly streak = 0,
  ) {
    super(`bullmq:movedToDelayed (${reason})`);
    this.name = 'DelayedError';
  }
}

/**
 * Thrown inside a job's entity lock to ask for a deferral; runEntity moves the job to delayed only once the
 * lock is released, so that nothing runs after BullMQ took the job's lock away.
 */
export class StepAsideError extends Error {
  readonly code = 'STEP_ASIDE';
  constructor(
    readonly reason: DeferReason,
    readonly ms: number,
  ) {
    super(`stepping aside for ${ms} ms (${reason})`);
    this.name = 'StepAsideError';
  }
}
