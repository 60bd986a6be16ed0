// Replays and resumes of sync records: one implementation for the admin API, the sweeps and the worker.
// A resume job is the record's sync job again, with id `jobIdFor(...)|resume-<stamp>` at replay priority.
import {
  EVENT_ENTITY_TYPES,
  EVENT_TYPES,
  JOB_NAMES,
  type JobName,
  type JobPayload,
  jobIdFor,
  PRIORITY,
  type SyncEntityType,
  type SyncStatus,
} from '@qbo-sync/contracts';
import type { Database } from '@qbo-sync/db';
import { latestEventForEntity } from '@qbo-sync/db/repositories/inbox';
import { getRecord, type RecordKey, type SyncRecordRow } from '@qbo-sync/db/repositories/sync-records';
import { markSyncRequested, type RecordFilter, selectRecordsAfter } from '@qbo-sync/db/repositories/sync-records-admin';
import { type EnqueueOptions, enqueueJob, type Queues } from './catalogue.js';
import type { ReleasePacer } from './pacing.js';
import { jobOfRow } from './prepare.js';

/** Adds a job to its queue; an id already present is a no-op (the catalogue's semantics). */
export type Enqueue = <K extends JobName>(job: K, payload: JobPayload<K>, opts: EnqueueOptions) => Promise<void>;

/** An Enqueue over the producer's queues (`producer.queues`), paced by `producer.pacer` when given. */
export function queueEnqueue(queues: Queues, pacer?: ReleasePacer): Enqueue {
  return (job, payload, opts) => enqueueJob(queues, job, payload, opts, pacer);
}

export interface ReplayDeps {
  db: Database;
  enqueue: Enqueue;
  /** Clock for "a person asked at"; default Date.now. */
  now?: () => number;
  /** Records read and queued per round trip (default 500). */
  pageSize?: number;
}

/** The sync job of each entity type, used when the record names no pending job. */
export const ENTITY_SYNC_JOB: Record<SyncEntityType, JobName> = {
  customer: 'customer.sync',
  invoice: 'invoice.sync',
  payment: 'payment.sync',
  refund: 'refund.sync',
};

/** Raised when a record has no job that could run it again (an unknown entity type). */
export class NothingToReplayError extends Error {
  readonly code = 'NOTHING_TO_REPLAY';
  constructor(readonly record: RecordKey) {
    super(`sync record ${record.entityType}/${record.externalId} has no sync job to run again`);
    this.name = 'NothingToReplayError';
  }
}

const isJobName = (s: string | null): s is JobName => s !== null && (JOB_NAMES as readonly string[]).includes(s);

/** The job that resumes a record: the one that parked it (e.g. invoice.void), else its entity's sync job. */
export function resumeJobOf(record: SyncRecordRow): JobName | undefined {
  const job = isJobName(record.pendingJob) ? record.pendingJob : ENTITY_SYNC_JOB[record.entityType as SyncEntityType];
  return job === 'callback.deliver' ? undefined : job;
}

/**
 * The parked state a resume is for, as `v<statusVersion>.<attempts>[.m<ms a person last asked>]`. Both counters
 * move only when a run writes an outcome (a park, a sync, a failure), never when a run is deferred or the same
 * event's snapshot is stored again — so however often sweeps and wakes look at an unchanged parked record,
 * they name the same job, while a record parked again (even with the same reason) gets a fresh one.
 * (`updated_at` was used before; every deferred run bumped it, and one payment collected 27 resumes.)
 */
export function resumeStamp(record: SyncRecordRow): string {
  const asked = record.manualSyncRequestedAt ? `.m${record.manualSyncRequestedAt.getTime()}` : '';
  return `v${record.statusVersion}.${record.attempts}${asked}`;
}

/** The resume job's id, or undefined when the record has no job to run. Pure. */
export function resumeJobId(record: SyncRecordRow): string | undefined {
  const job = resumeJobOf(record);
  if (!job) return undefined;
  const eventId = record.lastEventId ?? 'resume';
  return `${jobIdFor(job, { tenantId: record.tenantId, entityId: record.externalId, eventId })}|resume-${resumeStamp(record)}`;
}

/**
 * Queues a record's job again and returns its id. The id carries the record's state, so repeated resumes
 * of an unchanged record (two sweeps, a sweep and a person) queue it once, while a record parked again
 * later, or asked for again by a person, gets a fresh run.
 */
export async function enqueueResume(
  deps: Pick<ReplayDeps, 'enqueue'>,
  record: SyncRecordRow,
): Promise<string | undefined> {
  const job = resumeJobOf(record);
  const jobId = resumeJobId(record);
  if (!job || !jobId) return undefined;
  const eventId = record.lastEventId ?? 'resume';
  await deps.enqueue(
    job,
    { tenantId: record.tenantId, eventId, entityId: record.externalId, source: 'live' },
    { jobId, priority: PRIORITY.replay },
  );
  return jobId;
}

/** Postgres parameters and Redis round trips stay bounded however many records a replay covers. */
const DEFAULT_PAGE = 500;

/** Runs `each` over every record matching the filter, a page at a time in id order. Returns how many queued. */
async function forEachPage(
  deps: ReplayDeps,
  filter: RecordFilter,
  each: (page: SyncRecordRow[]) => Promise<SyncRecordRow[]>,
): Promise<number> {
  const limit = deps.pageSize ?? DEFAULT_PAGE;
  let afterId = 0;
  let queued = 0;
  for (;;) {
    const page = await selectRecordsAfter(deps.db, { ...filter, afterId, limit });
    if (page.length === 0) return queued;
    const ready = await each(page);
    const ids = await Promise.all(ready.map((r) => enqueueResume(deps, r)));
    queued += ids.filter(Boolean).length;
    afterId = page[page.length - 1]?.id ?? afterId;
    if (page.length < limit) return queued;
  }
}

/** Marks records as asked for by a person now; the returned rows carry the new stamp. */
async function markAsked(deps: ReplayDeps, tenantId: string, rows: SyncRecordRow[]): Promise<SyncRecordRow[]> {
  const at = new Date((deps.now ?? Date.now)());
  return markSyncRequested(
    deps.db,
    tenantId,
    rows.map((r) => r.id),
    at,
  );
}

/**
 * Re-queues a tenant's parked records once their cause may be gone (a mapping added, a reconnect), exactly
 * as the worker's sweeps do: the job id follows the parked state, so a sweep running at the same time adds
 * nothing twice. Returns how many were queued.
 */
export async function resumeParked(
  deps: ReplayDeps,
  tenantId: string,
  filter: { status?: SyncStatus | readonly SyncStatus[]; reasonCode?: string } = {},
): Promise<number> {
  const statuses =
    filter.status === undefined
      ? ['needs_mapping', 'needs_reconnect']
      : typeof filter.status === 'string'
        ? [filter.status]
        : [...filter.status];
  return forEachPage(
    deps,
    { tenantId, statuses, ...(filter.reasonCode ? { reasonCode: filter.reasonCode } : {}) },
    async (page) => page,
  );
}

/**
 * A person's replay of one record, whatever its status: marked as asked for now (the next run ignores the
 * auto-sync switch) and queued with a fresh resume id. An entity with events but no record yet (its first
 * job never ran: Redis lost it) has its newest event's job queued instead. Undefined when the tenant has
 * neither a record nor an event for the entity.
 */
export async function replayRecord(deps: ReplayDeps, key: RecordKey): Promise<{ jobId: string } | undefined> {
  const record = await getRecord(deps.db, key);
  if (!record) return replayNewestEvent(deps, key);
  if (!resumeJobOf(record)) throw new NothingToReplayError(key);
  const [asked] = await markAsked(deps, key.tenantId, [record]);
  const jobId = await enqueueResume(deps, asked ?? record);
  if (!jobId) throw new NothingToReplayError(key);
  return { jobId };
}

/**
 * Queues the job of the entity's newest inbox event at replay priority. While that event is unprocessed its
 * own job id is used, so a job still in Redis is not doubled and one Redis lost is queued again; once
 * processed, a fresh id runs it again.
 */
async function replayNewestEvent(deps: ReplayDeps, key: RecordKey): Promise<{ jobId: string } | undefined> {
  const types = EVENT_TYPES.filter((t) => EVENT_ENTITY_TYPES[t] === key.entityType);
  const row = await latestEventForEntity(deps.db, key.tenantId, key.externalId, types);
  if (!row) return undefined;
  const job = jobOfRow(row);
  const jobId = row.processedAt === null ? job.jobId : `${job.jobId}|replay-${(deps.now ?? Date.now)()}`;
  await deps.enqueue(job.job, job.payload, { jobId, priority: PRIORITY.replay });
  return { jobId };
}

export interface ReplayFilter {
  /** Default ['failed']. */
  statuses?: readonly SyncStatus[];
  entityType?: SyncEntityType;
  /** Only records with this reason code (a group of failures). */
  reasonCode?: string;
  /** When the record last changed (e.g. failed): from inclusive, to exclusive. */
  from?: Date;
  to?: Date;
  /** The billing document's date window (YYYY-MM-DD, inclusive), customer and job/case. */
  documentDateFrom?: string;
  documentDateTo?: string;
  customerId?: string;
  jobId?: string;
}

/** A person's replay of every record of a tenant in the given statuses and range (default: every failure). */
export async function replayWhere(deps: ReplayDeps, tenantId: string, filter: ReplayFilter = {}): Promise<number> {
  const { statuses = ['failed'], ...rest } = filter;
  return forEachPage(deps, { tenantId, statuses, ...rest }, (page) => markAsked(deps, tenantId, page));
}

/**
 * The manual sync window for tenants with auto-sync off: every `needs_sync` record in the range is marked as
 * asked for and queued (the worker's sweep would queue the same job id later). Returns how many.
 */
export async function requestManualSync(
  deps: ReplayDeps,
  tenantId: string,
  filter: Omit<ReplayFilter, 'statuses'> = {},
): Promise<number> {
  return forEachPage(deps, { tenantId, statuses: ['needs_sync'], ...filter }, (page) =>
    markAsked(deps, tenantId, page),
  );
}
