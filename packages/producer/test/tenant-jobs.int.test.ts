import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTenant, deleteTenant } from '@qbo-sync/db/repositories/tenants';
import {
  createTestDatabase,
  deleteKeysWithPrefix,
  type TestDatabase,
  testRedis,
  uniqueQueuePrefix,
  waitFor,
} from '@qbo-sync/testkit';
import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { createProducer, type Producer, removeTenantJobs } from '../src/index.js';
import { allJobs, freshEvent, silentLogger, testSecrets } from './helpers.js';

describe('removeTenantJobs', () => {
  let t: TestDatabase;
  let redis: Redis;
  let producer: Producer;
  const prefix = uniqueQueuePrefix('tenant-jobs');
  const secrets = testSecrets();

  beforeAll(async () => {
    t = await createTestDatabase('tenant_jobs');
    redis = testRedis();
    producer = createProducer({ db: t.db, redis, queuePrefix: prefix, logger: silentLogger });
    await createTenant(t.db, secrets, { id: 'gone-co', name: 'Gone' });
    await createTenant(t.db, secrets, { id: 'staying-co', name: 'Staying' });
  });
  afterAll(async () => {
    await producer.close();
    await deleteKeysWithPrefix(redis, prefix);
    await redis.quit();
    await t.drop();
  });

  it("removes one tenant's jobs in every state, keeps the others', and lets a re-created tenant resend", async () => {
    const gone = [
      freshEvent('invoice.sent', { tenantId: 'gone-co' }),
      freshEvent('payment.accepted', { tenantId: 'gone-co' }),
    ];
    const staying = freshEvent('invoice.sent', { tenantId: 'staying-co' });
    for (const e of [...gone, staying]) expect((await producer.publish(e)).status).toBe('accepted');
    // The invoices are processed (their jobs completed and retained for de-duplication); the payment waits.
    const connection = redis.duplicate();
    const worker = new Worker('invoice.sync', async () => 'synced', { connection, prefix });
    await waitFor(async () => (await producer.queues['invoice.sync'].getJobCounts('completed')).completed === 2, {
      what: 'both invoice jobs to complete',
    });
    await worker.close();
    await connection.quit();

    expect(await removeTenantJobs(producer.queues, 'gone-co')).toBe(2);
    const left = await allJobs(producer.queues);
    expect(left.map((j) => j.data.tenantId)).toEqual(['staying-co']);
    expect(await left[0]?.getState()).toBe('completed');

    // The tenant is deleted and created again; the billing system resends the same events: they run again.
    await deleteTenant(t.db, 'gone-co');
    await createTenant(t.db, secrets, { id: 'gone-co', name: 'Gone, back' });
    for (const e of gone) expect((await producer.publish(e)).status).toBe('accepted');
    expect((await allJobs(producer.queues)).filter((j) => j.data.tenantId === 'gone-co')).toHaveLength(2);
  });
});
