import { JOB_NAMES, JOB_PAYLOAD_SCHEMAS, type JobName, type JobPayload } from '@qbo-sync/contracts';
import { type ConnectionOptions, type JobsOptions, Queue } from 'bullmq';
import { laneOfPriority, type ReleasePacer } from './pacing.js';

/** Retry policy of one job type: BullMQ attempts with exponential backoff (delay × 2^(attempt-1)). */
export interface JobRetryPolicy {
  attempts: number;
  backoff: { type: 'exponential'; delay: number };
}

/**
 * The typed job catalogue's retry half (payload schemas live in contracts' JOB_PAYLOAD_SCHEMAS); the worker
 * reuses these. Throttling (429) does not spend attempts: the worker defers throttled jobs instead.
 * Sync jobs: 10 attempts from 5 s → waits of 5 s, 10 s, … 1280 s; about 43 minutes in all before `failed`,
 * long enough to ride out a QBO incident without hiding a permanent fault for hours.
 * Callbacks: 12 attempts from 10 s → waits of 10 s, 20 s, … 10240 s; about 5 h 41 min of retries (20,470 s)
 * for a tenant's endpoint being down. A callback URL the policy refuses fails at once, without retries.
 */
export const JOB_OPTIONS: Record<JobName, JobRetryPolicy> = {
  'customer.sync': { attempts: 10, backoff: { type: 'exponential', delay: 5_000 } },
  'invoice.sync': { attempts: 10, backoff: { type: 'exponential', delay: 5_000 } },
  'invoice.void': { attempts: 10, backoff: { type: 'exponential', delay: 5_000 } },
  'payment.sync': { attempts: 10, backoff: { type: 'exponential', delay: 5_000 } },
  'payment.void': { attempts: 10, backoff: { type: 'exponential', delay: 5_000 } },
  'refund.sync': { attempts: 10, backoff: { type: 'exponential', delay: 5_000 } },
  'job.close-out': { attempts: 10, backoff: { type: 'exponential', delay: 5_000 } },
  'deposits.apply': { attempts: 10, backoff: { type: 'exponential', delay: 5_000 } },
  'callback.deliver': { attempts: 12, backoff: { type: 'exponential', delay: 10_000 } },
  'qbo.change': { attempts: 10, backoff: { type: 'exponential', delay: 5_000 } },
  'qbo.cdc-sweep': { attempts: 10, backoff: { type: 'exponential', delay: 5_000 } },
};

/**
 * How long finished jobs stay in Redis. A kept job is what makes a re-add with the same id a no-op, so
 * completed jobs stay a day (far longer than the sweep's period) and failed ones two weeks for support.
 */
export const JOB_RETENTION = {
  removeOnComplete: { age: 24 * 3600 },
  removeOnFail: { age: 14 * 24 * 3600 },
} as const;

/** One queue per job type; names contain no ':' (BullMQ's key separator). */
export function queueName(job: JobName): string {
  return job;
}

export type Queues = Record<JobName, Queue>;

/**
 * A BullMQ queue per job type, all under one hash-tagged prefix (e.g. `{qbo-sync}`) so a Redis Cluster
 * keeps every queue key in one slot. Pass an ioredis instance to share one connection (it is not closed
 * by queue.close()).
 */
export function createQueues(connection: ConnectionOptions, prefix: string): Queues {
  if (!/^\{[^{}]+\}$/.test(prefix)) {
    throw new Error(`queue prefix "${prefix}" must be hash-tagged, e.g. {qbo-sync}`);
  }
  return Object.fromEntries(JOB_NAMES.map((job) => [job, new Queue(queueName(job), { connection, prefix })])) as Queues;
}

export async function closeQueues(queues: Queues): Promise<void> {
  await Promise.all(Object.values(queues).map((q) => q.close()));
}

/**
 * At most one pending job per `id` (BullMQ deduplication): an add while one is waiting or delayed is dropped
 * (that job has not read yet, so it sees the change); `keepLastIfActive` keeps the last add made while it
 * runs and queues it when the run ends, so a change written after the run's read is not lost.
 */
export interface EnqueueDeduplication {
  id: string;
  keepLastIfActive: true;
}

/** What a caller says about one job it adds. */
export interface EnqueueOptions {
  jobId: string;
  priority?: number;
  delay?: number;
  deduplication?: EnqueueDeduplication;
}

/** Options of one job: the catalogue's retries and retention plus its deterministic id and priority. */
export function jobOptions(job: JobName, opts: EnqueueOptions): JobsOptions {
  return {
    ...JOB_OPTIONS[job],
    ...JOB_RETENTION,
    jobId: opts.jobId,
    ...(opts.priority !== undefined ? { priority: opts.priority } : {}),
    ...(opts.delay !== undefined ? { delay: opts.delay } : {}),
    ...(opts.deduplication ? { deduplication: { ...opts.deduplication } } : {}),
  };
}

/** Jobs that do not call QBO are never paced. */
const UNPACED: ReadonlySet<JobName> = new Set(['callback.deliver']);

/**
 * Adds one job, typed from the catalogue and parsed before it reaches Redis. A job id already present
 * (waiting, active, delayed, completed or failed and kept) makes this a no-op. With a pacer, a job that
 * calls QBO is delayed to its tenant's next release slot (pacing.ts), or later if the caller asked so.
 */
export async function enqueueJob<K extends JobName>(
  queues: Queues,
  job: K,
  payload: JobPayload<K>,
  opts: EnqueueOptions,
  pacer?: ReleasePacer,
): Promise<void> {
  const data = JOB_PAYLOAD_SCHEMAS[job].parse(payload);
  let delay = opts.delay ?? 0;
  if (pacer && !UNPACED.has(job)) {
    const [slot = 0] = await pacer.reserve(data.tenantId, laneOfPriority(opts.priority), 1);
    delay = Math.max(delay, slot);
  }
  await queues[job].add(job, data, jobOptions(job, { ...opts, ...(delay > 0 ? { delay } : {}) }));
}
