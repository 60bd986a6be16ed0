import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { jobIdFor, PRIORITY } from '@qbo-sync/contracts';
import { ensureRecord, getRecord, type RecordKey, setStatus } from '@qbo-sync/db/repositories/sync-records';
import { createTenant } from '@qbo-sync/db/repositories/tenants';
import {
  createTestDatabase,
  deleteKeysWithPrefix,
  type TestDatabase,
  testRedis,
  uniqueQueuePrefix,
} from '@qbo-sync/testkit';
import type { Redis } from 'ioredis';
import {
  closeQueues,
  createQueues,
  type Queues,
  queueEnqueue,
  type ReplayDeps,
  replayRecord,
  replayWhere,
  requestManualSync,
  resumeJobId,
  resumeParked,
} from '../src/index.js';
import { allJobs, testSecrets } from './helpers.js';

describe('replays and resumes', () => {
  let t: TestDatabase;
  let redis: Redis;
  let queues: Queues;
  let deps: ReplayDeps;
  const clock = { ms: Date.UTC(2030, 0, 1) };
  const prefix = uniqueQueuePrefix('replay');

  beforeAll(async () => {
    t = await createTestDatabase('replay');
    redis = testRedis();
    queues = createQueues(redis, prefix);
    for (const id of ['acme', 'other']) await createTenant(t.db, testSecrets(), { id, name: id });
    deps = { db: t.db, enqueue: queueEnqueue(queues), now: () => clock.ms, pageSize: 3 };
  });

  afterAll(async () => {
    await closeQueues(queues);
    await deleteKeysWithPrefix(redis, prefix);
    await redis.quit();
    await t.drop();
  });

  let seq = 0;
  /** A record parked in `status`, last changed at `updatedAt` when given. */
  async function parked(
    tenantId: string,
    status: string,
    opts: { entityType?: string; updatedAt?: Date; pendingJob?: string; reasonCode?: string } = {},
  ) {
    seq += 1;
    const key: RecordKey = { tenantId, entityType: opts.entityType ?? 'invoice', externalId: `INV-${seq}` };
    const row = await ensureRecord(t.db, key);
    await setStatus(t.db, row.id, {
      status,
      reasonCode: opts.reasonCode ?? status.toUpperCase(),
      reason: `parked as ${status}`,
      ...(opts.pendingJob ? { pendingJob: opts.pendingJob } : {}),
    });
    await t.sql`update sync_records set last_event_id = ${`evt-${seq}`} where id = ${row.id}`;
    if (opts.updatedAt)
      await t.sql`update sync_records set updated_at = ${opts.updatedAt.toISOString()}::timestamptz where id = ${row.id}`;
    const current = await getRecord(t.db, key);
    if (!current) throw new Error('record vanished');
    return current;
  }

  async function jobIds(): Promise<Set<string>> {
    return new Set((await allJobs(queues)).map((j) => j.id ?? ''));
  }

  it('names the resume job after the sync job id and the parked state', async () => {
    const record = await parked('acme', 'failed');
    const base = jobIdFor('invoice.sync', { tenantId: 'acme', entityId: record.externalId, eventId: `evt-${seq}` });
    expect(resumeJobId(record)).toBe(`${base}|resume-v${record.statusVersion}.${record.attempts}`);
  });

  it('resumeParked queues each parked record of the tenant once, and again after it is parked again', async () => {
    const mine = await parked('acme', 'needs_mapping', { reasonCode: 'MISSING_MAPPING' });
    const theirs = await parked('other', 'needs_mapping', { reasonCode: 'MISSING_MAPPING' });
    const failed = await parked('acme', 'failed');

    expect(await resumeParked(deps, 'acme', { status: 'needs_mapping' })).toBeGreaterThanOrEqual(1);
    const ids = await jobIds();
    expect(ids.has(resumeJobId(mine) ?? '')).toBe(true);
    expect(ids.has(resumeJobId(theirs) ?? '')).toBe(false);
    expect(ids.has(resumeJobId(failed) ?? '')).toBe(false);
    const job = (await allJobs(queues)).find((j) => j.id === resumeJobId(mine));
    expect(job?.name).toBe('invoice.sync');
    expect(job?.opts.priority).toBe(PRIORITY.replay);
    expect(job?.data).toEqual({
      tenantId: 'acme',
      eventId: mine.lastEventId,
      entityId: mine.externalId,
      source: 'live',
    });

    // A second pass over the same parked state adds nothing.
    const before = (await allJobs(queues)).length;
    await resumeParked(deps, 'acme', { status: 'needs_mapping' });
    expect((await allJobs(queues)).length).toBe(before);

    // The same state touched again (e.g. its snapshot stored once more by a deferred run): still nothing new.
    await t.sql`update sync_records set updated_at = now() + interval '1 second' where id = ${mine.id}`;
    await resumeParked(deps, 'acme', { status: 'needs_mapping' });
    expect((await allJobs(queues)).length).toBe(before);

    // Parked again later with the same reason (a run wrote its outcome): a fresh run.
    await setStatus(t.db, mine.id, {
      status: 'needs_mapping',
      reasonCode: 'MISSING_MAPPING',
      reason: 'still missing',
      countAttempt: true,
    });
    const reparked = await getRecord(t.db, mine);
    await resumeParked(deps, 'acme', { status: 'needs_mapping', reasonCode: 'MISSING_MAPPING' });
    expect((await jobIds()).has(resumeJobId(reparked ?? mine) ?? '')).toBe(true);
    expect((await allJobs(queues)).length).toBe(before + 1);
  });

  it('resumes with the job that parked the record (e.g. a parked void)', async () => {
    const record = await parked('acme', 'needs_reconnect', { pendingJob: 'invoice.void' });
    await resumeParked(deps, 'acme', { status: 'needs_reconnect' });
    const job = (await allJobs(queues)).find((j) => j.id === resumeJobId(record));
    expect(job?.name).toBe('invoice.void');
    expect(job?.id?.startsWith('invoice.void|')).toBe(true);
  });

  it('replayRecord marks the request, queues a fresh job each time it is asked, and is tenant-scoped', async () => {
    const record = await parked('acme', 'conflict');
    expect(await replayRecord(deps, { ...record, tenantId: 'other' })).toBeUndefined();

    clock.ms += 1_000;
    const first = await replayRecord(deps, record);
    const asked = await getRecord(t.db, record);
    expect(asked?.manualSyncRequestedAt?.getTime()).toBe(clock.ms);
    expect(first?.jobId).toBe(resumeJobId(asked ?? record));
    expect(first?.jobId.endsWith(`.m${clock.ms}`)).toBe(true);

    clock.ms += 1_000;
    const second = await replayRecord(deps, record);
    expect(second?.jobId).not.toBe(first?.jobId);
    const ids = await jobIds();
    expect(ids.has(first?.jobId ?? '')).toBe(true);
    expect(ids.has(second?.jobId ?? '')).toBe(true);
  });

  it('replayWhere replays every failure of one tenant in a date range, over several pages', async () => {
    const day = (d: number) => new Date(Date.UTC(2029, 5, d));
    const inRange = [];
    for (let d = 1; d <= 7; d++) inRange.push(await parked('acme', 'failed', { updatedAt: day(10 + d) }));
    const tooEarly = await parked('acme', 'failed', { updatedAt: day(1) });
    const atEnd = await parked('acme', 'failed', { updatedAt: day(20) });
    const otherTenant = await parked('other', 'failed', { updatedAt: day(12) });
    const otherStatus = await parked('acme', 'conflict', { updatedAt: day(12) });
    const payment = await parked('acme', 'failed', { updatedAt: day(13), entityType: 'payment' });

    clock.ms += 1_000;
    const n = await replayWhere(deps, 'acme', { from: day(11), to: day(20), entityType: 'invoice' });
    expect(n).toBe(inRange.length);
    const ids = await jobIds();
    for (const r of inRange) {
      const now = await getRecord(t.db, r);
      expect(now?.manualSyncRequestedAt?.getTime()).toBe(clock.ms);
      expect(ids.has(resumeJobId(now ?? r) ?? '')).toBe(true);
    }
    for (const r of [tooEarly, atEnd, otherTenant, otherStatus, payment]) {
      const now = await getRecord(t.db, r);
      expect(now?.manualSyncRequestedAt).toBeNull();
      expect([...ids].some((id) => id.includes(`|${r.externalId}|`))).toBe(false);
    }

    // Other statuses on request.
    clock.ms += 1_000;
    expect(await replayWhere(deps, 'acme', { statuses: ['conflict'], from: day(12), to: day(13) })).toBe(1);
  });

  it('requestManualSync queues only needs_sync records and marks them as asked for', async () => {
    const waiting = [await parked('acme', 'needs_sync'), await parked('acme', 'needs_sync')];
    const failed = await parked('acme', 'failed');
    const customer = await parked('acme', 'needs_sync', { entityType: 'customer' });
    clock.ms += 1_000;
    expect(await requestManualSync(deps, 'acme', { entityType: 'invoice' })).toBe(2);
    const ids = await jobIds();
    for (const r of waiting) {
      const now = await getRecord(t.db, r);
      expect(now?.manualSyncRequestedAt?.getTime()).toBe(clock.ms);
      expect(ids.has(resumeJobId(now ?? r) ?? '')).toBe(true);
    }
    expect((await getRecord(t.db, failed))?.manualSyncRequestedAt).toBeNull();
    expect((await getRecord(t.db, customer))?.manualSyncRequestedAt).toBeNull();
  });
});
