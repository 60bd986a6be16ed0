// Issue 9 bug 4: with access tokens that live 1–2 s, a freshly refreshed token must be used while it is
// valid; refreshes follow the token lifetime, not the number of API calls or processes. Four clients (four
// token managers, each with its own in-process single flight) share Redis and PostgreSQL, as four worker
// processes would.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { QboClient } from '../src/client.js';
import { QboError } from '../src/errors/qbo-error.js';
import { admin, connectTenant, type Harness, startHarness } from './helpers.js';

const TOKEN_SECONDS = 2;
const RUN_MS = 5_000;
const LOOPS_PER_CLIENT = 4;
const PROCESSES = 4;

describe('short-lived access tokens (2 s): no refresh storm', () => {
  let h: Harness;
  let clients: QboClient[];
  let realmId: string;

  beforeAll(async () => {
    h = await startHarness('short_tokens', {
      accessTokenTtlSeconds: TOKEN_SECONDS,
      rotatedRefreshGraceSeconds: 0,
      limits: { requestsPerWindow: 1_000_000, windowMs: 60_000, maxConcurrent: 50 },
    });
    const limits = { perWindow: 1_000_000, windowMs: 60_000, maxConcurrent: 50, burst: null };
    clients = Array.from({ length: PROCESSES }, () => h.client({ limits }));
    realmId = await connectTenant(h, clients[0] as QboClient, 'short');
  }, 30_000);
  afterAll(async () => {
    await h.close();
  });

  async function tokenVersion(): Promise<number> {
    const rows = await h.db.sql<
      { v: number }[]
    >`select token_version as v from qbo_connections where tenant_id = 'short'`;
    return rows[0]?.v ?? 0;
  }

  it('refreshes about once per token lifetime across four token managers, and every call succeeds', async () => {
    const a = admin(h.sandbox);
    const before = await a.stats(realmId);
    const versionBefore = await tokenVersion();
    const outcomes: string[] = [];
    const started = Date.now();
    const loop = async (client: QboClient) => {
      while (Date.now() - started < RUN_MS) {
        try {
          const realm = await client.forTenant('short');
          const c = await realm.getCustomer('1');
          outcomes.push(c.Id === '1' ? 'ok' : 'wrong-answer');
        } catch (err) {
          outcomes.push(err instanceof QboError ? err.code : String(err));
        }
      }
    };
    await Promise.all(clients.flatMap((c) => Array.from({ length: LOOPS_PER_CLIENT }, () => loop(c))));
    const elapsedMs = Date.now() - started;
    const after = await a.stats(realmId);
    const refreshes = after.tokenRefreshes - before.tokenRefreshes;
    const versions = (await tokenVersion()) - versionBefore;

    expect(outcomes.filter((o) => o !== 'ok')).toEqual([]);
    expect(outcomes.length).toBeGreaterThan(50);
    // Every refresh the sandbox saw was stored (no refresh lost a compare-and-set, i.e. none was wasted).
    expect(refreshes).toBe(versions);
    // A token is refreshed once less than half its life is left, so two refreshes are at least half a lifetime
    // apart: at most one per half lifetime, plus the first. The old code refreshed once more per waiting
    // process, and with 401s once per call.
    const lifetimeMs = TOKEN_SECONDS * 1000;
    expect(refreshes).toBeLessThanOrEqual(Math.floor((2 * elapsedMs) / lifetimeMs) + 1);
    // ...and tokens did expire and get refreshed during the run.
    expect(refreshes).toBeGreaterThanOrEqual(2);
    // The proactive refresh keeps expired tokens away from QBO: at most a handful of 401s (a call delayed
    // past the expiry by a slow event loop).
    expect(after.faultsByCode['3200'] ?? 0).toBeLessThanOrEqual(refreshes);
  }, 30_000);
});

describe('tokens shorter than 30 s that QBO ends early (401s): one refresh per expiry', () => {
  const FORCED_EXPIRIES = 4;
  let h: Harness;
  let clients: QboClient[];
  let realmId: string;

  beforeAll(async () => {
    // 20 s tokens: no proactive refresh during the run, so every refresh answers a 401.
    h = await startHarness('early_expiry', {
      accessTokenTtlSeconds: 20,
      rotatedRefreshGraceSeconds: 0,
      limits: { requestsPerWindow: 1_000_000, windowMs: 60_000, maxConcurrent: 50 },
    });
    const limits = { perWindow: 1_000_000, windowMs: 60_000, maxConcurrent: 50, burst: null };
    clients = Array.from({ length: PROCESSES }, () => h.client({ limits }));
    realmId = await connectTenant(h, clients[0] as QboClient, 'early');
  }, 30_000);
  afterAll(async () => {
    await h.close();
  });

  it('each early expiry costs one refresh: the waiting token managers use the refreshed token', async () => {
    const a = admin(h.sandbox);
    const outcomes: string[] = [];
    const call = async (client: QboClient) => {
      try {
        const realm = await client.forTenant('early');
        outcomes.push((await realm.getCustomer('1')).Id === '1' ? 'ok' : 'wrong-answer');
      } catch (err) {
        outcomes.push(err instanceof QboError ? err.code : String(err));
      }
    };
    const perRound: number[] = [];
    for (let round = 0; round < FORCED_EXPIRIES; round++) {
      const before = await a.stats(realmId);
      // QBO ends every token of the company; then every token manager's calls meet a 401 at once.
      await a.expireAccessTokens(realmId);
      await Promise.all(clients.flatMap((c) => Array.from({ length: LOOPS_PER_CLIENT }, () => call(c))));
      const after = await a.stats(realmId);
      expect((after.faultsByCode['3200'] ?? 0) - (before.faultsByCode['3200'] ?? 0)).toBeGreaterThan(0);
      perRound.push(after.tokenRefreshes - before.tokenRefreshes);
    }
    expect(outcomes.filter((o) => o !== 'ok')).toEqual([]);
    // The old fixed 30 s margin made every waiting token manager refresh the just-refreshed 20 s token again.
    expect(perRound).toEqual(perRound.map(() => 1));
  }, 30_000);
});
