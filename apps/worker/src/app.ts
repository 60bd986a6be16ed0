import type { Config } from '@qbo-sync/config';
import { JOB_NAMES, type JobName } from '@qbo-sync/contracts';
import { type Database, SecretBox } from '@qbo-sync/db';
import type { Logger } from '@qbo-sync/observability';
import { type Producer, queueEnqueue, queueName, resumeParked } from '@qbo-sync/producer';
import type { QboClient } from '@qbo-sync/qbo-client';
import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { instrumentProcessor } from './metrics/instrument.js';
import type { WorkerMetrics } from './metrics/worker-metrics.js';
import { createHandlers } from './processors/index.js';
import type { Handlers } from './processors/types.js';
import { recordStalledJobs } from './stalled-jobs.js';
import { runSweeps, type SweepResult, startSweeps } from './sweeps.js';
import type { Enqueue, SyncDeps } from './sync/deps.js';
import { createEntityLocks } from './sync/locks.js';
import { createPreferencesCache } from './sync/preferences.js';

/** How many crashes a job survives before BullMQ fails it (see the Worker options below). */
export const MAX_STALLED_COUNT = 10;

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
  /** Graceful: stops taking jobs, lets running ones finish, stops the sweeps. Connections belong to the caller. */
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
  const enqueue: Enqueue = queueEnqueue(deps.producer.queues);
  const syncDeps: SyncDeps = {
    db: deps.db,
    redis: deps.redis,
    qbo: deps.qbo,
    logger: deps.logger,
    enqueue,
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
  const sweepDeps = {
    db: deps.db,
    enqueue,
    logger: deps.logger,
    sweepInbox: () => deps.producer.sweepUnenqueued(),
    stalledJobs: () => recordStalledJobs(syncDeps, deps.producer.queues),
  };
  const workers = new Map<JobName, Worker>();
  let sweeps: { stop(): Promise<void> } | undefined;
  let closing: Promise<void> | undefined;

  return {
    handlers,
    workers,
    start() {
      if (workers.size > 0) return;
      for (const name of JOB_NAMES) {
        const processor = deps.metrics ? instrumentProcessor(name, handlers[name], deps.metrics) : handlers[name];
        const worker = new Worker(queueName(name), (job, token) => processor(job, token), {
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
        worker.on('failed', (job, err) =>
          log.warn({ queue: name, jobId: job?.id, attemptsMade: job?.attemptsMade, err }, 'job failed'),
        );
        worker.on('error', (err) => log.error({ queue: name, err }, 'worker error'));
        workers.set(name, worker);
      }
      sweeps = startSweeps(sweepDeps, deps.sweepIntervalMs ?? deps.config.worker.sweepIntervalMs);
      log.info({ queues: JOB_NAMES.length, prefix: deps.config.queuePrefix }, 'worker started');
    },
    close() {
      closing ??= (async () => {
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
