// Sorts one processor run into the outcome label of qbo_sync_jobs_total: a closed, small set, so a dashboard
// can sum "synced" against "failed" without knowing every sync status or error class.
import type { Job } from 'bullmq';
import { DelayedError, UnrecoverableError } from 'bullmq';
import { type DeferReason, DeferredError } from '../errors/deferred-error.js';

export const JOB_OUTCOMES = [
  'synced',
  'voided',
  'parked',
  'waiting',
  'skipped',
  'delivered',
  'deferred',
  'retry',
  'failed',
  'other',
] as const;
export type JobOutcome = (typeof JOB_OUTCOMES)[number];

/** The outcome of a run that returned: sync processors return the record's status, close-out "invoice <status>; …". */
export function outcomeOfResult(result: string): JobOutcome {
  const status = /^invoice (\w+);/.exec(result)?.[1] ?? result;
  switch (status) {
    case 'synced':
    case 'voided':
    case 'waiting':
    case 'skipped':
    case 'delivered':
      return status;
    // Parked on something a person or a sweep resolves: a mapping, a reconnect, a conflict, auto-sync off.
    case 'needs_mapping':
    case 'needs_reconnect':
    case 'conflict':
    case 'needs_sync':
      return 'parked';
    // The record turned failed and the job completed (a permanent fault written as the record's state).
    case 'failed':
      return 'failed';
    // Callback runs with nothing to send: every version already announced, no URL, tenant gone.
    case 'nothing-pending':
    case 'no-callback-url':
    case 'gone':
      return 'skipped';
    default:
      return 'other';
  }
}

/** The outcome of a run that threw, as BullMQ will treat it: delayed, retried with backoff, or failed for good. */
export function outcomeOfError(err: unknown, job: Pick<Job, 'attemptsMade' | 'opts'>): JobOutcome {
  if (err instanceof DelayedError) return 'deferred';
  if (err instanceof UnrecoverableError) return 'failed';
  return job.attemptsMade + 1 >= (job.opts.attempts ?? 1) ? 'failed' : 'retry';
}

/** The deferral reason carried by the error, when the run stepped aside. */
export function deferReasonOf(err: unknown): DeferReason | undefined {
  return err instanceof DeferredError ? err.reason : undefined;
}
