// Release pacing against the real Redis: a tenant's jobs are added delayed to the slots its company budget
// will have room for (the realm limiter's own sliding-window rule, computed ahead), lanes keep live work
// ahead of bulk work, and one tenant's flood leaves another tenant's job undelayed.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { EXAMPLE_TENANT_ID } from '@qbo-sync/contracts';
import { createTenant } from '@qbo-sync/db/repositories/tenants';
import { createTestDatabase, type TestDatabase, testRedis, uniqueQueuePrefix } from '@qbo-sync/testkit';
import type { Redis } from 'ioredis';
import { createProducer, createReleasePacer, type Producer, releaseKeys } from '../src/index.js';
import { allJobs, freshEvent, silentLogger, testSecrets } from './helpers.js';

describe('release pacing', () => {
  let redis: Redis;
  const prefix = uniqueQueuePrefix('pacing');
  let clock = 1_000_000;
  let tenantSeq = 0;
  const tenant = () => `pace-${++tenantSeq}`;

  beforeAll(() => {
    redis = testRedis();
  });
  afterAll(async () => {
    for (let i = 1; i <= tenantSeq; i++) {
      const keys = releaseKeys(prefix, `pace-${i}`);
      await redis.del(keys.live, keys.bulk);
    }
    await redis.quit();
  });

  const pacer = (o: { perWindow: number; windowMs: number; burstPerSecond?: number; burstWindowMs?: number }) =>
    createReleasePacer(redis, prefix, { burstPerSecond: 0, slackMs: 0, now: () => clock, ...o });

  it('hands out slots by the sliding window: perWindow per window, in order', async () => {
    const p = pacer({ perWindow: 10, windowMs: 1_000 });
    const t = tenant();
    const delays = await p.reserve(t, 'live', 25);
    expect(delays).toEqual([...Array(10).fill(0), ...Array(10).fill(1_000), ...Array(5).fill(2_000)]);
    // Later calls continue the schedule; time passing counts.
    clock += 500;
    expect(await p.reserve(t, 'live', 6)).toEqual([1_500, 1_500, 1_500, 1_500, 1_500, 2_500]);
  });

  it('keeps the short window too (a flood spread evenly past it), and adds the slack to both windows', async () => {
    const p = pacer({ perWindow: 100, windowMs: 10_000, burstPerSecond: 3, burstWindowMs: 100 });
    // Three at once, then one every 100 / 3 ms (rounded up) while the short window stays full.
    expect(await p.reserve(tenant(), 'live', 7)).toEqual([0, 0, 0, 100, 134, 168, 202]);
    const slack = createReleasePacer(redis, prefix, {
      perWindow: 2,
      windowMs: 1_000,
      burstPerSecond: 0,
      slackMs: 50,
      now: () => clock,
    });
    expect(await slack.reserve(tenant(), 'live', 5)).toEqual([0, 0, 1_050, 1_050, 2_100]);
  });

  it('live work is not queued behind a bulk backlog; it takes its slots from the bulk lane', async () => {
    const p = pacer({ perWindow: 10, windowMs: 1_000 });
    const t = tenant();
    expect(await p.reserve(t, 'bulk', 30)).toEqual([
      ...Array(10).fill(0),
      ...Array(10).fill(1_000),
      ...Array(10).fill(2_000),
    ]);
    // A live job is released at once, though the bulk lane is booked for three windows.
    expect(await p.reserve(t, 'live', 1)).toEqual([0]);
    // The bulk lane gave that slot up: its next releases come one slot later (3,000 has 9 left, then 4,000).
    expect(await p.reserve(t, 'bulk', 10)).toEqual([...Array(9).fill(3_000), 4_000]);
  });

  it('tenants are independent', async () => {
    const p = pacer({ perWindow: 2, windowMs: 1_000 });
    const flooding = tenant();
    await p.reserve(flooding, 'live', 100);
    expect(await p.reserve(tenant(), 'live', 2)).toEqual([0, 0]);
  });
});

describe('the producer adds a flood delayed, another tenant at once', () => {
  let t: TestDatabase;
  let redis: Redis;
  let producer: Producer;
  const prefix = uniqueQueuePrefix('paced');
  const OTHER = 'tenant-other';

  beforeAll(async () => {
    t = await createTestDatabase('paced');
    redis = testRedis();
    await createTenant(t.db, testSecrets(), { id: EXAMPLE_TENANT_ID, name: 'Acme Moving' });
    await createTenant(t.db, testSecrets(), { id: OTHER, name: 'Other Co' });
    producer = createProducer({
      db: t.db,
      redis,
      queuePrefix: prefix,
      logger: silentLogger,
      pacing: { perWindow: 5, windowMs: 60_000, burstPerSecond: 0, slackMs: 0 },
    });
  });
  afterAll(async () => {
    await producer.close();
    for (const id of [EXAMPLE_TENANT_ID, OTHER]) {
      const keys = releaseKeys(prefix, id);
      await redis.del(keys.live, keys.bulk);
    }
    await redis.quit();
    await t.drop();
  });

  it('a tenant past its budget waits in the delayed set; the other tenant is waiting to run', async () => {
    const flood = Array.from({ length: 12 }, () => freshEvent('invoice.sent'));
    const results = await producer.publishMany(flood, { tenantId: EXAMPLE_TENANT_ID });
    expect(results.every((r) => r.status === 'accepted' && r.enqueued)).toBe(true);
    const other = freshEvent('invoice.sent', { tenantId: OTHER });
    expect((await producer.publish(other)).status).toBe('accepted');

    const jobs = await allJobs(producer.queues);
    const byTenant = (id: string) => jobs.filter((j) => (j.data as { tenantId: string }).tenantId === id);
    const states = async (list: typeof jobs) => Promise.all(list.map((j) => j.getState()));
    const flooded = await states(byTenant(EXAMPLE_TENANT_ID));
    // 5 releasable now (the budget's window), 7 held back for the next windows.
    expect(flooded.filter((s) => s === 'delayed')).toHaveLength(7);
    expect(flooded.filter((s) => s !== 'delayed')).toHaveLength(5);
    const held = byTenant(EXAMPLE_TENANT_ID)
      .map((j) => j.opts.delay ?? 0)
      .sort((a, b) => a - b);
    expect(held.slice(5).every((d) => d >= 59_000)).toBe(true);
    expect(held.slice(10).every((d) => d >= 119_000)).toBe(true);
    expect(await states(byTenant(OTHER))).toEqual([expect.not.stringMatching(/^delayed$/)]);
  });
});
