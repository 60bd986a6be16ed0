// PostgreSQL is the authority over Redis: an accepted event whose job Redis no longer has (lost with its
// data) and that no run has finished is queued again under its own job id, by the sweep or by a re-send;
// an event whose job finished is never queued again.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { EXAMPLE_TENANT_ID } from '@qbo-sync/contracts';
import { getInboxEvent, markProcessed } from '@qbo-sync/db/repositories/inbox';
import { createTenant } from '@qbo-sync/db/repositories/tenants';
import {
  createTestDatabase,
  deleteKeysWithPrefix,
  type TestDatabase,
  testRedis,
  uniqueQueuePrefix,
  waitFor,
} from '@qbo-sync/testkit';
import { UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { createProducer, type Producer } from '../src/index.js';
import { freshEvent, jobIdOf, jobsWithId, silentLogger, testSecrets } from './helpers.js';

describe('jobs Redis lost, found from the inbox', () => {
  let t: TestDatabase;
  let redis: Redis;
  let producer: Producer;
  const prefix = uniqueQueuePrefix('lost');

  beforeAll(async () => {
    t = await createTestDatabase('lost');
    redis = testRedis();
    await createTenant(t.db, testSecrets(), { id: EXAMPLE_TENANT_ID, name: 'Acme Moving' });
    // requeueAfterMs 0: a re-send checks its event at once (production waits a minute).
    producer = createProducer({ db: t.db, redis, queuePrefix: prefix, logger: silentLogger, requeueAfterMs: 0 });
  });

  afterAll(async () => {
    await producer.close();
    await deleteKeysWithPrefix(redis, prefix);
    await redis.quit();
    await t.drop();
  });

  const lose = async (event: unknown) => {
    const [job] = await jobsWithId(producer.queues, jobIdOf(event));
    await job?.remove();
    expect(await jobsWithId(producer.queues, jobIdOf(event))).toHaveLength(0);
  };
  const key = (e: { id: string }) => ({ tenantId: EXAMPLE_TENANT_ID, eventId: e.id });

  it('the sweep queues a lost unfinished event again, leaves queued and processed ones alone', async () => {
    const lost = freshEvent('invoice.sent');
    const queued = freshEvent('invoice.updated');
    const done = freshEvent('payment.accepted');
    for (const e of [lost, queued, done]) expect((await producer.publish(e)).status).toBe('accepted');
    // Recently queued events are not looked up yet.
    expect(await producer.sweepUnprocessed({ staleMs: 60_000 })).toBe(0);

    await lose(lost);
    await markProcessed(t.db, [key(done)]);
    await lose(done);
    expect(await producer.sweepUnprocessed({ staleMs: 0 })).toBe(1);
    expect(await jobsWithId(producer.queues, jobIdOf(lost))).toHaveLength(1);
    expect(await jobsWithId(producer.queues, jobIdOf(queued))).toHaveLength(1);
    expect(await jobsWithId(producer.queues, jobIdOf(done))).toHaveLength(0);
    // Found queued now: a second pass adds nothing.
    expect(await producer.sweepUnprocessed({ staleMs: 0 })).toBe(0);
  });

  it('marks an event processed when Redis says its job already finished', async () => {
    const failing = freshEvent('customer.updated');
    expect((await producer.publish(failing)).status).toBe('accepted');
    const connection = redis.duplicate();
    const worker = new Worker(
      'customer.sync',
      async () => {
        throw new UnrecoverableError('permanent');
      },
      { connection, prefix },
    );
    try {
      await waitFor(async () => (await producer.queues['customer.sync'].getJobState(jobIdOf(failing))) === 'failed', {
        what: 'the job to fail',
      });
    } finally {
      await worker.close();
      await connection.quit();
    }
    expect((await getInboxEvent(t.db, EXAMPLE_TENANT_ID, failing.id))?.processedAt).toBeNull();
    expect(await producer.sweepUnprocessed({ staleMs: 0 })).toBe(0);
    expect((await getInboxEvent(t.db, EXAMPLE_TENANT_ID, failing.id))?.processedAt).not.toBeNull();
  });

  it('a re-send of an unfinished event whose job was lost queues it again under the same id', async () => {
    const event = freshEvent('refund.issued');
    expect((await producer.publish(event)).status).toBe('accepted');
    await lose(event);
    expect(await producer.publish(event)).toMatchObject({ status: 'duplicate', jobId: jobIdOf(event), enqueued: true });
    expect(await jobsWithId(producer.queues, jobIdOf(event))).toHaveLength(1);
    // Once processed, a re-send is only acknowledged.
    await markProcessed(t.db, [key(event)]);
    await lose(event);
    expect((await producer.publish(event)).status).toBe('duplicate');
    expect(await jobsWithId(producer.queues, jobIdOf(event))).toHaveLength(0);
  });
});
