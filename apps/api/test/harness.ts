import type { AddressInfo } from 'node:net';
import { type Config, loadConfig } from '@qbo-sync/config';
import { type EventType, EXAMPLE_EVENTS, EXAMPLE_TENANT_ID, JOB_NAMES } from '@qbo-sync/contracts';
import { createDb, SecretBox } from '@qbo-sync/db';
import { createTenant } from '@qbo-sync/db/repositories/tenants';
import { createLogger } from '@qbo-sync/observability';
import { createProducer, type Producer } from '@qbo-sync/producer';
import {
  createTestDatabase,
  deleteKeysWithPrefix,
  startTcpProxy,
  type TcpProxy,
  type TestDatabase,
  testRedis,
  uniqueQueuePrefix,
} from '@qbo-sync/testkit';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { buildApi, signatureHeader } from '../src/index.js';

export interface TenantCredentials {
  id: string;
  apiKey: string;
  signingSecret: string;
}

export interface Harness {
  app: FastifyInstance;
  config: Config;
  db: TestDatabase;
  redis: Redis;
  producer: Producer;
  acme: TenantCredentials;
  other: TenantCredentials;
  /** The server clock the signature window is checked against (ms); tests may move it. */
  clock: { nowMs: number };
  /** Base URL of the listening server. */
  url: string;
  /** With `{ databaseProxy: true }`: the relay between the API and PostgreSQL (`cut()` is an outage). */
  databaseProxy?: TcpProxy;
  /** A plain HTTP request against the server. */
  request(
    method: string,
    path: string,
    init?: { headers?: Record<string, string>; body?: string | Buffer },
  ): Promise<HttpResult>;
  close(): Promise<void>;
}

export const MAX_BATCH = 5;
export const BODY_LIMIT = 64 * 1024;

/** A real app over a fresh database and its own queue prefix; nothing mocked. */
export async function startHarness(
  label: string,
  env: Record<string, string> = {},
  opts: { databaseProxy?: boolean } = {},
): Promise<Harness> {
  const db = await createTestDatabase(label);
  const pg = new URL(db.url);
  const databaseProxy = opts.databaseProxy
    ? await startTcpProxy({ host: pg.hostname, port: Number(pg.port || 5432) })
    : undefined;
  // The API's own pool, through the relay when asked; the test's `db` always reaches PostgreSQL directly.
  const apiDb = databaseProxy
    ? createDb(Object.assign(new URL(db.url), { hostname: '127.0.0.1', port: String(databaseProxy.port) }).href)
    : undefined;
  const redis = testRedis();
  const prefix = uniqueQueuePrefix(label);
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    QUEUE_PREFIX: prefix,
    INGEST_MAX_BATCH: String(MAX_BATCH),
    INGEST_BODY_LIMIT_BYTES: String(BODY_LIMIT),
    INGEST_SIGNATURE_TOLERANCE_SECONDS: '300',
    ...env,
  });
  const logger = createLogger({ name: `api-test-${label}`, level: 'silent' });
  const secrets = new SecretBox(config.encryptionKeys);
  const producer = createProducer({ db: (apiDb ?? db).db, redis, queuePrefix: prefix, logger });
  const clock = { nowMs: Date.now() };
  const app = await buildApi({
    config,
    db: (apiDb ?? db).db,
    producer,
    logger,
    secrets,
    redis,
    now: () => clock.nowMs,
  });
  // Real sockets: jest's ESM loader cannot load light-my-request's ESM-only dependency, and this is closer to life.
  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const make = async (id: string) => {
    const created = await createTenant(db.db, secrets, { id, name: id });
    return { id, apiKey: created.apiKey, signingSecret: created.signingSecret };
  };
  const acme = await make(EXAMPLE_TENANT_ID);
  const other = await make('other-co');
  return {
    app,
    config,
    db,
    redis,
    producer,
    acme,
    other,
    clock,
    url,
    ...(databaseProxy ? { databaseProxy } : {}),
    async request(method, path, init = {}) {
      const body = Buffer.isBuffer(init.body) ? new Uint8Array(init.body) : init.body;
      const res = await fetch(`${url}${path}`, { method, headers: init.headers, body });
      return { statusCode: res.status, headers: res.headers, body: await res.text() };
    },
    async close() {
      await app.close();
      await producer.close();
      await apiDb?.close();
      await databaseProxy?.close();
      await deleteKeysWithPrefix(redis, prefix);
      await redis.quit();
      await db.drop();
    },
  };
}

let counter = 0;
/** An example event with a fresh id, so tests never share inbox rows. */
export function freshEvent<T extends EventType>(type: T, changes: Record<string, unknown> = {}) {
  counter += 1;
  return { ...structuredClone(EXAMPLE_EVENTS[type]), id: `evt-api-${Date.now().toString(36)}-${counter}`, ...changes };
}

export interface HttpResult {
  statusCode: number;
  headers: Headers;
  body: string;
}

export function json<T = Record<string, unknown>>(res: HttpResult): T {
  return JSON.parse(res.body) as T;
}

export interface SendOptions {
  apiKey?: string | null;
  secret?: string;
  timestamp?: string | null;
  signature?: string | null;
  contentType?: string;
}

/** POSTs a body signed the way a billing system would; options break one part of it at a time. */
export function signedPost(
  h: Harness,
  url: string,
  body: unknown,
  tenant: TenantCredentials,
  opts: SendOptions = {},
): Promise<HttpResult> {
  const raw = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  const timestamp = opts.timestamp === undefined ? String(Math.floor(h.clock.nowMs / 1000)) : opts.timestamp;
  const headers: Record<string, string> = { 'content-type': opts.contentType ?? 'application/json' };
  const apiKey = opts.apiKey === undefined ? tenant.apiKey : opts.apiKey;
  if (apiKey !== null) headers['x-api-key'] = apiKey;
  if (timestamp !== null) headers['x-qbo-sync-timestamp'] = timestamp;
  const signature =
    opts.signature === undefined
      ? signatureHeader(opts.secret ?? tenant.signingSecret, timestamp ?? '', raw)
      : opts.signature;
  if (signature !== null) headers['x-qbo-sync-signature'] = signature;
  return h.request('POST', url, { headers, body: raw });
}

export async function inboxCount(h: Harness): Promise<number> {
  const [row] = await h.db.sql<{ n: number }[]>`select count(*)::int as n from inbox_events`;
  return row?.n ?? 0;
}

export async function jobCount(h: Harness): Promise<number> {
  const counts = await Promise.all(
    JOB_NAMES.map((name) =>
      h.producer.queues[name].getJobCountByTypes('waiting', 'prioritized', 'delayed', 'active', 'completed', 'failed'),
    ),
  );
  return counts.reduce((a, b) => a + b, 0);
}
