// Round-trip counters for the worker side of the harness: every PostgreSQL statement (postgres.js `debug`
// hook) and every Redis command (the client's sendCommand, which pipelines go through too) that the worker
// and its QBO client send. The API and the test's own reads use other clients, so they are not counted.
import { createDb, type DbHandle } from '@qbo-sync/db';
import { Redis } from 'ioredis';

export interface RoundTrips {
  pg: number;
  redis: number;
  /** Statement texts (first 80 chars) in order, to see what a count is made of. */
  pgLog: string[];
  redisLog: string[];
}

export interface CountedClients {
  db: DbHandle;
  redis: Redis;
  /** The counts since the last reset. */
  snapshot(): RoundTrips;
  reset(): void;
  close(): Promise<void>;
}

/** A PostgreSQL pool and a Redis client that count what goes through them. */
export function countedClients(dbUrl: string, redisUrl: string): CountedClients {
  let counts: RoundTrips = { pg: 0, redis: 0, pgLog: [], redisLog: [] };
  const db = createDb(dbUrl, {
    debug: (_conn, query) => {
      counts.pg++;
      counts.pgLog.push(query.replace(/\s+/g, ' ').slice(0, 80));
    },
  });
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const send = redis.sendCommand.bind(redis);
  redis.sendCommand = ((command: { name: string; args: unknown[] }, ...rest: unknown[]) => {
    counts.redis++;
    const key = String((command.name.startsWith('eval') ? command.args[2] : command.args[0]) ?? '');
    counts.redisLog.push(`${command.name} ${key.replace(/^\{[^}]*\}:?/, '')}`);
    return (send as (...a: unknown[]) => unknown)(command, ...rest);
  }) as typeof redis.sendCommand;
  return {
    db,
    redis,
    snapshot: () => ({ ...counts, pgLog: [...counts.pgLog], redisLog: [...counts.redisLog] }),
    reset() {
      counts = { pg: 0, redis: 0, pgLog: [], redisLog: [] };
    },
    async close() {
      await redis.quit();
      await db.close();
    },
  };
}
