// What only the worker process sees: every job run's outcome and duration, why jobs step aside, and the
// tenant callbacks it delivers. Registered on the process registry that the metrics server exposes.
import { Counter, Histogram, type Registry } from '@qbo-sync/observability';
import { type DeferReason, ENTITY_BUSY_REPORT_AFTER } from '../errors/deferred-error.js';
import type { JobOutcome } from './outcome.js';

export interface WorkerMetrics {
  /** One processor run (a deferred or retried run counts too: each is work done against the queue). */
  job(queue: string, outcome: JobOutcome, seconds: number): void;
  deferral(reason: DeferReason): void;
  /** A job deferred for entity_busy ENTITY_BUSY_REPORT_AFTER times in a row (and every as many again). */
  entityBusyReported(queue: string): void;
  /**
   * A callback.deliver run: `delivered` with the number of POSTs the endpoint took, why nothing was sent
   * (`nothing-pending`, `no-callback-url`, `gone`), or `failed` when the tenant's endpoint did not take one.
   */
  callback(result: string, count?: number): void;
}

const DEFER_REASONS: readonly DeferReason[] = [
  'realm_budget',
  'qbo_throttled',
  'entity_busy',
  'worker_closing',
  'store_outage',
];

export function createWorkerMetrics(registry: Registry): WorkerMetrics {
  const jobs = new Counter({
    name: 'qbo_sync_jobs_total',
    help: 'Processor runs by queue and outcome (synced, voided, parked, waiting, skipped, delivered, deferred, retry, failed, other).',
    labelNames: ['queue', 'outcome'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'qbo_sync_job_duration_seconds',
    help: 'Wall time of one processor run, by queue.',
    labelNames: ['queue'],
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  const deferrals = new Counter({
    name: 'qbo_sync_deferrals_total',
    help: 'Jobs moved to delayed without spending an attempt: realm_budget (our per-company budget spent), qbo_throttled (QBO answered 429), entity_busy (another job holds the entity), worker_closing (handed back at shutdown), store_outage (PostgreSQL or Redis unreachable), lock_lost (the run lost its entity lock; nothing recorded, it runs again), superseded (a newer event was stored while the run wrote to QBO; it runs again and compares with QBO).',
    labelNames: ['reason'],
    registers: [registry],
  });
  const busyReports = new Counter({
    name: 'qbo_sync_entity_busy_reports_total',
    help: `Jobs kept waiting for their entity: deferred for entity_busy ${ENTITY_BUSY_REPORT_AFTER} times in a row (reported again every ${ENTITY_BUSY_REPORT_AFTER}). Should stay 0; the worker log names the holder.`,
    labelNames: ['queue'],
    registers: [registry],
  });
  const callbacks = new Counter({
    name: 'qbo_sync_callbacks_total',
    help: 'Tenant callbacks by result: delivered (one per POST taken), nothing-pending, no-callback-url, gone (one per run), failed (one per failed run).',
    labelNames: ['result'],
    registers: [registry],
  });
  // Zero from the first scrape, so rates and alerts work before the first deferral.
  for (const reason of DEFER_REASONS) deferrals.inc({ reason }, 0);

  return {
    job(queue, outcome, seconds) {
      jobs.inc({ queue, outcome });
      duration.observe({ queue }, seconds);
    },
    deferral(reason) {
      deferrals.inc({ reason });
    },
    entityBusyReported(queue) {
      busyReports.inc({ queue });
    },
    callback(result, count = 1) {
      callbacks.inc({ result }, count);
    },
  };
}
