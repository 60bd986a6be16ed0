import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { is } from 'drizzle-orm';
import { getTableConfig, PgTable } from 'drizzle-orm/pg-core';
import postgres from 'postgres';
import { createDb, type DbHandle, prepareDatabase, tenants } from '../src/index.js';
import * as schema from '../src/schema.js';

/** Every table the drizzle schema declares: the checked-in migrations must create exactly these. */
const schemaTables = (Object.values(schema) as unknown[])
  .filter((value): value is PgTable => is(value, PgTable))
  .map((table) => getTableConfig(table).name)
  .sort();

// testkit depends on this package, so this suite makes its own throwaway database.
const base = process.env.TEST_DATABASE_BASE_URL ?? 'postgres://postgres@127.0.0.1:5432';

describe('prepareDatabase', () => {
  const name = `qbo_sync_db_${randomBytes(4).toString('hex')}`;
  const url = `${base}/${name}`;
  let t: DbHandle;
  beforeAll(async () => {
    await prepareDatabase(url);
    t = createDb(url);
  });
  afterAll(async () => {
    await t.close();
    const admin = postgres(`${base}/postgres`, { max: 1 });
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
    await admin.end();
  });

  it('creates the database, applies migrations, and is idempotent across concurrent starts', async () => {
    await Promise.all([prepareDatabase(url), prepareDatabase(url)]);
    const tables = await t.sql<{ table_name: string }[]>`
      select table_name from information_schema.tables where table_schema = 'public' order by table_name`;
    expect(schemaTables).toEqual(expect.arrayContaining(['inbox_events', 'sync_records', 'tenants']));
    expect(tables.map((r) => r.table_name).sort()).toEqual(schemaTables);
    await t.db
      .insert(tenants)
      .values({ id: 'acme', name: 'Acme', apiKeyHash: 'h', apiKeyPrefix: 'p', signingSecretEnc: 'x' });
    const rows = await t.db.select().from(tenants);
    expect(rows[0]?.settings).toEqual({});
  });
});
