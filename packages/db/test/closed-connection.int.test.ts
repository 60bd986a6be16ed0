// The postgres.js patch (patches/postgres@3.4.9.patch): a query written to a connection whose socket has
// closed must be rejected, not dropped. On a reserved connection (sql.reserve(), sql.begin()) the dropped
// query stayed pending for ever, and the job holding it with it.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import postgres from 'postgres';
import { isConnectionFault } from '../src/connection-faults.js';

const url = `${process.env.TEST_DATABASE_BASE_URL ?? 'postgres://postgres@127.0.0.1:5432'}/postgres`;

/** Polls `check` every 20 ms for up to 15 s. */
async function until(check: () => Promise<boolean> | boolean, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('a query on a reserved connection whose socket closed', () => {
  let admin: postgres.Sql;
  beforeAll(() => {
    admin = postgres(url, { max: 1, onnotice: () => {} });
  });
  afterAll(async () => {
    await admin.end({ timeout: 5 });
  });

  it('is rejected with a connection fault instead of staying pending for ever', async () => {
    const closed: number[] = [];
    const client = postgres(url, { max: 1, onnotice: () => {}, onclose: (id) => closed.push(id) });
    try {
      const reserved = await client.reserve();
      const [row] = await reserved<{ pid: number }[]>`select pg_backend_pid() as pid`;
      await admin`select pg_terminate_backend(${row?.pid ?? 0})`;
      // The driver has seen the socket close (its onclose ran): the next write has no socket.
      await until(() => closed.length > 0, 'the reserved connection to close');
      const pending = Symbol('still pending');
      let timer: NodeJS.Timeout | undefined;
      const outcome = await Promise.race([
        reserved`select 1`.then(
          () => 'answered',
          (err: unknown) => err,
        ),
        // A rejection comes within one event-loop turn; 10 s means it never will.
        new Promise((resolve) => {
          timer = setTimeout(() => resolve(pending), 10_000);
        }),
      ]);
      clearTimeout(timer);
      expect(outcome).not.toBe(pending);
      expect(outcome).toMatchObject({ code: 'CONNECTION_CLOSED' });
      expect(isConnectionFault(outcome)).toBe(true);
      reserved.release();
    } finally {
      await client.end({ timeout: 0 });
    }
  });
});
