import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { isConnectionFault } from './connection-faults.js';
import * as schema from './schema.js';

export type Database = PostgresJsDatabase<typeof schema>;
export interface DbHandle {
  db: Database;
  sql: postgres.Sql;
  close(): Promise<void>;
}

export interface DbOptions {
  max?: number;
  /** postgres.js's per-statement hook (the test harness counts statements with it). */
  debug?: (connection: number, query: string, parameters: unknown[], types: unknown[]) => void;
}

export function createDb(url: string, options: DbOptions = {}): DbHandle {
  const sql = postgres(url, {
    max: options.max ?? 10,
    onnotice: () => {},
    ...(options.debug ? { debug: options.debug } : {}),
  });
  const db = drizzle(sql, { schema });
  return { db, sql, close: () => sql.end({ timeout: 5 }) };
}

/**
 * The postgres.js client under a drizzle database, for hot paths written as fixed SQL text (postgres.js
 * prepares each text once per connection; drizzle would rebuild the SQL on every call). Note that drizzle
 * sets timestamps and jsonb to pass through as strings on this client: send ISO strings and JSON text.
 */
export function rawClient(db: Database): postgres.Sql {
  const client = (db as unknown as { $client?: postgres.Sql }).$client;
  if (!client) throw new Error('rawClient needs the database itself, not a transaction');
  return client;
}

/** The checked-in drizzle-kit migrations, found through package resolution so bundled apps find them too. */
export function migrationsFolder(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@qbo-sync/db/package.json')), 'drizzle');
}

/** Creates the database named in the URL when it is missing (connecting to the `postgres` database). */
export async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (!/^[\w-]+$/.test(name))
    throw new Error(`DATABASE_URL names an unusual database "${name}"; use letters, digits, _ or -`);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const sql = postgres(admin.toString(), { max: 1, onnotice: () => {} });
  try {
    const rows = await sql`select 1 from pg_database where datname = ${name}`;
    if (rows.length === 0) {
      await sql.unsafe(`create database "${name}"`).catch((err: { code?: string }) => {
        if (err.code !== '42P04') throw err; // created concurrently by another process
      });
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** Creates the database if missing and applies pending migrations; safe to run from several processes. */
export async function prepareDatabase(url: string): Promise<void> {
  await ensureDatabase(url);
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    // One migrator at a time across processes (api and worker start together).
    await sql`select pg_advisory_lock(7312001)`;
    await migrate(drizzle(sql), { migrationsFolder: migrationsFolder() });
    await sql`select pg_advisory_unlock(7312001)`;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/**
 * prepareDatabase for a process start: while the server is unreachable (restarting, failing over, or started
 * after us) it waits and tries again, so an outage delays a start instead of failing it (and, under
 * `npm start`, stopping every other process). Any other error is thrown at once.
 */
export async function prepareDatabaseWhenReachable(
  url: string,
  opts: { onWait?: (err: unknown, attempt: number) => void; maxDelayMs?: number } = {},
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await prepareDatabase(url);
    } catch (err) {
      if (!isConnectionFault(err)) throw err;
      opts.onWait?.(err, attempt);
      await new Promise((r) => setTimeout(r, Math.min(500 * attempt, opts.maxDelayMs ?? 5_000)));
    }
  }
}
