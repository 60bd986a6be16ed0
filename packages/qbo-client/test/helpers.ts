// Shared setup for integration suites: a real sandbox over HTTP, a fresh database, real Redis.
import { Writable } from 'node:stream';
import { type Config, loadConfig } from '@qbo-sync/config';
import { SecretBox, tenants } from '@qbo-sync/db';
import { createLogger, type Logger } from '@qbo-sync/observability';
import { type RunningSandbox, type SandboxOptions, startSandbox } from '@qbo-sync/qbo-sandbox';
import {
  createTestDatabase,
  deleteKeysWithPrefix,
  type TestDatabase,
  testRedis,
  uniqueQueuePrefix,
} from '@qbo-sync/testkit';
import got from 'got';
import type { Redis } from 'ioredis';
import { createQboClient, type QboClient, type QboClientDeps } from '../src/client.js';
import type { TokenSet } from '../src/oauth/intuit.js';

export interface Harness {
  sandbox: RunningSandbox;
  db: TestDatabase;
  redis: Redis;
  keyPrefix: string;
  config: Config;
  secrets: SecretBox;
  logger: Logger;
  /** Everything the logger wrote, to check that no secret was logged. */
  logLines: string[];
  client(overrides?: Partial<QboClientDeps>): QboClient;
  close(): Promise<void>;
}

export function qboConfigFor(sandboxPort: number): Config {
  return loadConfig({ NODE_ENV: 'test', SANDBOX_PORT: String(sandboxPort), QBO_HTTP_TIMEOUT_MS: '5000' });
}

export async function startHarness(label: string, sandboxOptions: SandboxOptions = {}): Promise<Harness> {
  const sandbox = await startSandbox({ port: 0, ...sandboxOptions });
  const db = await createTestDatabase(label);
  const redis = testRedis();
  const keyPrefix = uniqueQueuePrefix(label);
  const config = qboConfigFor(sandbox.port);
  const secrets = new SecretBox(config.encryptionKeys);
  const logLines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  const logger = createLogger({ name: `qbo-client-${label}`, level: 'debug', destination });
  const clients: QboClient[] = [];
  return {
    sandbox,
    db,
    redis,
    keyPrefix,
    config,
    secrets,
    logger,
    logLines,
    client(overrides = {}) {
      const c = createQboClient({
        qbo: config.qbo,
        db: db.db,
        redis,
        secrets,
        logger,
        keyPrefix,
        retryMinTimeoutMs: 20,
        ...overrides,
      });
      clients.push(c);
      return c;
    },
    async close() {
      for (const c of clients) await c.close();
      await deleteKeysWithPrefix(redis, keyPrefix.slice(0, -1));
      redis.disconnect();
      await db.drop();
      await sandbox.close();
    },
  };
}

/** The sandbox's admin API over real HTTP. */
export function admin(sandbox: RunningSandbox) {
  const api = got.extend({ prefixUrl: `${sandbox.url}/__sandbox`, responseType: 'json', retry: { limit: 0 } });
  return {
    async createRealm(): Promise<string> {
      const res = await api.post('realms', { json: { seed: true } }).json<{ realmId: string }>();
      return res.realmId;
    },
    async issueTokens(realmId: string): Promise<TokenSet> {
      return api.post(`realms/${realmId}/tokens`, { json: {} }).json<TokenSet>();
    },
    async stats(realmId: string) {
      return api.get(`realms/${realmId}/stats`).json<{
        requests: number;
        maxConcurrencySeen: number;
        maxRequestsInAnyWindow: number;
        throttled429: number;
        tokenRefreshes: number;
        requestIdReplays: number;
        faultsByCode: Record<string, number>;
      }>();
    },
    async entities(realmId: string, entity: string): Promise<Record<string, unknown>[]> {
      const body = await api.get(`realms/${realmId}/entities/${entity}`).json<{ rows: Record<string, unknown>[] }>();
      return body.rows;
    },
    async fault(realmId: string, rule: Record<string, unknown>): Promise<void> {
      await api.post(`realms/${realmId}/faults`, { json: rule });
    },
    async expireAccessTokens(realmId: string): Promise<void> {
      await api.post('expire-access-tokens', { json: { realmId } });
    },
    async expireRefreshTokens(realmId: string): Promise<void> {
      await api.post('expire-refresh-tokens', { json: { realmId } });
    },
  };
}

export async function insertTenant(db: TestDatabase, id: string): Promise<void> {
  await db.db
    .insert(tenants)
    .values({ id, name: id, apiKeyHash: `hash-${id}`, apiKeyPrefix: 'qsk_test', signingSecretEnc: 'x' })
    .onConflictDoNothing();
}

/** A connected tenant: realm seeded in the sandbox, token pair issued by its admin API and saved. */
export async function connectTenant(h: Harness, client: QboClient, tenantId: string): Promise<string> {
  const a = admin(h.sandbox);
  const realmId = await a.createRealm();
  await insertTenant(h.db, tenantId);
  await client.oauth.saveGrant(tenantId, realmId, await a.issueTokens(realmId));
  return realmId;
}

/**
 * A real HTTP proxy in front of the sandbox that records what the client sent (the sandbox does not
 * report query parameters such as minorversion). It forwards everything unchanged.
 */
export async function startRecordingProxy(target: string): Promise<{
  url: string;
  seen: { method: string; url: string; authorization: string | undefined }[];
  close(): Promise<void>;
}> {
  const { createServer, request } = await import('node:http');
  const seen: { method: string; url: string; authorization: string | undefined }[] = [];
  const upstream = new URL(target);
  const server = createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization });
    const out = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    out.on('error', () => res.destroy());
    req.pipe(out);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
