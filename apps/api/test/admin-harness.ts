// Shared setup of the admin/support suites: a real API over HTTP, a fresh database, real Redis under its own
// prefix, optionally the QBO sandbox with a QBO client pointed at it. Nothing of ours is mocked.
import { type AddressInfo, createServer } from 'node:net';
import { type Config, loadConfig } from '@qbo-sync/config';
import { SecretBox } from '@qbo-sync/db';
import { ensureRecord, type RecordKey, type SyncRecordRow, setStatus } from '@qbo-sync/db/repositories/sync-records';
import { createLogger, type Logger } from '@qbo-sync/observability';
import { createProducer, type Producer } from '@qbo-sync/producer';
import { createQboClient, type QboClient } from '@qbo-sync/qbo-client';
import { type RunningSandbox, startSandbox } from '@qbo-sync/qbo-sandbox';
import {
  createTestDatabase,
  deleteKeysWithPrefix,
  type TestDatabase,
  testRedis,
  uniqueQueuePrefix,
} from '@qbo-sync/testkit';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { buildApi } from '../src/index.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json<T = Record<string, unknown>>(): T;
}

export interface RequestInit {
  body?: unknown;
  /** Bearer token; default the harness's admin token (when it has one); null sends none. */
  token?: string | null;
  headers?: Record<string, string>;
  redirect?: 'follow' | 'manual';
}

export interface AdminHarness {
  app: FastifyInstance;
  config: Config;
  db: TestDatabase;
  redis: Redis;
  producer: Producer;
  qbo: QboClient;
  logger: Logger;
  secrets: SecretBox;
  prefix: string;
  sandbox: RunningSandbox | undefined;
  url: string;
  request(method: string, path: string, init?: RequestInit): Promise<Answer>;
  /** A sync record parked in `status` (the worker's way of writing it). */
  parkRecord(key: RecordKey, status: string, extra?: { reasonCode?: string; eventId?: string }): Promise<SyncRecordRow>;
  close(): Promise<void>;
}

/** A port free right now, so the OAuth redirect URI can name the server before it listens. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function startAdminHarness(
  label: string,
  opts: { adminToken?: string | null; sandbox?: boolean } = {},
): Promise<AdminHarness> {
  const adminToken = opts.adminToken === undefined ? ADMIN_TOKEN : opts.adminToken;
  const sandbox = opts.sandbox ? await startSandbox({ port: 0 }) : undefined;
  const db = await createTestDatabase(label);
  const redis = testRedis();
  const prefix = uniqueQueuePrefix(label);
  const port = await freePort();
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    QUEUE_PREFIX: prefix,
    API_HOST: '127.0.0.1',
    API_PORT: String(port),
    ...(adminToken ? { ADMIN_TOKEN: adminToken } : {}),
    ...(sandbox ? { SANDBOX_PORT: String(sandbox.port) } : {}),
    QBO_HTTP_TIMEOUT_MS: '5000',
  });
  const logger = createLogger({ name: `api-test-${label}`, level: 'silent' });
  const secrets = new SecretBox(config.encryptionKeys);
  const producer = createProducer({ db: db.db, redis, queuePrefix: prefix, logger });
  const qbo = createQboClient({
    qbo: config.qbo,
    db: db.db,
    redis,
    secrets,
    logger,
    keyPrefix: prefix,
    retryMinTimeoutMs: 20,
  });
  const app = await buildApi({ config, db: db.db, producer, logger, secrets, redis, qbo });
  await app.listen({ host: '127.0.0.1', port });
  const url = `http://127.0.0.1:${port}`;

  return {
    app,
    config,
    db,
    redis,
    producer,
    qbo,
    logger,
    secrets,
    prefix,
    sandbox,
    url,
    async request(method, path, init = {}) {
      const headers: Record<string, string> = { ...init.headers };
      const token = init.token === undefined ? adminToken : init.token;
      if (token) headers['authorization'] = `Bearer ${token}`;
      let body: string | undefined;
      if (init.body !== undefined) {
        body = typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
        headers['content-type'] ??= 'application/json';
      }
      const res = await fetch(`${url}${path}`, { method, headers, body, redirect: init.redirect ?? 'manual' });
      const text = await res.text();
      return { status: res.status, headers: res.headers, text, json: <T>() => JSON.parse(text) as T };
    },
    async parkRecord(key, status, extra = {}) {
      const row = await ensureRecord(db.db, key);
      await db.sql`update sync_records set last_event_id = ${extra.eventId ?? `evt-${key.externalId}`} where id = ${row.id}`;
      const { record } = await setStatus(db.db, row.id, {
        status,
        reasonCode: extra.reasonCode ?? status.toUpperCase(),
        reason: `Parked as ${status} by the test.`,
      });
      return record;
    },
    async close() {
      await app.close();
      await qbo.close();
      await producer.close();
      await deleteKeysWithPrefix(redis, prefix);
      await redis.quit();
      await db.drop();
      await sandbox?.close();
    },
  };
}

/** Every job in every queue with its id, name and data. */
export async function queuedJobs(h: AdminHarness) {
  const lists = await Promise.all(
    Object.values(h.producer.queues).map((q) =>
      q.getJobs(['waiting', 'prioritized', 'delayed', 'active', 'completed', 'failed']),
    ),
  );
  return lists.flat();
}
