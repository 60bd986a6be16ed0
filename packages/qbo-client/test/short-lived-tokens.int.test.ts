// Issue 9 bug 4: with access tokens that live 1–2 s, a freshly refreshed token must be used while it is
// valid; refreshes follow the token lifetime, not the number of API calls or processes. Three clients (three
// token managers, each with its own in-process single flight) share Redis and PostgreSQL, as three worker
// processes would.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { QboClient } from '../src/client.js';
import { QboError } from '../src/errors/qbo-error.js';
import { admin, connectTenant, type Harness, startHarness } from './helpers.js';

const TOKEN_SECONDS = 1;
const RUN_MS = 4_000;
const LOOPS_PER_CLIENT = 6;

describe('short-lived access tokens (1 s): no refresh storm', () => {
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
    clients = [h.client({ limits }), h.client({ limits }), h.client({ limits })];
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

  it('refreshes about once per token lifetime across three token managers, and every call succeeds', async () => {
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
    // A token is refreshed when half its life is left (so it never reaches QBO expired): at most two refreshes
    // per lifetime, plus the one in flight when the run ended. Today: one or more per call.
    const lifetimes = Math.ceil(elapsedMs / (TOKEN_SECONDS * 1000));
    expect(refreshes).toBeGreaterThanOrEqual(lifetimes - 1);
    expect(refreshes).toBeLessThanOrEqual(2 * lifetimes + 1);
    // The proactive refresh keeps expired tokens away from QBO: at most a handful of 401s (a call delayed
    // past the expiry by a slow event loop).
    expect(after.faultsByCode['3200'] ?? 0).toBeLessThanOrEqual(refreshes);
  }, 30_000);
});
