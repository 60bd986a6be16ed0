import { PRIORITY } from '@qbo-sync/contracts';
import type { Database } from '@qbo-sync/db';
import { dueCdcSweeps } from '@qbo-sync/db/repositories/drift';
import {
  jobsWithDepositsToApply,
  manualSyncRequested,
  mappingChangedSinceParked,
  reconnectedSinceParked,
  type SyncRecordRow,
  tenantsWithUnannouncedChanges,
  waitingOnSyncedDependency,
} from '@qbo-sync/db/repositories/sync-records';
import type { Logger } from '@qbo-sync/observability';
import { arrangeCallbackRun, enqueueResume } from '@qbo-sync/producer';
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
  /** Each connected company's CDC sweep runs this often (undefined: no CDC sweeps from this process). */
  cdcSweepIntervalMs?: number;
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
  /** Tenants whose unannounced status changes got a callback run (a crash before it was arranged). */
  callbacks: number;
  /** Companies whose change-data-capture sweep was due (daily, or asked for: a reconnect, a person). */
  cdcSweeps: number;
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

/** Unannounced changes older than this had their callback run lost (a run announces within seconds). */
const CALLBACK_LOST_AFTER_MS = 60_000;
/** ...and younger than this: an endpoint that stays down is not retried by the sweep for ever. */
const CALLBACK_SWEEP_WINDOW_MS = 60 * 60_000;
/** At most one sweep-arranged run per tenant in this period (its job id carries the period). */
const CALLBACK_SWEEP_PERIOD_MS = 10 * 60_000;

/** Tenants with status changes whose callback run was never arranged: one run each (deduplicated per tenant). */
async function arrangeLostCallbackRuns(deps: SweepDeps): Promise<number> {
  const tenants = await tenantsWithUnannouncedChanges(deps.db, {
    olderThanMs: CALLBACK_LOST_AFTER_MS,
    newerThanMs: CALLBACK_SWEEP_WINDOW_MS,
    limit: 100,
  });
  const period = Math.floor(Date.now() / CALLBACK_SWEEP_PERIOD_MS);
  for (const tenantId of tenants) await arrangeCallbackRun(deps.enqueue, tenantId, { after: `sweep-${period}` });
  return tenants.length;
}

/** Companies whose CDC sweep is due: one qbo.cdc-sweep job each, its id naming the due state (queued once). */
async function queueCdcSweeps(deps: SweepDeps): Promise<number> {
  if (deps.cdcSweepIntervalMs === undefined) return 0;
  const due = await dueCdcSweeps(deps.db, { intervalMs: deps.cdcSweepIntervalMs, limit: 100 });
  for (const d of due) {
    await deps.enqueue(
      'qbo.cdc-sweep',
      { tenantId: d.tenantId, reason: d.reason },
      { jobId: `qbo.cdc-sweep|${encodeURIComponent(d.tenantId)}|${d.stamp}`, priority: PRIORITY.backfill },
    );
  }
  return due.length;
}

/**
 * One pass of the periodic sweeps: queue events the producer stored but never queued, wake records
 * waiting on an entity that is already synced, resume `needs_mapping` records after a mapping change and
 * `needs_reconnect` records after a reconnect, run syncs people asked for, and queue deposit applications
 * whose invoice is in QBO, and arrange callback runs a crash lost. Every step is idempotent:
 * resume job ids carry the parked state, so two sweeps (or two worker processes) queue a record once.
 */
export async function runSweeps(deps: SweepDeps, onStep: (step: string) => void = () => {}): Promise<SweepResult> {
  const step = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    onStep(name);
    return work();
  };
  const inbox = deps.sweepInbox ? await step('inbox', deps.sweepInbox) : undefined;
  const result: SweepResult = {
    inbox,
    woken: await step('waiting', async () => requeue(deps, await waitingOnSyncedDependency(deps.db))),
    mappingResumed: await step('mappings', async () => requeue(deps, await mappingChangedSinceParked(deps.db))),
    reconnectResumed: await step('reconnects', async () => requeue(deps, await reconnectedSinceParked(deps.db))),
    manual: await step('manual', async () => requeue(deps, await manualSyncRequested(deps.db))),
    deposits: await step('deposits', () => queueDeposits(deps)),
    stalledOut: deps.stalledJobs ? await step('stalled', deps.stalledJobs) : 0,
    callbacks: await step('callbacks', () => arrangeLostCallbackRuns(deps)),
    cdcSweeps: await step('cdc', () => queueCdcSweeps(deps)),
  };
  if (
    result.woken +
      result.mappingResumed +
      result.reconnectResumed +
      result.manual +
      result.deposits +
      result.callbacks >
    0
  ) {
    deps.logger.info(result, 'sweep re-queued parked syncs');
  }
  return result;
}

/** A pass running longer than this is reported and no longer waited for (every step is idempotent). */
const HUNG_PASS_MS = 20_000;

/**
 * Runs the sweeps every `intervalMs` (never overlapping) until stopped. A pass that hangs (a store call that
 * never answers) is logged with its step and left behind after HUNG_PASS_MS, so one stuck call cannot stop
 * the sweeps — the inbox sweep is what re-queues events whose jobs Redis lost — for the life of the process.
 */
export function startSweeps(
  deps: SweepDeps,
  intervalMs: number,
  hungAfterMs = HUNG_PASS_MS,
): { stop(): Promise<void> } {
  let running: Promise<unknown> | undefined;
  let pass = 0;
  let startedAt = 0;
  let step = '';
  const timer = setInterval(() => {
    if (running) {
      if (Date.now() - startedAt < hungAfterMs) return;
      deps.logger.error({ step, ms: Date.now() - startedAt }, 'sweep pass hung; starting a new one');
    }
    const mine = ++pass;
    startedAt = Date.now();
    const current = runSweeps(deps, (s) => {
      if (pass === mine) step = s;
    })
      .catch((err: unknown) => deps.logger.warn({ err, step }, 'sweep failed; next pass retries'))
      .finally(() => {
        if (running === current) running = undefined;
      });
    running = current;
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      // A hung pass is not waited for at shutdown either.
      await Promise.race([running, new Promise((r) => setTimeout(r, 2_000).unref())]);
    },
  };
}
