import { randomBytes } from 'node:crypto';
import { createDb, type DbHandle, prepareDatabase } from '@qbo-sync/db';
import postgres from 'postgres';

export const TEST_PG_BASE_URL = process.env.TEST_DATABASE_BASE_URL ?? 'postgres://postgres@127.0.0.1:5432';

export interface TestDatabase extends DbHandle {
  url: string;
  name: string;
  /** Closes the pool and drops the database. */
  drop(): Promise<void>;
}

/** A fresh, migrated database per test file: suites never see each other's rows. */
export async function createTestDatabase(label = 'test', baseUrl = TEST_PG_BASE_URL): Promise<TestDatabase> {
  const name = `qbo_sync_${label.replace(/\W/g, '_')}_${randomBytes(4).toString('hex')}`;
  const url = `${baseUrl}/${name}`;
  await prepareDatabase(url);
  const handle = createDb(url);
  return {
    ...handle,
    url,
    name,
    async drop() {
      await handle.close();
      const admin = postgres(`${baseUrl}/postgres`, { max: 1, onnotice: () => {} });
      try {
        await admin.unsafe(`drop database if exists "${name}" with (force)`);
      } finally {
        await admin.end({ timeout: 5 });
      }
    },
  };
}
