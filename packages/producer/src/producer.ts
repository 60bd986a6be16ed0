import type { DomainEvent, JobName } from '@qbo-sync/contracts';
import type { Database } from '@qbo-sync/db';
import {
  findInboxEvents,
  findUnenqueued,
  findUnprocessed,
  type InboxKey,
  type InboxRow,
  inboxKey,
  insertInboxEvents,
  markEnqueued,
  markProcessed,
  stillUnprocessed,
  touchEnqueued,
} from '@qbo-sync/db/repositories/inbox';
import { existingTenantIds } from '@qbo-sync/db/repositories/tenants';
import type { Logger } from '@qbo-sync/observability';
import { Redis } from 'ioredis';
import { closeQueues, createQueues, jobOptions, type Queues } from './catalogue.js';
import { EnqueueTimeoutError, ProducerClosedError } from './errors.js';
import { createReleasePacer, laneOfPriority, type ReleasePacer, type ReleasePacingOptions } from './pacing.js';
import {
  inboxRowOf,
  jobOfEvent,
  jobOfRow,
  type PreparedEvent,
  type PublishResult,
  prepareEvents,
  type QueuedJob,
  unknownTenant,
} from './prepare.js';

export interface ProducerDeps {
  db: Database;
  /** A shared ioredis client (not closed by the producer) or a URL (the producer owns that connection). */
  redis: Redis | string;
  /** Hash-tagged queue prefix, e.g. `{qbo-sync}` (config.queuePrefix). */
  queuePrefix: string;
  logger: Logger;
  /** How long a publish waits for Redis before answering; the event is stored either way. Default 5000. */
  enqueueTimeoutMs?: number;
  /**
   * An event queued this long ago whose job has not finished is checked in Redis (sweep, or a re-send of
   * it) and queued again under the same job id if Redis lost it. Default 60000.
   */
  requeueAfterMs?: number;
  /**
   * Test seam: runs after inbox rows are inserted and before they are queued. Throwing simulates a crash
   * between PostgreSQL and Redis (the rows stay with enqueued_at null for the sweep).
   */
  afterInboxInsert?: (events: readonly DomainEvent[]) => Promise<void>;
  /** How far ahead of `now` an event's occurredAt may be (INGEST_MAX_FUTURE_SKEW_SECONDS); default 5 minutes. */
  maxFutureSkewMs?: number;
  /** Clock for that check, in ms; tests pin it. Default Date.now. */
  now?: () => number;
  /**
   * Release pacing (pacing.ts): each sync job is added delayed to its tenant's next release slot under this
   * budget (config.qbo.rateLimit), so a tenant's flood waits in the delayed set instead of in front of
   * other tenants. Absent: jobs are added at once.
   */
  pacing?: ReleasePacingOptions | undefined;
}

export interface PublishOptions {
  /** The caller's authenticated tenant: events naming another tenant are rejected (`tenant_mismatch`). */
  tenantId?: string;
}

export interface Producer {
  publish(event: unknown, opts?: PublishOptions): Promise<PublishResult>;
  /** Validates and stores each event independently; results are in input order. */
  publishMany(events: readonly unknown[], opts?: PublishOptions): Promise<PublishResult[]>;
  /** Queues inbox rows stored but never queued (a crash between the two stores). Returns how many. */
  sweepUnenqueued(opts?: { olderThanMs?: number; limit?: number }): Promise<number>;
  /**
   * Finds queued events whose job has not finished and asks Redis for each job: one Redis lost (restarted
   * empty, failed over) is queued again under its own job id; one Redis reports finished is marked
   * processed. Returns how many were queued again.
   */
  sweepUnprocessed(opts?: { staleMs?: number; limit?: number }): Promise<number>;
  queues: Queues;
  /** The tenant release pacer (absent without `pacing`); the worker and replays add their jobs through it. */
  pacer: ReleasePacer | undefined;
  close(): Promise<void>;
}

/** Each job's release delay: one reservation per tenant and lane, slots handed out in the jobs' order. */
async function pacedDelays(pacer: ReleasePacer, jobs: readonly QueuedJob[]): Promise<number[]> {
  const groups = new Map<string, { tenantId: string; lane: 'live' | 'bulk'; at: number[] }>();
  jobs.forEach((j, i) => {
    const lane = laneOfPriority(j.priority);
    const id = `${lane}|${j.key.tenantId}`;
    const group = groups.get(id);
    if (group) group.at.push(i);
    else groups.set(id, { tenantId: j.key.tenantId, lane, at: [i] });
  });
  const delays = new Array<number>(jobs.length).fill(0);
  await Promise.all(
    [...groups.values()].map(async (g) => {
      const got = await pacer.reserve(g.tenantId, g.lane, g.at.length);
      g.at.forEach((index, k) => {
        delays[index] = got[k] ?? 0;
      });
    }),
  );
  return delays;
}

/** Postgres allows 65,535 parameters a statement; an inbox row takes 10. */
const INSERT_CHUNK = 500;

export function createProducer(deps: ProducerDeps): Producer {
  const { db } = deps;
  const log = deps.logger.child({ component: 'producer' });
  const ownsRedis = typeof deps.redis === 'string';
  const redis = typeof deps.redis === 'string' ? new Redis(deps.redis, { maxRetriesPerRequest: null }) : deps.redis;
  const queues = createQueues(redis, deps.queuePrefix);
  // Without a listener BullMQ prints connection errors to stderr; ioredis keeps reconnecting meanwhile.
  for (const queue of Object.values(queues)) {
    queue.on('error', (err) => log.warn({ err, queue: queue.name }, 'queue connection error'));
  }
  const pacer = deps.pacing ? createReleasePacer(redis, deps.queuePrefix, deps.pacing) : undefined;
  const enqueueTimeoutMs = deps.enqueueTimeoutMs ?? 5_000;
  const requeueAfterMs = deps.requeueAfterMs ?? 60_000;
  let closed = false;

  async function addJobs(jobs: readonly QueuedJob[]): Promise<void> {
    const delays = pacer ? await pacedDelays(pacer, jobs) : undefined;
    const byQueue = new Map<JobName, { j: QueuedJob; delay: number }[]>();
    jobs.forEach((j, i) => {
      const entry = { j, delay: delays?.[i] ?? 0 };
      const list = byQueue.get(j.job);
      if (list) list.push(entry);
      else byQueue.set(j.job, [entry]);
    });
    await Promise.all(
      [...byQueue].map(([job, list]) =>
        queues[job].addBulk(
          list.map(({ j, delay }) => ({
            name: job,
            data: j.payload,
            opts: jobOptions(job, { jobId: j.jobId, priority: j.priority, ...(delay > 0 ? { delay } : {}) }),
          })),
        ),
      ),
    );
  }

  /** Redis work bounded by enqueueTimeoutMs: a hung Redis answers with EnqueueTimeoutError. */
  async function withinTimeout<T>(work: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, rejectTimeout) => {
      timer = setTimeout(() => rejectTimeout(new EnqueueTimeoutError(enqueueTimeoutMs)), enqueueTimeoutMs);
    });
    try {
      return await Promise.race([work, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Queues then marks the rows; a job id already in Redis makes a repeat harmless. */
  async function enqueue(jobs: readonly QueuedJob[]): Promise<void> {
    if (jobs.length === 0) return;
    await withinTimeout(addJobs(jobs));
    await markEnqueued(
      db,
      jobs.map((j) => j.key),
    );
  }

  /** Like enqueue, but a Redis failure is logged, not thrown: the rows are stored and the sweep retries. */
  async function tryEnqueue(jobs: readonly QueuedJob[]): Promise<boolean> {
    try {
      await enqueue(jobs);
      return true;
    } catch (err) {
      log.error({ err, events: jobs.length }, 'events stored but not queued; the sweep will queue them');
      return false;
    }
  }

  async function publishChunk(chunk: readonly PreparedEvent[], results: PublishResult[]): Promise<void> {
    const known = await existingTenantIds(
      db,
      chunk.map((p) => p.key.tenantId),
    );
    const storable = chunk.filter((p) => {
      if (known.has(p.key.tenantId)) return true;
      results[p.index] = unknownTenant(p);
      return false;
    });
    // Within one call, the first occurrence of a key owns it; later ones are duplicates of it.
    const first = new Map<string, PreparedEvent>();
    for (const p of storable) if (!first.has(inboxKey(p.key))) first.set(inboxKey(p.key), p);
    const inserted = await insertInboxEvents(db, [...first.values()].map(inboxRowOf));
    const fresh = [...first.values()].filter((p) => inserted.has(inboxKey(p.key)));
    if (fresh.length > 0 && deps.afterInboxInsert) await deps.afterInboxInsert(fresh.map((p) => p.event));

    const repeatKeys: InboxKey[] = [...first.values()].filter((p) => !inserted.has(inboxKey(p.key))).map((p) => p.key);
    const stored = new Map<string, InboxRow>(
      (await findInboxEvents(db, repeatKeys)).map((r) => [inboxKey({ tenantId: r.tenantId, eventId: r.eventId }), r]),
    );
    // A repeat whose first delivery never reached Redis, or whose job has not finished long after it was
    // queued (Redis may have lost it), is queued again now: same job id, so a job still in Redis is untouched.
    const staleBefore = Date.now() - requeueAfterMs;
    const stranded = [...stored.values()].filter(
      (r) => r.enqueuedAt === null || (r.processedAt === null && r.enqueuedAt.getTime() <= staleBefore),
    );
    const queued = await tryEnqueue([...fresh.map(jobOfEvent), ...stranded.map(jobOfRow)]);
    if (queued) {
      await touchEnqueued(
        db,
        stranded.map((r) => ({ tenantId: r.tenantId, eventId: r.eventId })),
      );
    }

    for (const p of storable) {
      const k = inboxKey(p.key);
      const owner = first.get(k);
      const row = stored.get(k);
      const base = { id: p.event.id, tenantId: p.event.tenantId };
      if (owner === p && inserted.has(k)) {
        results[p.index] = { status: 'accepted', ...base, job: p.route.job, jobId: p.route.jobId, enqueued: queued };
      } else if (row) {
        const job = jobOfRow(row);
        if (row.type !== p.event.type) {
          log.warn({ tenantId: row.tenantId, eventId: row.eventId }, 'event id reused for a different event type');
        }
        results[p.index] = {
          status: 'duplicate',
          ...base,
          job: job.job,
          jobId: job.jobId,
          enqueued: row.enqueuedAt !== null || queued,
        };
      } else {
        // A repeat within this call of an event inserted just now.
        const firstRoute = (owner ?? p).route;
        results[p.index] = {
          status: 'duplicate',
          ...base,
          job: firstRoute.job,
          jobId: firstRoute.jobId,
          enqueued: queued,
        };
      }
    }
  }

  async function publishMany(events: readonly unknown[], opts: PublishOptions = {}): Promise<PublishResult[]> {
    if (closed) throw new ProducerClosedError();
    const { rejected, valid } = prepareEvents(events, opts.tenantId, {
      now: (deps.now ?? Date.now)(),
      ...(deps.maxFutureSkewMs !== undefined ? { maxFutureSkewMs: deps.maxFutureSkewMs } : {}),
    });
    const results: PublishResult[] = new Array(events.length);
    for (const [index, result] of rejected) results[index] = result;
    for (let i = 0; i < valid.length; i += INSERT_CHUNK) {
      await publishChunk(valid.slice(i, i + INSERT_CHUNK), results);
    }
    return results;
  }

  return {
    queues,
    pacer,
    publishMany,
    async publish(event, opts) {
      const [result] = await publishMany([event], opts);
      return result as PublishResult;
    },
    async sweepUnenqueued({ olderThanMs = 30_000, limit = 500 } = {}) {
      if (closed) throw new ProducerClosedError();
      const rows = await findUnenqueued(db, { olderThanMs, limit });
      if (rows.length === 0) return 0;
      await enqueue(rows.map(jobOfRow));
      log.warn({ events: rows.length }, 'sweep queued events that were stored but never queued');
      return rows.length;
    },
    async sweepUnprocessed({ staleMs = requeueAfterMs, limit = 500 } = {}) {
      if (closed) throw new ProducerClosedError();
      const rows = await findUnprocessed(db, { staleMs, limit });
      if (rows.length === 0) return 0;
      const jobs = rows.map(jobOfRow);
      const states = await withinTimeout(Promise.all(jobs.map((j) => queues[j.job].getJobState(j.jobId))));
      const finished = jobs.filter((_, i) => states[i] === 'completed' || states[i] === 'failed');
      // Re-checked just before adding: a job that finished (and was removed) meanwhile is not run again.
      const lostKeys = jobs.filter((_, i) => states[i] === 'unknown').map((j) => j.key);
      const stillOpen = await stillUnprocessed(db, lostKeys);
      const lost = jobs.filter((j, i) => states[i] === 'unknown' && stillOpen.has(inboxKey(j.key)));
      await markProcessed(
        db,
        finished.map((j) => j.key),
      );
      if (lost.length > 0) await withinTimeout(addJobs(lost));
      // Jobs found waiting/active/delayed (or queued again) are checked again after staleMs.
      await touchEnqueued(
        db,
        jobs.filter((_, i) => states[i] !== 'completed' && states[i] !== 'failed').map((j) => j.key),
      );
      if (lost.length > 0) log.warn({ events: lost.length }, 'sweep queued again events whose jobs Redis lost');
      if (finished.length > 0) log.info({ events: finished.length }, 'sweep marked events whose jobs finished');
      return lost.length;
    },
    async close() {
      if (closed) return;
      closed = true;
      if (ownsRedis && redis.status !== 'ready') {
        // Never connected (or reconnecting): quit would wait for a connection that may not come.
        // Queues are marked closing first so BullMQ does not schedule its 5 s reconnect pause.
        const closing = closeQueues(queues).catch(() => undefined);
        redis.disconnect();
        await closing;
        return;
      }
      await closeQueues(queues);
      if (ownsRedis) await redis.quit();
    },
  };
}
