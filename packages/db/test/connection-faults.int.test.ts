// The outage classifier on real driver errors: a database that is not there, a connection killed under a
// query, and (not an outage) a bad statement.
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql } from 'drizzle-orm';
import { createDb, type DbHandle } from '../src/client.js';
import { isConnectionFault, isDriverCloseCrash } from '../src/connection-faults.js';

async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise((r) => srv.close(r));
  return port;
}

// No tables needed: the server's own `postgres` database serves (testkit depends on this package).
const url = `${process.env.TEST_DATABASE_BASE_URL ?? 'postgres://postgres@127.0.0.1:5432'}/postgres`;

describe('isConnectionFault', () => {
  let t: DbHandle;
  beforeAll(() => {
    t = createDb(url, { max: 2 });
  });
  afterAll(async () => {
    await t.close();
  });

  it('recognises a refused connection, through drizzle', async () => {
    const gone = createDb(`postgres://postgres@127.0.0.1:${await closedPort()}/none`, { max: 1 });
    try {
      const err = await gone.db.execute(sql`select 1`).catch((e: unknown) => e);
      expect(isConnectionFault(err)).toBe(true);
    } finally {
      await gone.close();
    }
  });

  it('recognises a backend terminated under a query (57P01 admin_shutdown)', async () => {
    const victim = createDb(url, { max: 1 });
    try {
      const [{ pid } = { pid: 0 }] = await victim.sql<{ pid: number }[]>`select pg_backend_pid() as pid`;
      const sleeping = victim.db.execute(sql`select pg_sleep(30)`).catch((e: unknown) => e);
      await new Promise((r) => setTimeout(r, 200));
      await t.sql`select pg_terminate_backend(${pid})`;
      expect(isConnectionFault(await sleeping)).toBe(true);
    } finally {
      await victim.sql.end({ timeout: 0 });
    }
  });

  it('does not take a bad statement or a programming error for an outage', async () => {
    const err = await t.db.execute(sql`select * from no_such_table`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(isConnectionFault(err)).toBe(false);
    expect(isConnectionFault(new TypeError("Cannot read properties of undefined (reading 'id')"))).toBe(false);
    expect(isDriverCloseCrash(new TypeError("Cannot read properties of null (reading 'write')"))).toBe(false);
  });
});
