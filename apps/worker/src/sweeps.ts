import type { Database } from '@qbo-sync/db';
import {
  jobsWithDepositsToApply,
  manualSyncRequested,
  mappingChangedSinceParked,
  reconnectedSinceParked,
  type SyncRecordRow,
  waitingOnSyncedDependency,
} from '@qbo-sync/db/repositories/sync-records';
import type { Logger } from '@qbo-sync/observability';
import { enqueueResume } from '@qbo-sync/producer';
import { queueDepositApplication } from './sync/deposits.js';
import type { Enqueue } from './sync/deps.js';

export interface SweepDeps {
  db: Database;
  enqueue: Enqueue;
  logger: Logger;
  /** The producer's inbox sweep (events stored but never queued). */
  sweepInbox?: () => Promise<unknown>;
  /** Records jobs BullMQ failed for stalling too often (see stalled-jobs.ts). */
  stalledJobs?: () => Promise<number>;
}

export interface SweepResult {
  inbox: unknown;
  woken: number;
  mappingResumed: number;
  reconnectResumed: number;
  manual: number;
  /** Billing jobs whose deposits wait to be applied to their synced invoice (deposits.apply queued). */
  deposits: number;
  stalledOut: number;
}

async function requeue(deps: SweepDeps, rows: SyncRecordRow[]): Promise<number> {
  let n = 0;
  for (const r of rows) if (await enqueueResume(deps, r)) n++;
  return n;
}

/** Deposit applications not queued or not finished (a crash, a round given up): queued again, once per state. */
async function queueDeposits(deps: SweepDeps): Promise<number> {
  let n = 0;
  for (const j of await jobsWithDepositsToApply(deps.db))
    if (await queueDepositApplication(deps, j.tenantId, j.jobId)) n++;
  return n;
}

/**
 * One pass of the periodic sweeps: queue events the producer stored but never queued, wake records
 * waiting on an entity that is already synced, resume `needs_mapping` records after a mapping change and
 * `needs_reconnect` records after a reconnect, run syncs people asked for, and queue deposit applications
 * whose invoice is in QBO. Every step is idempotent:
 * resume job ids carry the parked state, so two sweeps (or two worker processes) queue a record once.
 */
export async function runSweeps(deps: SweepDeps): Promise<SweepResult> {
  const inbox = deps.sweepInbox ? await deps.sweepInbox() : undefined;
  const result: SweepResult = {
    inbox,
    woken: await requeue(deps, await waitingOnSyncedDependency(deps.db)),
    mappingResumed: await requeue(deps, await mappingChangedSinceParked(deps.db)),
    reconnectResumed: await requeue(deps, await reconnectedSinceParked(deps.db)),
    manual: await requeue(deps, await manualSyncRequested(deps.db)),
    deposits: await queueDeposits(deps),
    stalledOut: deps.stalledJobs ? await deps.stalledJobs() : 0,
  };
  if (result.woken + result.mappingResumed + result.reconnectResumed + result.manual + result.deposits > 0) {
    deps.logger.info(result, 'sweep re-queued parked syncs');
  }
  return result;
}

/** Runs the sweeps every `intervalMs` (never overlapping) until stopped. */
export function startSweeps(deps: SweepDeps, intervalMs: number): { stop(): Promise<void> } {
  let running: Promise<unknown> | undefined;
  const timer = setInterval(() => {
    if (running) return;
    running = runSweeps(deps)
      .catch((err: unknown) => deps.logger.warn({ err }, 'sweep failed; next pass retries'))
      .finally(() => {
        running = undefined;
      });
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
