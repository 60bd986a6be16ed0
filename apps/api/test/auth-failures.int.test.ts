// 4,800 requests with random API keys from one address were 4,800 PostgreSQL lookups: failed
// authentication is now bounded per address, and an unknown key is remembered briefly.
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ErrorBody } from '@qbo-sync/contracts';
import { waitFor } from '@qbo-sync/testkit';
import { API_KEY_FAILURE_LIMIT } from '../src/auth.js';
import { type Harness, startHarness } from './harness.js';

describe('failed API-key authentication is bounded per address', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('auth-failures');
  });
  afterAll(async () => {
    await h.close();
  });

  /** GET /v1/sync-status with `apiKey`, from a chosen loopback address (all of 127/8 is this machine). */
  const get = (apiKey: string, from: string) =>
    new Promise<{ statusCode: number; retryAfter?: string; code?: string }>((resolve, reject) => {
      const port = Number(new URL(h.url).port);
      const req = httpRequest(
        { host: '127.0.0.1', port, localAddress: from, path: '/v1/sync-status', headers: { 'x-api-key': apiKey } },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => {
            text += c.toString();
          });
          res.on('end', () => {
            const code = res.statusCode === 200 ? undefined : (JSON.parse(text) as ErrorBody).error.code;
            resolve({ statusCode: res.statusCode ?? 0, retryAfter: res.headers['retry-after'], code });
          });
        },
      );
      req.on('error', reject);
      req.end();
    });
  const randomKey = () => `qsk_${randomBytes(24).toString('base64url')}`;

  /** Holds an exclusive lock on `tenants`: any API-key lookup blocks until `release()`. */
  async function lockTenants() {
    let release = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let locked = () => {};
    const held = new Promise<void>((r) => {
      locked = r;
    });
    const done = h.db.sql.begin(async (tx) => {
      await tx`lock table tenants in access exclusive mode`;
      locked();
      await gate;
    });
    await held;
    return async () => {
      release();
      await done;
    };
  }
  /** A backend of this database waiting on a lock: an API-key lookup is blocked. */
  const lookupBlocked = async () => {
    const rows = await h.db.sql`select 1 from pg_stat_activity
      where datname = current_database() and wait_event_type = 'Lock'`;
    return rows.length > 0;
  };

  it(`after ${API_KEY_FAILURE_LIMIT.maxFailures} unknown keys an address gets 429 without a lookup; known keys and other addresses are not slowed`, async () => {
    const guesser = '127.0.0.21';
    // A tenant behind the same address (a shared NAT) authenticated before the guessing started.
    expect((await get(h.acme.apiKey, guesser)).statusCode).toBe(200);
    for (let i = 0; i < API_KEY_FAILURE_LIMIT.maxFailures; i++) {
      expect((await get(randomKey(), guesser)).code).toBe('invalid_api_key');
    }
    const refused = await get(randomKey(), guesser);
    expect(refused).toMatchObject({ statusCode: 429, code: 'too_many_auth_failures' });
    expect(Number(refused.retryAfter)).toBeGreaterThan(0);

    // With every lookup blocked, the guesser's requests are still answered: no database work is done for them.
    const unlock = await lockTenants();
    try {
      const answers = await Promise.all(Array.from({ length: 50 }, () => get(randomKey(), guesser)));
      expect(new Set(answers.map((a) => a.statusCode))).toEqual(new Set([429]));
      // (The lock does block lookups: a fresh address's unknown key waits for it.)
      const pending = get(randomKey(), '127.0.0.24');
      await waitFor(lookupBlocked, { what: 'a blocked lookup' });
      await unlock();
      expect((await pending).statusCode).toBe(401);
    } finally {
      await unlock();
    }
    // The tenant's own key still gets in from the guesser's address, and another address is unaffected.
    expect((await get(h.acme.apiKey, guesser)).statusCode).toBe(200);
    expect((await get(randomKey(), '127.0.0.22')).statusCode).toBe(401);
    // The window passes: the address is looked up again.
    h.clock.nowMs += API_KEY_FAILURE_LIMIT.windowMs;
    expect((await get(randomKey(), guesser)).statusCode).toBe(401);
  });

  it('an unknown key asked again at once is answered from memory', async () => {
    const key = randomKey();
    expect((await get(key, '127.0.0.23')).code).toBe('invalid_api_key');
    const unlock = await lockTenants();
    try {
      expect((await get(key, '127.0.0.23')).code).toBe('invalid_api_key');
    } finally {
      await unlock();
    }
  });
});
