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
  /** Entity locks this run held and lost (expired, or Redis lost its keys) while it ran. */
  readonly lost: Set<string>;
  /** Records a lost lock and aborts the run's signal: no further QBO request of this run is admitted. */
  readonly markLockLost: (lockKey: string) => void;
  /** The job's inbox event was marked processed with its outcome (the wrapper need not mark it again). */
  eventProcessed: boolean;
}

const storage = new AsyncLocalStorage<JobScope>();

export function currentJobScope(): JobScope | undefined {
  return storage.getStore();
}

/**
 * Runs one job's processor in its own scope. Its signal also aborts when the run loses an entity lock: another
 * job may then run the same entity at once, so this run must send nothing more to QBO and record nothing
 * (runEntity steps aside; the rerun starts from the newest snapshot under a fresh lock).
 */
export function runInJobScope<T>(
  scope: Omit<JobScope, 'held' | 'lost' | 'markLockLost' | 'eventProcessed'>,
  fn: () => Promise<T>,
): Promise<T> {
  const lockLoss = new AbortController();
  const lost = new Set<string>();
  const signal = scope.signal ? AbortSignal.any([scope.signal, lockLoss.signal]) : lockLoss.signal;
  return storage.run(
    {
      ...scope,
      signal,
      held: new Map(),
      lost,
      eventProcessed: false,
      markLockLost: (lockKey) => {
        lost.add(lockKey);
        lockLoss.abort();
      },
    },
    fn,
  );
}

/** The run's outcome statement marked its inbox event processed. */
export function noteEventProcessed(): void {
  const scope = currentJobScope();
  if (scope) scope.eventProcessed = true;
}

/** The run lost one of its entity locks: it steps aside without recording anything. */
export class LockLostError extends Error {
  readonly code = 'LOCK_LOST';
  constructor(readonly lockKeys: readonly string[]) {
    super(`the entity lock was lost while the job ran (${lockKeys.join(', ')}); the job runs again`);
    this.name = 'LockLostError';
  }
}

/** Throws LockLostError when the current run lost an entity lock (checked before recording an outcome). */
export function assertLocksHeld(): void {
  const scope = currentJobScope();
  if (scope && scope.lost.size > 0) throw new LockLostError([...scope.lost]);
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
