import { hostname } from 'node:os';
import type { Config } from '@qbo-sync/config';
import { JOB_NAMES, type JobName } from '@qbo-sync/contracts';
import { type Database, SecretBox } from '@qbo-sync/db';
import type { Logger } from '@qbo-sync/observability';
import {
  countTenantDeferral,
  HEARTBEAT_INTERVAL_MS,
  type Producer,
  queueEnqueue,
  queueName,
  removeHeartbeat,
  resumeParked,
  writeHeartbeat,
} from '@qbo-sync/producer';
import type { QboClient } from '@qbo-sync/qbo-client';
import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { SyncEndedUnsyncedError } from './ended-unsynced.js';
import type { WorkerMetrics } from './metrics/worker-metrics.js';
import { processorPipeline } from './pipeline.js';
import { createHandlers } from './processors/index.js';
import type { Handlers } from './processors/types.js';
import { recordStalledJobs } from './stalled-jobs.js';
import { runSweeps, type SweepResult, startSweeps } from './sweeps.js';
import type { Enqueue, SyncDeps } from './sync/deps.js';
import { createEntityLocks } from './sync/locks.js';
import { createPreferencesCache } from './sync/preferences.js';

/** How many crashes a job survives before BullMQ fails it (see the Worker options below). */
export const MAX_STALLED_COUNT = 10;

/** How long a job that moved itself to delayed is remembered for telling a renewal race from a lost lock. */
const HANDED_BACK_MEMORY_MS = 60_000;

export interface WorkerAppDeps {
  config: Config;
  db: Database;
  /** Shared ioredis connection (maxRetriesPerRequest: null); BullMQ duplicates it for blocking reads. */
  redis: Redis;
  qbo: QboClient;
  producer: Producer;
  logger: Logger;
  now?: () => number;
  /** Per-queue concurrency (default config.worker.concurrency); sweep period (default config.worker.sweepIntervalMs). */
  concurrency?: number;
  sweepIntervalMs?: number;
  /** Job outcome, duration, deferral and callback counters (`createWorkerMetrics(registry)`); absent: none. */
  metrics?: WorkerMetrics;
}

export interface WorkerApp {
  /** Starts one BullMQ worker per job type and the periodic sweeps. */
  start(): void;
  /**
   * Graceful: stops taking jobs, ends every wait of the running ones (they are handed back to the queue, no
   * attempt spent) and lets their QBO calls in flight finish, stops the sweeps. Connections belong to the caller.
   */
  close(): Promise<void>;
  /** Re-queues a tenant's parked syncs (e.g. after a mapping was added); the producer's resumeParked. */
  resumeParked(tenantId: string, filter?: Parameters<typeof resumeParked>[2]): Promise<number>;
  /** One sweep pass now (the timer runs them periodically). */
  runSweeps(): Promise<SweepResult>;
  readonly handlers: Handlers;
  readonly workers: ReadonlyMap<JobName, Worker>;
}

export function createWorkerApp(deps: WorkerAppDeps): WorkerApp {
  const log = deps.logger.child({ component: 'worker' });
  const now = deps.now ?? Date.now;
  const enqueue: Enqueue = queueEnqueue(deps.producer.queues, deps.producer.pacer);
  const syncDeps: SyncDeps = {
    db: deps.db,
    redis: deps.redis,
    qbo: deps.qbo,
    logger: deps.logger,
    enqueue,
    pacer: deps.producer.pacer,
    // Entity locks lapse as fast as job locks, so a crashed worker's entities are free when its jobs are retaken.
    locks: createEntityLocks(deps.redis, deps.config.queuePrefix, deps.config.worker.lockDurationMs),
    prefs: createPreferencesCache(now),
    now,
  };
  const handlers = createHandlers(syncDeps, {
    db: deps.db,
    secrets: new SecretBox(deps.config.encryptionKeys),
    now,
    urlPolicy: deps.config.callbacks,
  });
  // Per queue, when the stalled-jobs sweep last read the failed list (it then reads only what is newer).
  const stalledScannedSince = new Map<string, number>();
  const sweepDeps = {
    db: deps.db,
    enqueue,
    logger: deps.logger,
    // Events stored but never queued, then events whose job Redis lost (PostgreSQL is the authority).
    sweepInbox: async () => ({
      unenqueued: await deps.producer.sweepUnenqueued(),
      lost: await deps.producer.sweepUnprocessed(),
    }),
    stalledJobs: () => recordStalledJobs(syncDeps, deps.producer.queues, stalledScannedSince),
  };
  const workers = new Map<JobName, Worker>();
  let sweeps: { stop(): Promise<void> } | undefined;
  let closing: Promise<void> | undefined;
  // Aborted first thing in close(): every job's waits (entity lock, company budget, a token refresh elsewhere)
  // end at once and the job is handed back to the queue, so a SIGTERM finishes within the shutdown grace.
  const closingSignal = new AbortController();
  // Jobs that moved themselves to delayed lately (id → when): BullMQ's lock renewal can race the move and
  // report "could not renew lock" for them, which is harmless; for any other job it means a lost lock.
  const handedBack = new Map<string, number>();
  const noteHandedBack = (jobId: string | undefined) => {
    if (!jobId) return;
    const t = now();
    handedBack.set(jobId, t);
    if (handedBack.size > 1_000) {
      for (const [id, at] of handedBack) if (t - at > HANDED_BACK_MEMORY_MS) handedBack.delete(id);
    }
  };
  const lockRaceOf = (err: Error) => {
    const jobId = /^could not renew lock for job (.+)$/.exec(err.message)?.[1];
    const at = jobId === undefined ? undefined : handedBack.get(jobId);
    return at !== undefined && now() - at < HANDED_BACK_MEMORY_MS ? jobId : undefined;
  };

  // The overview's view of this process: a heartbeat every HEARTBEAT_INTERVAL_MS in one Redis hash.
  const heartbeatOf = {
    id: `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`,
    host: hostname(),
    pid: process.pid,
    startedAt: new Date(now()).toISOString(),
    concurrency: deps.concurrency ?? deps.config.worker.concurrency,
  };
  let heartbeat: NodeJS.Timeout | undefined;

  return {
    handlers,
    workers,
    start() {
      if (workers.size > 0) return;
      for (const name of JOB_NAMES) {
        const run = processorPipeline(name, handlers[name], {
          db: deps.db,
          logger: log,
          metrics: deps.metrics,
          closing: closingSignal.signal,
          onHandBack: noteHandedBack,
          publicUrl: deps.config.api.publicUrl,
          countDeferral: (tenantId, reason) =>
            countTenantDeferral(deps.redis, deps.config.queuePrefix, tenantId, reason, now()).catch((err: unknown) =>
              log.debug({ err }, 'deferral not counted'),
            ),
        });
        const worker = new Worker(queueName(name), run, {
          connection: deps.redis,
          prefix: deps.config.queuePrefix,
          concurrency: deps.concurrency ?? deps.config.worker.concurrency,
          // A crashed process's jobs are stalled once their lock lapses; checking as often as the lock
          // lives bounds the takeover to about two lock durations.
          lockDuration: deps.config.worker.lockDurationMs,
          stalledInterval: deps.config.worker.lockDurationMs,
          // BullMQ's default (1) fails a job caught by a second crash without running it (chaos test:
          // lost syncs). Every step is idempotent, so a job may survive several crashes; a job that kills
          // its worker this often is failed and recorded by the stalled-jobs sweep.
          maxStalledCount: MAX_STALLED_COUNT,
        });
        worker.on('failed', (job, err) => {
          const line = { queue: name, jobId: job?.id, attemptsMade: job?.attemptsMade, err };
          // A record parked for a person (its reason is in the record and the console) is no worker trouble.
          if (err instanceof SyncEndedUnsyncedError) log.debug(line, 'job failed: the sync needs a person');
          else log.warn(line, 'job failed');
        });
        worker.on('error', (err) => {
          const raced = lockRaceOf(err);
          if (raced) log.debug({ queue: name, jobId: raced }, 'lock renewal raced the job moving itself to delayed');
          else log.error({ queue: name, err }, 'worker error');
        });
        workers.set(name, worker);
      }
      sweeps = startSweeps(sweepDeps, deps.sweepIntervalMs ?? deps.config.worker.sweepIntervalMs);
      const beat = () =>
        writeHeartbeat(deps.redis, deps.config.queuePrefix, {
          ...heartbeatOf,
          lastSeenAt: new Date(now()).toISOString(),
        }).catch((err: unknown) => log.debug({ err }, 'heartbeat not written'));
      void beat();
      heartbeat = setInterval(beat, HEARTBEAT_INTERVAL_MS);
      heartbeat.unref();
      log.info({ queues: JOB_NAMES.length, prefix: deps.config.queuePrefix }, 'worker started');
    },
    close() {
      closing ??= (async () => {
        closingSignal.abort();
        if (heartbeat) clearInterval(heartbeat);
        await removeHeartbeat(deps.redis, deps.config.queuePrefix, heartbeatOf.id).catch(() => undefined);
        await sweeps?.stop();
        await Promise.all([...workers.values()].map((w) => w.close()));
        workers.clear();
        log.info('worker stopped');
      })();
      return closing;
    },
    resumeParked: (tenantId, filter) => resumeParked({ db: deps.db, enqueue, now }, tenantId, filter),
    runSweeps: () => runSweeps(sweepDeps),
  };
}
