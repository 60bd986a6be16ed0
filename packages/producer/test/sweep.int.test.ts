import { type AddressInfo, createServer, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type DomainEventInput, EXAMPLE_TENANT_ID } from '@qbo-sync/contracts';
import { getInboxEvent } from '@qbo-sync/db/repositories/inbox';
import { createTenant } from '@qbo-sync/db/repositories/tenants';
import {
  createTestDatabase,
  deleteKeysWithPrefix,
  type TestDatabase,
  testRedis,
  uniqueQueuePrefix,
} from '@qbo-sync/testkit';
import { Redis } from 'ioredis';
import { createProducer, type Producer } from '../src/index.js';
import { freshEvent, jobIdOf, jobsWithId, silentLogger, testSecrets } from './helpers.js';

class SimulatedCrash extends Error {}

describe('crash between inbox and queue, healed by the sweep', () => {
  let t: TestDatabase;
  let redis: Redis;
  let healthy: Producer;
  let crashing: Producer;
  const prefix = uniqueQueuePrefix('sweep');

  beforeAll(async () => {
    t = await createTestDatabase('sweep');
    redis = testRedis();
    await createTenant(t.db, testSecrets(), { id: EXAMPLE_TENANT_ID, name: 'Acme Moving' });
    healthy = createProducer({ db: t.db, redis, queuePrefix: prefix, logger: silentLogger });
    crashing = createProducer({
      db: t.db,
      redis,
      queuePrefix: prefix,
      logger: silentLogger,
      afterInboxInsert: async () => {
        throw new SimulatedCrash('process died after the inbox insert');
      },
    });
  });

  afterAll(async () => {
    await healthy.close();
    await crashing.close();
    await deleteKeysWithPrefix(redis, prefix);
    await redis.quit();
    await t.drop();
  });

  async function crashOn(events: DomainEventInput[]) {
    for (const e of events) await expect(crashing.publish(e)).rejects.toBeInstanceOf(SimulatedCrash);
  }

  it('leaves a stored, unqueued row after the crash', async () => {
    const event = freshEvent('invoice.sent');
    await crashOn([event]);
    const row = await getInboxEvent(t.db, EXAMPLE_TENANT_ID, event.id);
    expect(row?.enqueuedAt).toBeNull();
    expect(await jobsWithId(healthy.queues, jobIdOf(event))).toHaveLength(0);
    // Fresh rows may belong to a publish still in flight: a sweep with a threshold leaves them alone.
    expect(await healthy.sweepUnenqueued({ olderThanMs: 60_000 })).toBe(0);
    expect(await jobsWithId(healthy.queues, jobIdOf(event))).toHaveLength(0);
  });

  it('the sweep queues each stranded event exactly once, even when run twice', async () => {
    const events = [freshEvent('invoice.sent'), freshEvent('payment.accepted', { source: 'backfill' })];
    await crashOn(events);
    const first = await healthy.sweepUnenqueued({ olderThanMs: 0 });
    expect(first).toBeGreaterThanOrEqual(2);
    expect(await healthy.sweepUnenqueued({ olderThanMs: 0 })).toBe(0);
    for (const e of events) {
      const jobs = await jobsWithId(healthy.queues, jobIdOf(e));
      expect(jobs).toHaveLength(1);
      expect(jobs[0]?.data.eventId).toBe(e.id);
      expect((await getInboxEvent(t.db, EXAMPLE_TENANT_ID, e.id))?.enqueuedAt).toBeInstanceOf(Date);
    }
    const [backfill] = await jobsWithId(healthy.queues, jobIdOf(events[1]));
    expect(backfill?.opts.priority).toBe(10);
  });

  it('a redelivery after the crash is a duplicate that queues the stranded event', async () => {
    const event = freshEvent('refund.issued');
    await crashOn([event]);
    const result = await healthy.publish(event);
    expect(result).toMatchObject({ status: 'duplicate', enqueued: true, jobId: jobIdOf(event) });
    expect(await jobsWithId(healthy.queues, jobIdOf(event))).toHaveLength(1);
    expect((await getInboxEvent(t.db, EXAMPLE_TENANT_ID, event.id))?.enqueuedAt).toBeInstanceOf(Date);
  });

  it('two sweeps racing five redeliveries still yield one job per event', async () => {
    const events = [freshEvent('invoice.sent'), freshEvent('customer.updated'), freshEvent('payment.voided')];
    await crashOn(events);
    const outcomes = await Promise.all([
      healthy.sweepUnenqueued({ olderThanMs: 0 }),
      healthy.sweepUnenqueued({ olderThanMs: 0 }),
      ...events.flatMap((e) => [healthy.publish(e), healthy.publish(structuredClone(e))]),
    ]);
    expect(outcomes.slice(2).every((r) => typeof r === 'object' && r.status === 'duplicate')).toBe(true);
    for (const e of events) expect(await jobsWithId(healthy.queues, jobIdOf(e))).toHaveLength(1);
    expect(await healthy.sweepUnenqueued({ olderThanMs: 0 })).toBe(0);
  });

  it('when Redis does not answer, the event is still accepted (stored) and the sweep queues it later', async () => {
    // A server that accepts connections and never replies: queueing times out, the row stays unqueued.
    const sockets = new Set<Socket>();
    const blackhole = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve));
    const { port } = blackhole.address() as AddressInfo;
    const silentRedis = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: null, retryStrategy: () => null });
    const offline = createProducer({
      db: t.db,
      redis: silentRedis,
      queuePrefix: prefix,
      logger: silentLogger,
      enqueueTimeoutMs: 200,
    });
    const event = freshEvent('invoice.updated');
    try {
      expect(await offline.publish(event)).toMatchObject({ status: 'accepted', enqueued: false });
    } finally {
      silentRedis.disconnect();
      await offline.close();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => blackhole.close(resolve));
    }
    expect((await getInboxEvent(t.db, EXAMPLE_TENANT_ID, event.id))?.enqueuedAt).toBeNull();
    expect(await healthy.sweepUnenqueued({ olderThanMs: 0 })).toBe(1);
    expect(await jobsWithId(healthy.queues, jobIdOf(event))).toHaveLength(1);
  });
});
