import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TEST_REDIS_URL } from '@qbo-sync/testkit';
import { admin, connectTenant, type Harness, startHarness } from './helpers.js';

const here = dirname(fileURLToPath(import.meta.url));
const PROCESSES = 2;
const CALLS_PER_PROCESS = 25;

interface Child {
  proc: ChildProcessWithoutNullStreams;
  next(): Promise<string>;
}

function startChild(env: Record<string, string>): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(here, 'fixtures', 'refresh-worker.ts')], {
    cwd: join(here, '..'),
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const stderr: string[] = [];
  proc.stderr.on('data', (d: Buffer) => stderr.push(String(d)));
  const queue: string[] = [];
  const waiters: ((line: string) => void)[] = [];
  createInterface({ input: proc.stdout }).on('line', (line) => {
    const w = waiters.shift();
    if (w) w(line);
    else queue.push(line);
  });
  const exited = new Promise<never>((_, reject) =>
    proc.on('exit', (code) => reject(new Error(`child exited (${code}): ${stderr.join('').slice(-2000)}`))),
  );
  exited.catch(() => undefined);
  return {
    proc,
    next: () => {
      const line = queue.shift();
      if (line !== undefined) return Promise.resolve(line);
      return Promise.race([new Promise<string>((r) => waiters.push(r)), exited]);
    },
  };
}

describe('exactly one token refresh across processes', () => {
  let h: Harness;
  let realmId: string;
  let children: Child[] = [];

  beforeAll(async () => {
    h = await startHarness('refresh_mp', { rotatedRefreshGraceSeconds: 0 });
    realmId = await connectTenant(h, h.client(), 'busy');
    children = Array.from({ length: PROCESSES }, () =>
      startChild({
        DATABASE_URL: h.db.url,
        REDIS_URL: TEST_REDIS_URL,
        SANDBOX_PORT: String(h.sandbox.port),
        KEY_PREFIX: h.keyPrefix,
        TENANT_ID: 'busy',
        CALLS: String(CALLS_PER_PROCESS),
      }),
    );
    expect(await Promise.all(children.map((c) => c.next()))).toEqual(children.map(() => 'ready'));
  }, 60_000);

  afterAll(async () => {
    for (const c of children) {
      if (c.proc.exitCode === null) {
        c.proc.stdin.write('exit\n');
        await new Promise((r) => {
          const t = setTimeout(() => {
            c.proc.kill();
            r(undefined);
          }, 5000);
          c.proc.on('exit', () => {
            clearTimeout(t);
            r(undefined);
          });
        });
      }
    }
    await h.close();
  });

  async function burst(): Promise<string[]> {
    for (const c of children) c.proc.stdin.write('go\n');
    const lines = await Promise.all(children.map((c) => c.next()));
    return lines.flatMap((l) => {
      expect(l.startsWith('done ')).toBe(true);
      return JSON.parse(l.slice(5)) as string[];
    });
  }

  it('50 concurrent calls in 2 processes at access-token expiry (known to PostgreSQL): one refresh', async () => {
    const a = admin(h.sandbox);
    const before = await a.stats(realmId);
    await a.expireAccessTokens(realmId);
    await h.db.sql`update qbo_connections set access_token_expires_at = now() - interval '1 second'
      where tenant_id = 'busy'`;
    const results = await burst();
    expect(results).toHaveLength(PROCESSES * CALLS_PER_PROCESS);
    expect(results.filter((r) => r !== 'ok')).toEqual([]);
    const after = await a.stats(realmId);
    expect(after.tokenRefreshes - before.tokenRefreshes).toBe(1);
    // Proactive path: nobody used the dead token first.
    expect((after.faultsByCode['3200'] ?? 0) - (before.faultsByCode['3200'] ?? 0)).toBe(0);
  }, 60_000);

  it('50 concurrent calls in 2 processes when QBO alone says the token expired (401s): one refresh', async () => {
    const a = admin(h.sandbox);
    const before = await a.stats(realmId);
    const version = await h.db.sql<
      { v: number }[]
    >`select token_version as v from qbo_connections where tenant_id = 'busy'`;
    await a.expireAccessTokens(realmId);
    const results = await burst();
    expect(results.filter((r) => r !== 'ok')).toEqual([]);
    const after = await a.stats(realmId);
    expect(after.tokenRefreshes - before.tokenRefreshes).toBe(1);
    expect((after.faultsByCode['3200'] ?? 0) - (before.faultsByCode['3200'] ?? 0)).toBeGreaterThan(0);
    const now = await h.db.sql<
      { v: number }[]
    >`select token_version as v from qbo_connections where tenant_id = 'busy'`;
    expect(now[0]?.v).toBe((version[0]?.v ?? 0) + 1);
  }, 60_000);
});
