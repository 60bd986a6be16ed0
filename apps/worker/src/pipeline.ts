// Every job's run passes through the same layers; their order is stated once, here.
import type { JobName } from '@qbo-sync/contracts';
import type { Database } from '@qbo-sync/db';
import type { Logger } from '@qbo-sync/observability';
import type { Job } from 'bullmq';
import { failingUnsyncedEnds } from './ended-unsynced.js';
import { markingProcessed } from './inbox-processed.js';
import { instrumentProcessor } from './metrics/instrument.js';
import { deferReasonOf } from './metrics/outcome.js';
import type { WorkerMetrics } from './metrics/worker-metrics.js';
import type { Processor } from './processors/types.js';
import { deferringOnStoreOutage } from './store-outage.js';
import { runInJobScope } from './sync/job-scope.js';
import { handBackWhenClosing } from './sync/step-aside.js';

/** What BullMQ calls: with three parameters it passes its own per-job signal (Worker.cancelJob) as well. */
export type WorkerProcessor = (job: Job, token: string | undefined, signal: AbortSignal | undefined) => Promise<string>;

/** One layer around the processor inside it. */
export type ProcessorLayer = (inner: Processor) => Processor;

export interface PipelineDeps {
  db: Database;
  logger: Logger;
  metrics?: WorkerMetrics | undefined;
  /** Aborted when the worker closes: every job's waits end and the job is handed back. */
  closing: AbortSignal;
  /** Told when a job moves itself to delayed (a lock renewal racing that move is harmless). */
  onHandBack: (jobId: string | undefined) => void;
  /** The API's public URL: failed jobs link to their record in the console (ended-unsynced.ts). */
  publicUrl?: string | undefined;
  /** Counts a tenant's deferral (by reason) for the overview's per-company figures; must not throw. */
  countDeferral?: ((tenantId: string, reason: string) => Promise<void>) | undefined;
}

/** Per-company deferrals (budget, QBO 429, …) for the overview: bounded Redis counters, not metric labels. */
function countingDeferrals(count: NonNullable<PipelineDeps['countDeferral']>): ProcessorLayer {
  return (inner) => async (job, token) => {
    try {
      return await inner(job, token);
    } catch (err) {
      const reason = deferReasonOf(err);
      const tenantId = (job.data as { tenantId?: unknown }).tenantId;
      if (reason && typeof tenantId === 'string') await count(tenantId, reason);
      throw err;
    }
  };
}

/** Jobs that stand for no inbox event of their own (callbacks, deposit applications) mark nothing processed. */
const MARKS_INBOX_EVENT = (name: JobName) => name !== 'callback.deliver' && name !== 'deposits.apply';

/** The layers of one job type's run, outermost first (absent ones are skipped). */
export function pipelineLayers(name: JobName, deps: PipelineDeps): Array<ProcessorLayer | undefined> {
  const { metrics } = deps;
  return [
    // The run's scope (closing signal, held entity locks) wraps everything, so every layer sees it.
    (inner) => (job, token, signal) =>
      runInJobScope(
        {
          signal: signal ? AbortSignal.any([deps.closing, signal]) : deps.closing,
          owner: `${name}:${job.id ?? '?'}`,
          onHandBack: () => deps.onHandBack(job.id),
        },
        () => inner(job, token),
      ),
    // A record that ended failed / needs_mapping / conflict fails its job (bull-board's Failed tab), after
    // metrics counted the run's real outcome (parked, failed).
    deps.publicUrl !== undefined ? failingUnsyncedEnds(name, deps.db, deps.publicUrl) : undefined,
    // Metrics count what BullMQ finally sees: hand-backs and outage deferrals included.
    metrics && ((inner) => instrumentProcessor(name, inner, metrics)),
    // Deferrals per tenant, as the metrics see them (hand-backs and outage deferrals included).
    deps.countDeferral && countingDeferrals(deps.countDeferral),
    // A wait cut short by closing, or a lock lost outside runEntity, is a hand-back, not a failure.
    handBackWhenClosing,
    // A store outage steps aside (no attempt spent), also when it meets the inbox mark below.
    (inner) => deferringOnStoreOutage(inner, deps.logger),
    // Innermost: a run that ends for good marks its inbox event processed.
    MARKS_INBOX_EVENT(name) ? (inner) => markingProcessed(deps.db, inner, deps.logger) : undefined,
  ];
}

/** The handler wrapped in its layers (outermost first), as BullMQ calls it. */
export function composeProcessor(
  handler: Processor,
  layers: ReadonlyArray<ProcessorLayer | undefined>,
): WorkerProcessor {
  const processor = layers.reduceRight<Processor>((inner, layer) => (layer ? layer(inner) : inner), handler);
  return (job, token, signal) => processor(job, token, signal);
}

/** One job type's processor as the worker runs it. */
export const processorPipeline = (name: JobName, handler: Processor, deps: PipelineDeps): WorkerProcessor =>
  composeProcessor(handler, pipelineLayers(name, deps));
