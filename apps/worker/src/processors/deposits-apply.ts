import { SyncJobPayload } from '@qbo-sync/contracts';
import { faultStatus } from '@qbo-sync/sync-core';
import { UnrecoverableError } from 'bullmq';
import { EntityBusyError } from '../errors/entity-busy-error.js';
import { applyJobDeposits, notePendingDepositsRetry } from '../sync/deposits.js';
import type { SyncDeps } from '../sync/deps.js';
import { faultOf } from '../sync/faults.js';
import { defer } from '../sync/run.js';
import { deferralMs, throttleDeferral } from '../sync/step-aside.js';
import { loadTenantContext, type TenantContext, UnknownTenantError } from '../sync/tenant-context.js';
import type { Processor } from './types.js';

/**
 * deposits.apply (entityId: the billing job id): applies the job's deposits to its invoice in QBO. Its own
 * step, so it is retried until done whatever happens to the invoice's or the deposits' own jobs: budget
 * refusals and throttles defer it (no attempt spent), transient faults retry with backoff, and a round
 * that spends its last attempt marks the deposits so the sweep queues a new round.
 */
export function depositsApplyProcessor(deps: SyncDeps): Processor {
  return async (job, token) => {
    const payload = SyncJobPayload.parse(job.data);
    let ctx: TenantContext;
    try {
      ctx = await loadTenantContext(deps, payload.tenantId);
    } catch (err) {
      if (err instanceof UnknownTenantError) throw new UnrecoverableError(err.message);
      throw err;
    }
    const run = { job, token };
    try {
      const r = await applyJobDeposits(deps, ctx, payload.entityId);
      // The metrics' outcome vocabulary: a deposit QBO refused for good is recorded on it as applyFailed.
      return r.failed > 0 ? 'failed' : 'synced';
    } catch (err) {
      if (err instanceof EntityBusyError) return defer(run, err.retryAfterMs, 'entity_busy');
      const fault = faultOf(err);
      const fs = fault && faultStatus(fault.code, fault.detail);
      if (fault && fs?.handling === 'delay') {
        const aside = throttleDeferral(fault.code, err);
        return defer(run, await deferralMs(deps, run, ctx.tenantId, aside), aside.reason);
      }
      if (job.attemptsMade + 1 >= (job.opts.attempts ?? 1)) {
        await notePendingDepositsRetry(
          deps,
          ctx.tenantId,
          payload.entityId,
          fs?.reason ?? (err instanceof Error ? err.message : String(err)),
        );
      }
      throw err;
    }
  };
}
