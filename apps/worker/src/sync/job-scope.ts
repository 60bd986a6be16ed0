import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * What one job run carries implicitly through every call it makes: the signal that aborts its waits when the
 * worker is closing, and the entity locks it already holds (so a nested withLock on the same entity — the
 * customer sync's own find-or-create — re-enters instead of waiting on itself for ever).
 */
export interface JobScope {
  readonly signal: AbortSignal | undefined;
  /** Lock key → token of the entity locks this run holds. */
  readonly held: Map<string, string>;
  /** Who holds our locks, for "entity busy" reports (e.g. `invoice.sync:invoice.sync|t1|INV-1|evt-1`). */
  readonly owner: string;
  /** Told just before the job moves itself to delayed (BullMQ drops its job lock then). */
  readonly onHandBack?: (() => void) | undefined;
}

const storage = new AsyncLocalStorage<JobScope>();

export function currentJobScope(): JobScope | undefined {
  return storage.getStore();
}

/** Runs one job's processor in its own scope. */
export function runInJobScope<T>(scope: Omit<JobScope, 'held'>, fn: () => Promise<T>): Promise<T> {
  return storage.run({ ...scope, held: new Map() }, fn);
}

/** The worker is closing: the job stops waiting and steps aside (deferred, no attempt spent). */
export class WorkerClosingError extends Error {
  readonly code = 'WORKER_CLOSING';
  constructor() {
    super('the worker is shutting down; the job is handed back to the queue');
    this.name = 'WorkerClosingError';
  }
}

/** Sleeps `ms`, or rejects with WorkerClosingError as soon as `signal` aborts. */
export function sleepUnlessAborted(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (signal?.aborted) return Promise.reject(new WorkerClosingError());
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(new WorkerClosingError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
