import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { testRedis } from '@qbo-sync/testkit';
import type { Redis } from 'ioredis';
import { QboError } from '../src/errors/qbo-error.js';
import type { RealmClient } from '../src/realm-client.js';
import { admin, connectTenant, type Harness, startHarness } from './helpers.js';

// A scaled-down minute: QBO-like limits of 60 requests per 2 s and 10 in flight at the sandbox,
// our budget 54 per 2 s (90%) and 8 in flight, as in production's 450/500 per minute and 8/10.
const WINDOW_MS = 2_000;
const SANDBOX_PER_WINDOW = 60;
const BUDGET = 54;
const WINDOWS = 3;
const CALLERS = 12;
// Each caller paces itself so that together they ask for 3x the budget.
const CALLER_INTERVAL_MS = Math.round((CALLERS * WINDOW_MS) / (3 * BUDGET));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('per-realm budget shared by several clients', () => {
  let h: Harness;
  let second: Redis;
  let realmId: string;

  beforeAll(async () => {
    h = await startHarness('rate_limit', {
      limits: { requestsPerWindow: SANDBOX_PER_WINDOW, windowMs: WINDOW_MS, maxConcurrent: 10 },
    });
    second = testRedis();
    realmId = await connectTenant(h, h.client(), 'steady');
  });
  afterAll(async () => {
    second.disconnect();
    await h.close();
  });

  it('sustains >= 90% of the budget for 3 windows under 3x demand with zero 429s', async () => {
    const limits = { perWindow: BUDGET, windowMs: WINDOW_MS, maxConcurrent: 8, burst: null };
    // Two clients with their own Redis connections stand in for two worker processes.
    const clients = [h.client({ limits }), h.client({ limits, redis: second })];
    const realms: RealmClient[] = await Promise.all(clients.map((c) => c.forTenant('steady')));
    const a = admin(h.sandbox);
    const before = await a.stats(realmId);

    const until = Date.now() + WINDOWS * WINDOW_MS;
    const tally = { ok: 0, busy: 0, attempts: 0, other: [] as string[] };
    async function caller(realm: RealmClient): Promise<void> {
      while (Date.now() < until) {
        const started = Date.now();
        tally.attempts++;
        try {
          await realm.getPreferences();
          tally.ok++;
        } catch (err) {
          if (err instanceof QboError && err.code === 'REALM_BUSY') tally.busy++;
          else tally.other.push(err instanceof QboError ? err.code : String(err));
        }
        const rest = CALLER_INTERVAL_MS - (Date.now() - started);
        if (rest > 0) await sleep(rest);
      }
    }
    await Promise.all(Array.from({ length: CALLERS }, (_, i) => caller(realms[i % 2] as RealmClient)));

    const after = await a.stats(realmId);
    expect(tally.other).toEqual([]);
    expect(after.throttled429 - before.throttled429).toBe(0);
    // Demand really exceeded the budget, and nearly the whole budget was used.
    expect(tally.busy).toBeGreaterThan(0);
    expect(tally.ok).toBeGreaterThanOrEqual(Math.ceil(0.9 * BUDGET * WINDOWS));
    expect(after.requests - before.requests).toBe(tally.ok);
    expect(after.maxRequestsInAnyWindow).toBeLessThanOrEqual(SANDBOX_PER_WINDOW);
    expect(after.maxConcurrencySeen).toBeLessThanOrEqual(8);
  }, 30_000);
});
