import { describe, expect, it } from '@jest/globals';
import postgres from 'postgres';
import {
  createTestDatabase,
  deleteKeysWithPrefix,
  TEST_PG_BASE_URL,
  testRedis,
  uniqueQueuePrefix,
  waitFor,
} from '../src/index.js';

describe('createTestDatabase', () => {
  it('makes a migrated database of its own and drops it', async () => {
    const t = await createTestDatabase('kit');
    const tables = await t.sql`select 1 from information_schema.tables where table_name = 'sync_records'`;
    expect(tables).toHaveLength(1);
    await t.drop();
    const admin = postgres(`${TEST_PG_BASE_URL}/postgres`, { max: 1 });
    const left = await admin`select 1 from pg_database where datname = ${t.name}`;
    await admin.end();
    expect(left).toHaveLength(0);
  });
});

describe('redis helpers', () => {
  it('gives hash-tagged unique prefixes and deletes only keys under one', async () => {
    const a = uniqueQueuePrefix('kit');
    const b = uniqueQueuePrefix('kit');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^\{qbo-sync-kit-[0-9a-f]{8}\}$/);
    const redis = testRedis();
    try {
      await redis.set(`${a}:x`, '1');
      await redis.set(`${b}:y`, '1');
      await deleteKeysWithPrefix(redis, a);
      expect(await redis.exists(`${a}:x`)).toBe(0);
      expect(await redis.exists(`${b}:y`)).toBe(1);
      await deleteKeysWithPrefix(redis, b);
    } finally {
      await redis.quit();
    }
  });
});

describe('waitFor', () => {
  it('returns the first truthy value', async () => {
    let n = 0;
    await expect(waitFor(() => (++n >= 3 ? n : undefined), { intervalMs: 1 })).resolves.toBe(3);
  });
  it('fails with what it waited for and the last value', async () => {
    await expect(waitFor(() => false, { timeoutMs: 30, intervalMs: 5, what: 'the moon' })).rejects.toThrow(
      /waiting for the moon; last: false/,
    );
  });
});
