import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DomainEvent, EXAMPLE_TENANT_ID, PRIORITY } from '@qbo-sync/contracts';
import { getInboxEvent } from '@qbo-sync/db/repositories/inbox';
import { createTenant } from '@qbo-sync/db/repositories/tenants';
import {
  createTestDatabase,
  deleteKeysWithPrefix,
  type TestDatabase,
  testRedis,
  uniqueQueuePrefix,
} from '@qbo-sync/testkit';
import type { Redis } from 'ioredis';
import { createProducer, JOB_OPTIONS, type Producer, type PublishResult } from '../src/index.js';
import { allJobs, freshEvent, jobIdOf, jobsWithId, silentLogger, testSecrets } from './helpers.js';

function statuses(results: PublishResult[]) {
  return results.map((r) => r.status);
}

describe('producer.publish', () => {
  let t: TestDatabase;
  let redis: Redis;
  let producer: Producer;
  let second: Producer;
  const prefix = uniqueQueuePrefix('producer');

  async function inboxRows(eventId: string) {
    return t.sql<{ tenant_id: string; enqueued_at: Date | null }[]>`
      select tenant_id, enqueued_at from inbox_events where event_id = ${eventId}`;
  }

  beforeAll(async () => {
    t = await createTestDatabase('producer');
    redis = testRedis();
    const secrets = testSecrets();
    await createTenant(t.db, secrets, { id: EXAMPLE_TENANT_ID, name: 'Acme Moving' });
    await createTenant(t.db, secrets, { id: 'other-co', name: 'Other Co' });
    producer = createProducer({ db: t.db, redis, queuePrefix: prefix, logger: silentLogger });
    // A second producer on its own connection stands for a second API process.
    second = createProducer({ db: t.db, redis: 'redis://127.0.0.1:6379', queuePrefix: prefix, logger: silentLogger });
  });

  afterAll(async () => {
    await producer.close();
    await second.close();
    await deleteKeysWithPrefix(redis, prefix);
    await redis.quit();
    await t.drop();
  });

  it('stores, queues with the deterministic id and catalogue options, and marks the row', async () => {
    const event = freshEvent('invoice.sent');
    const result = await producer.publish(event);
    expect(result).toMatchObject({ status: 'accepted', id: event.id, job: 'invoice.sync', enqueued: true });
    const [job] = await jobsWithId(producer.queues, jobIdOf(event));
    expect(job?.data).toEqual({ tenantId: EXAMPLE_TENANT_ID, eventId: event.id, entityId: 'inv-5001', source: 'live' });
    expect(job?.opts.priority).toBe(PRIORITY.live);
    expect(job?.opts.attempts).toBe(JOB_OPTIONS['invoice.sync'].attempts);
    expect(job?.opts.backoff).toEqual(JOB_OPTIONS['invoice.sync'].backoff);
    const row = await getInboxEvent(t.db, EXAMPLE_TENANT_ID, event.id);
    expect(row).toMatchObject({ type: 'invoice.sent', entityId: 'inv-5001', jobName: 'invoice.sync' });
    expect(row?.enqueuedAt).toBeInstanceOf(Date);
    expect(row?.payload).toMatchObject({ id: event.id, source: 'live', data: { number: 'INV-2026-0042' } });
    // The worker re-parses the stored event: what we store must validate again, unchanged.
    expect(DomainEvent.parse(row?.payload)).toEqual(row?.payload);
  });

  it('queues under the hash-tagged prefix', async () => {
    const event = freshEvent('customer.updated');
    await producer.publish(event);
    const keys = await redis.keys(`${prefix}:customer.sync:*`);
    expect(keys.length).toBeGreaterThan(0);
  });

  it('gives backfill events the backfill priority', async () => {
    const event = freshEvent('payment.accepted', { source: 'backfill' });
    await producer.publish(event);
    const [job] = await jobsWithId(producer.queues, jobIdOf(event));
    expect(job?.opts.priority).toBe(PRIORITY.backfill);
    expect(job?.data.source).toBe('backfill');
  });

  it('acknowledges sequential repeats as duplicate: one row, one job', async () => {
    const event = freshEvent('payment.accepted');
    const results = [await producer.publish(event), await producer.publish(event), await second.publish(event)];
    expect(statuses(results)).toEqual(['accepted', 'duplicate', 'duplicate']);
    expect(new Set(results.map((r) => (r.status === 'rejected' ? null : r.jobId)))).toEqual(new Set([jobIdOf(event)]));
    expect(await inboxRows(event.id)).toHaveLength(1);
    expect(await jobsWithId(producer.queues, jobIdOf(event))).toHaveLength(1);
  });

  it('20 concurrent publishes of one event from two producers: one accepted, one row, one job', async () => {
    const event = freshEvent('invoice.sent');
    const before = (await allJobs(producer.queues)).length;
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? second : producer).publish(structuredClone(event))),
    );
    expect(statuses(results).filter((s) => s === 'accepted')).toHaveLength(1);
    expect(statuses(results).filter((s) => s === 'duplicate')).toHaveLength(19);
    expect(await inboxRows(event.id)).toHaveLength(1);
    expect(await jobsWithId(producer.queues, jobIdOf(event))).toHaveLength(1);
    expect((await allJobs(producer.queues)).length).toBe(before + 1);
  });

  it('treats the same event id under another tenant as a different event', async () => {
    const event = freshEvent('customer.updated');
    const other = { ...event, tenantId: 'other-co' };
    expect(statuses([await producer.publish(event), await producer.publish(other)])).toEqual(['accepted', 'accepted']);
    expect(await inboxRows(event.id)).toHaveLength(2);
  });

  it('rejects invalid events and writes nothing', async () => {
    const before = (await allJobs(producer.queues)).length;
    const bad = freshEvent('invoice.sent', { occurredAt: 'yesterday' });
    const result = await producer.publish(bad);
    expect(result).toMatchObject({
      status: 'rejected',
      id: bad.id,
      code: 'invalid_event',
      errors: [{ path: 'occurredAt', message: 'must be an ISO 8601 date-time with offset' }],
    });
    expect(await producer.publish({ ...freshEvent('invoice.sent'), type: 'invoice.created' })).toMatchObject({
      status: 'rejected',
      code: 'unknown_event_type',
    });
    expect(await producer.publish('not json object')).toMatchObject({ status: 'rejected', id: null });
    expect(await inboxRows(bad.id)).toHaveLength(0);
    expect((await allJobs(producer.queues)).length).toBe(before);
  });

  it('rejects an unregistered tenant and a tenant other than the caller’s, writing nothing', async () => {
    const stranger = freshEvent('invoice.sent', { tenantId: 'no-such-tenant' });
    expect(await producer.publish(stranger)).toMatchObject({ status: 'rejected', code: 'unknown_tenant' });
    const foreign = freshEvent('invoice.sent', { tenantId: 'other-co' });
    const result = await producer.publish(foreign, { tenantId: EXAMPLE_TENANT_ID });
    expect(result).toMatchObject({ status: 'rejected', code: 'tenant_mismatch', errors: [{ path: 'tenantId' }] });
    expect(await inboxRows(stranger.id)).toHaveLength(0);
    expect(await inboxRows(foreign.id)).toHaveLength(0);
    expect(await jobsWithId(producer.queues, jobIdOf(foreign))).toHaveLength(0);
  });

  it('publishMany: each event on its own, results in input order', async () => {
    const a = freshEvent('invoice.sent');
    const b = freshEvent('payment.accepted');
    const earlier = freshEvent('refund.issued');
    await producer.publish(earlier);
    const results = await producer.publishMany([
      a,
      { ...freshEvent('invoice.sent'), data: { ...a.data, totals: { subtotal: 1, tax: '0', total: '1' } } },
      b,
      a,
      earlier,
      freshEvent('invoice.sent', { tenantId: 'no-such-tenant' }),
    ]);
    expect(statuses(results)).toEqual(['accepted', 'rejected', 'accepted', 'duplicate', 'duplicate', 'rejected']);
    expect(results[1]).toMatchObject({ errors: [{ path: 'data.totals.subtotal' }] });
    expect(results[3]).toMatchObject({ jobId: jobIdOf(a) });
    for (const e of [a, b, earlier]) {
      expect(await inboxRows(e.id)).toHaveLength(1);
      expect(await jobsWithId(producer.queues, jobIdOf(e))).toHaveLength(1);
    }
  });

  it('publishMany of two tenants mixing new, stored and repeated events, racing an overlapping batch: each key accepted once, stored exactly, queued once', async () => {
    // Text that JSON and SQL escaping could mangle, and an offset that must be kept as the same instant.
    const tricky = freshEvent('customer.updated', { occurredAt: '2026-03-02T15:04:05.123+02:00' });
    tricky.data = { ...tricky.data, displayName: 'O\'Brien "Moving" \\ Ünïcödé 🚚 $1 %s' } as typeof tricky.data;
    const storedA = freshEvent('invoice.sent');
    const storedB = { ...freshEvent('payment.accepted'), tenantId: 'other-co' };
    await producer.publishMany([storedA, storedB]);
    const newA = freshEvent('invoice.sent', { source: 'backfill' });
    const newB = { ...freshEvent('invoice.voided'), tenantId: 'other-co' };
    const sameIdOtherTenant = { ...newA, tenantId: 'other-co' };
    const shared = Array.from({ length: 30 }, (_, i) =>
      i % 2 ? freshEvent('refund.issued') : { ...freshEvent('customer.updated'), tenantId: 'other-co' },
    );
    const batch = [storedA, newA, tricky, storedB, newB, newA, sameIdOtherTenant, ...shared, storedB];
    const [results, rival] = await Promise.all([
      producer.publishMany(batch),
      second.publishMany([...shared].reverse()),
    ]);

    expect(statuses(results.slice(0, 7))).toEqual([
      'duplicate',
      'accepted',
      'accepted',
      'duplicate',
      'accepted',
      'duplicate',
      'accepted',
    ]);
    expect(results.at(-1)?.status).toBe('duplicate');
    // Of the two racing batches, exactly one accepted each shared event; the other saw a duplicate.
    shared.forEach((_, i) => {
      const mine = results[7 + i]?.status;
      const theirs = rival[shared.length - 1 - i]?.status;
      expect([mine, theirs].sort()).toEqual(['accepted', 'duplicate']);
    });
    for (const e of [storedA, storedB, newA, newB, sameIdOtherTenant, tricky, ...shared]) {
      const rows = await t.sql<{ enqueued_at: Date | null }[]>`
        select enqueued_at from inbox_events where tenant_id = ${e.tenantId} and event_id = ${e.id}`;
      expect(rows).toHaveLength(1);
      expect(rows[0]?.enqueued_at).not.toBeNull();
    }
    for (const e of [storedA, storedB, newA, newB, sameIdOtherTenant, tricky, ...shared]) {
      expect(await jobsWithId(producer.queues, jobIdOf(e))).toHaveLength(1);
    }
    // What was stored is the validated event, column by column.
    const row = await getInboxEvent(t.db, tricky.tenantId, tricky.id);
    expect(row?.occurredAt.toISOString()).toBe('2026-03-02T13:04:05.123Z');
    const parsed = DomainEvent.parse(tricky);
    expect(row?.payload).toEqual(parsed);
    expect(row).toMatchObject({ type: parsed.type, version: 1, source: parsed.source, jobId: jobIdOf(tricky) });
    expect((await getInboxEvent(t.db, newA.tenantId, newA.id))?.source).toBe('backfill');
  });

  it('publishMany handles more events than one insert statement takes', async () => {
    const events = Array.from({ length: 1200 }, () => freshEvent('customer.updated', { source: 'backfill' }));
    const results = await producer.publishMany(events);
    expect(statuses(results).every((s) => s === 'accepted')).toBe(true);
    const [row] = await inboxRows(events[1199]?.id ?? '');
    expect(row?.enqueued_at).not.toBeNull();
  });

  it('refuses to publish after close', async () => {
    const p = createProducer({ db: t.db, redis, queuePrefix: prefix, logger: silentLogger });
    await p.close();
    await expect(p.publish(freshEvent('invoice.sent'))).rejects.toMatchObject({ code: 'PRODUCER_CLOSED' });
  });
});
