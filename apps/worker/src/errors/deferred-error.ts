import { DelayedError } from 'bullmq';

/**
 * Why a job stepped aside: our per-realm budget was spent, QBO answered 429, another job holds the entity, or
 * PostgreSQL/Redis was unreachable.
 */
export type DeferReason = 'realm_budget' | 'qbo_throttled' | 'entity_busy' | 'store_outage';

/**
 * BullMQ's DelayedError (the job was moved to delayed, no attempt spent) with the reason, so the worker's
 * metrics can tell a company at its budget from a QBO throttle from two jobs on one entity.
 */
export class DeferredError extends DelayedError {
  readonly code = 'DEFERRED';
  constructor(readonly reason: DeferReason) {
    super(`bullmq:movedToDelayed (${reason})`);
    this.name = 'DelayedError';
  }
}
