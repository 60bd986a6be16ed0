// Database errors are logged with `err`. postgres.js puts every bound parameter on the error and drizzle
// repeats them in its message ("params: ..."); PostgreSQL echoes bad input in its own message and puts row
// values in `detail`. None of that may reach a log line: emails, phones, addresses, API-key hashes.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { tenants } from '@qbo-sync/db';
import { hashApiKey } from '@qbo-sync/db/repositories/tenants';
import { createLogger } from '@qbo-sync/observability';
import { createTestDatabase, type TestDatabase } from '@qbo-sync/testkit';

const EMAIL = 'jane.brown@example.com';
const PHONE = '+1 415 555 0100';
const STREET = '12 Harbor Way';
const KEY_HASH = hashApiKey('qsk_live_secret_key_value');

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger({ name: 'log-hygiene', level: 'info', destination }), lines };
}

async function failure(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (err) {
    return err;
  }
  throw new Error('expected the query to fail');
}

describe('logged database errors carry no personal data', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase('log-hygiene');
  });
  afterAll(async () => {
    await t.drop();
  });

  it('a PostgresError from postgres.js: no parameters, no detail, no echoed input', async () => {
    const err = await failure(() => t.sql`select ${EMAIL}::int as n, ${PHONE} as p, ${STREET} as s, ${KEY_HASH} as k`);
    expect((err as { parameters?: unknown }).parameters).toEqual(expect.arrayContaining([EMAIL, KEY_HASH]));
    const { logger, lines } = capture();
    logger.error({ err }, 'query failed');
    const out = lines.join('');
    for (const value of [EMAIL, PHONE, STREET, KEY_HASH]) expect(out).not.toContain(value);
    const logged = JSON.parse(out) as { err: Record<string, unknown> };
    expect(logged.err['parameters']).toBeUndefined();
    expect(logged.err['code']).toBe('22P02');
    expect(String(logged.err['message'])).toContain('invalid input syntax for type integer');
  });

  it('a drizzle error (params in its message, the PostgresError as cause) and a unique violation detail', async () => {
    const insert = () =>
      t.db.insert(tenants).values({
        id: 'dup',
        name: `${EMAIL} ${STREET}`,
        apiKeyHash: KEY_HASH,
        apiKeyPrefix: 'qsk_live_sec',
        signingSecretEnc: PHONE,
      });
    await insert();
    const err = await failure(insert);
    const { logger, lines } = capture();
    logger.error({ err }, 'insert failed');
    logger.warn({ error: err, cause: (err as Error).cause }, 'insert failed, logged under other keys');
    const out = lines.join('');
    expect(lines).toHaveLength(2);
    for (const value of [EMAIL, PHONE, STREET, KEY_HASH]) expect(out).not.toContain(value);
    expect(out).not.toMatch(/"params"|"parameters"|"detail"/);
    expect(out).toContain('duplicate key value violates unique constraint');
  });
});
