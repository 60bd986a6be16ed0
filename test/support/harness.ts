// End-to-end harness: the real sandbox over HTTP, a fresh PostgreSQL database, a Redis queue prefix of
// its own, the API listening on a real port and the worker app. Events go in the way a billing system sends
// them: signed POSTs to the ingest API. One per test file.
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildApi } from '@qbo-sync/api';
import { loadConfig } from '@qbo-sync/config';
import type { DomainEventInput, TenantSettings } from '@qbo-sync/contracts';
import { SecretBox } from '@qbo-sync/db';
import { listAttempts } from '@qbo-sync/db/repositories/attempts';
import { upsertMapping } from '@qbo-sync/db/repositories/mappings';
import { getRecord, type SyncRecordRow } from '@qbo-sync/db/repositories/sync-records';
import { createTenant } from '@qbo-sync/db/repositories/tenants';
import { createLogger, type Registry } from '@qbo-sync/observability';
import { createProducer, type Producer, pacingOfBudget } from '@qbo-sync/producer';
import { createQboClient, createQboMetrics, type QboClient, TokenSet } from '@qbo-sync/qbo-client';
import { type RunningSandbox, type SandboxOptions, type SeededIds, startSandbox } from '@qbo-sync/qbo-sandbox';
import type { CallbackUrlPolicy } from '@qbo-sync/security';
import {
  createTestDatabase,
  deleteKeysWithPrefix,
  TEST_REDIS_URL,
  type TestDatabase,
  uniqueQueuePrefix,
  waitFor,
} from '@qbo-sync/testkit';
import { createWorkerApp, createWorkerMetrics, type WorkerApp } from '@qbo-sync/worker';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { type CountedClients, countedClients } from './round-trips.js';

export interface CallbackHit {
  headers: IncomingHttpHeaders;
  body: string;
  json: Record<string, unknown>;
}

/** A tenant's endpoint for signed callbacks; answers `failFirst` requests with 500 before accepting. */
export async function startCallbackReceiver(failFirst = 0) {
  const hits: CallbackHit[] = [];
  let failures = failFirst;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString('utf8');
    });
    req.on('end', () => {
      if (failures > 0) {
        failures--;
        res.writeHead(500).end('down');
        return;
      }
      hits.push({ headers: req.headers, body, json: JSON.parse(body) as Record<string, unknown> });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/qbo-sync`,
    hits,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/**
 * A tenant endpoint the test steers: `holding` keeps requests unanswered until `release()`; request numbers
 * in `failRequests` (1-based) are answered 500. `hits` are the requests answered 2xx.
 */
export async function startControlledEndpoint() {
  const hits: CallbackHit[] = [];
  const held: (() => void)[] = [];
  const failRequests = new Set<number>();
  let seen = 0;
  const state = { holding: false };
  const answer = (res: ServerResponse, hit: CallbackHit, n: number) => {
    if (failRequests.has(n)) {
      res.writeHead(500).end('down');
      return;
    }
    hits.push(hit);
    res.writeHead(204).end();
  };
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString('utf8');
    });
    req.on('end', () => {
      const n = ++seen;
      const hit = { headers: req.headers, body, json: JSON.parse(body) as Record<string, unknown> };
      if (state.holding) held.push(() => answer(res, hit, n));
      else answer(res, hit, n);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/qbo-sync`,
    hits,
    held,
    failRequests,
    get holding() {
      return state.holding;
    },
    set holding(v: boolean) {
      state.holding = v;
    },
    release() {
      state.holding = false;
      for (const go of held.splice(0)) go();
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export interface Tenant {
  id: string;
  realmId: string;
  seeded: SeededIds;
  apiKey: string;
  signingSecret: string;
}

/** What the harness needs of a sandbox: in this process (startSandbox) or its own (benchmarks). */
export type SandboxEndpoint = Pick<RunningSandbox, 'url' | 'port' | 'close'>;

export interface Harness {
  sandbox: SandboxEndpoint;
  db: TestDatabase;
  redis: Redis;
  producer: Producer;
  qbo: QboClient;
  app: WorkerApp;
  api: FastifyInstance;
  apiUrl: string;
  prefix: string;
  secrets: SecretBox;
  /** Where the harness lets callbacks go: the local receivers on 127.0.0.1 (CALLBACK_ALLOWED_HOSTS). */
  callbackPolicy: CallbackUrlPolicy;
  /** A tenant connected to a fresh seeded sandbox company, with the usual mappings unless told otherwise. */
  tenant(
    settings?: Partial<TenantSettings>,
    opts?: { mappings?: boolean; id?: string; country?: 'US' | 'CA' | 'GB' | 'AU' },
  ): Promise<Tenant>;
  map(tenantId: string, kind: string, externalKey: string, qboId: string): Promise<void>;
  /** POSTs a JSON body to the API signed as the tenant, as a billing system does. */
  post(tenantId: string, path: string, body: unknown): Promise<Response>;
  /** Sends one event through POST /v1/events; throws unless it is accepted or a duplicate. */
  publish(event: DomainEventInput): Promise<void>;
  record(tenantId: string, entityType: string, externalId: string): Promise<SyncRecordRow | undefined>;
  /** Waits until the record reaches `status` (and nothing is left running for it). */
  waitStatus(
    tenantId: string,
    entityType: string,
    externalId: string,
    status: string,
    timeoutMs?: number,
  ): Promise<SyncRecordRow>;
  entities(realmId: string, entity: string): Promise<Record<string, unknown>[]>;
  admin(path: string, body?: unknown, method?: string): Promise<unknown>;
  attempts(recordId: number): ReturnType<typeof listAttempts>;
  /** With `countRoundTrips`: the worker's (and its QBO client's) PostgreSQL statements and Redis commands. */
  roundTrips: CountedClients | undefined;
  close(): Promise<void>;
}

let tenantSeq = 0;

export interface HarnessOptions {
  sweepIntervalMs?: number;
  sandbox?: SandboxOptions;
  /** A sandbox already running elsewhere (its own process) instead of one started here. */
  externalSandbox?: SandboxEndpoint;
  /** Extra environment for loadConfig (e.g. the per-realm budget). */
  env?: Record<string, string>;
  workerConcurrency?: number;
  /** Start the worker now (default) or later with `h.app.start()`, e.g. to time ingest alone. */
  startWorker?: boolean;
  /** qbo-client per-realm budget overrides (a scaled-down minute). */
  qboLimits?: NonNullable<Parameters<typeof createQboClient>[0]['limits']>;
  /** A registry to record the worker's and the QBO client's metrics on, as the worker process does. */
  metrics?: Registry;
  /** A Redis or PostgreSQL server of the test's own (one it may kill) instead of the shared ones. */
  redisUrl?: string;
  pgBaseUrl?: string;
  /** Producer override of INBOX_REQUEUE_AFTER_MS (how soon a job Redis lost is queued again). */
  requeueAfterMs?: number;
  /**
   * Give the worker and the QBO client a PostgreSQL pool and a Redis client of their own that count every
   * statement and command (`h.roundTrips`); the API and the test's reads stay uncounted.
   */
  countRoundTrips?: boolean;
}

export async function startHarness(label: string, opts: HarnessOptions = {}): Promise<Harness> {
  const sandbox: SandboxEndpoint = opts.externalSandbox ?? (await startSandbox(opts.sandbox));
  const db = await createTestDatabase(label, opts.pgBaseUrl);
  const redisUrl = opts.redisUrl ?? TEST_REDIS_URL;
  const prefix = uniqueQueuePrefix(label);
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: db.url,
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: prefix,
    SANDBOX_PORT: String(sandbox.port),
    WORKER_CONCURRENCY: '5',
    // The callback receivers listen on 127.0.0.1, which the callback URL policy refuses unless allowed.
    CALLBACK_ALLOWED_HOSTS: '127.0.0.1',
    ...opts.env,
  });
  const logger = createLogger({ name: `test-${label}`, level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const secrets = new SecretBox(config.encryptionKeys);
  const requeue = opts.requeueAfterMs !== undefined ? { requeueAfterMs: opts.requeueAfterMs } : {};
  // Release pacing as the processes configure it, under the budget the worker's QBO client enforces.
  const limits = opts.qboLimits;
  const burst = limits?.burst;
  const pacing = pacingOfBudget(
    {
      perWindow: limits?.perWindow ?? config.qbo.rateLimit.perWindow,
      windowMs: limits?.windowMs ?? config.qbo.rateLimit.windowMs,
      burstPerSecond: burst === null ? 0 : (burst?.perWindow ?? config.qbo.rateLimit.burstPerSecond),
    },
    config.qbo.releasePacing,
  );
  if (pacing && burst) pacing.burstWindowMs = burst.windowMs;
  const producer = createProducer({ db: db.db, redis, queuePrefix: prefix, logger, pacing, ...requeue });
  const counted = opts.countRoundTrips ? countedClients(db.url, redisUrl) : undefined;
  const workerDb = counted?.db.db ?? db.db;
  const workerRedis = counted?.redis ?? redis;
  const workerProducer = counted
    ? createProducer({ db: workerDb, redis: workerRedis, queuePrefix: prefix, logger, pacing, ...requeue })
    : producer;
  const qbo = createQboClient({
    qbo: config.qbo,
    db: workerDb,
    redis: workerRedis,
    secrets,
    logger,
    keyPrefix: prefix,
    retryMinTimeoutMs: 20,
    ...(opts.qboLimits ? { limits: opts.qboLimits } : {}),
    ...(opts.metrics ? { metrics: createQboMetrics(opts.metrics) } : {}),
  });
  const app = createWorkerApp({
    config,
    db: workerDb,
    redis: workerRedis,
    qbo,
    producer: workerProducer,
    logger,
    concurrency: opts.workerConcurrency ?? 5,
    sweepIntervalMs: opts.sweepIntervalMs ?? 250,
    ...(opts.metrics ? { metrics: createWorkerMetrics(opts.metrics) } : {}),
  });
  if (opts.startWorker !== false) app.start();
  const api = await buildApi({ config, db: db.db, producer, logger, secrets, redis, qbo });
  const apiUrl = await api.listen({ host: '127.0.0.1', port: 0 });
  const credentials = new Map<string, { apiKey: string; signingSecret: string }>();

  const admin = async (path: string, body?: unknown, method = body === undefined ? 'GET' : 'POST') => {
    const res = await fetch(`${sandbox.url}/__sandbox${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!res.ok) throw new Error(`sandbox admin ${method} ${path}: ${res.status} ${await res.text()}`);
    return res.json() as Promise<unknown>;
  };

  const h: Harness = {
    sandbox,
    db,
    redis,
    producer,
    qbo,
    app,
    api,
    apiUrl,
    prefix,
    secrets,
    callbackPolicy: config.callbacks,
    async tenant(settings = {}, o = {}) {
      const id = o.id ?? `${label.replace(/[^a-z0-9]/g, '')}-t${++tenantSeq}`;
      const realm = (await admin('/realms', { seed: true, ...(o.country ? { country: o.country } : {}) })) as {
        realmId: string;
        seeded: SeededIds;
      };
      const created = await createTenant(db.db, secrets, { id, name: `Tenant ${id}`, settings });
      const tokens = await admin(`/realms/${realm.realmId}/tokens`, {});
      await qbo.oauth.saveGrant(id, realm.realmId, TokenSet.parse(tokens));
      const s = realm.seeded;
      if (o.mappings !== false) {
        await h.map(id, 'item', 'ITM-LABOR', s.items.movingLabor);
        await h.map(id, 'item', 'ITM-PACK', s.items.packingMaterials);
        await h.map(id, 'item', 'sales_tax', s.items.consultation);
        await h.map(id, 'payment_method', 'card', s.paymentMethods.creditCard);
        await h.map(id, 'payment_method', 'check', s.paymentMethods.check);
        await h.map(id, 'deposit_account', 'USD', s.accounts.checking);
        await h.map(id, 'account', 'accounts_receivable', s.accounts.accountsReceivable);
        await h.map(id, 'account', 'refund_bank', s.accounts.checking);
      }
      credentials.set(id, { apiKey: created.apiKey, signingSecret: created.signingSecret });
      return {
        id,
        realmId: realm.realmId,
        seeded: s,
        apiKey: created.apiKey,
        signingSecret: created.signingSecret,
      };
    },
    async map(tenantId, kind, externalKey, qboId) {
      await upsertMapping(db.db, { tenantId, kind, externalKey, qboId });
    },
    post(tenantId, path, body) {
      const c = credentials.get(tenantId);
      if (!c) throw new Error(`no credentials for tenant ${tenantId}: create it with h.tenant()`);
      const raw = JSON.stringify(body);
      const ts = String(Math.floor(Date.now() / 1000));
      const sig = createHmac('sha256', c.signingSecret).update(`${ts}.${raw}`).digest('hex');
      return fetch(`${apiUrl}${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-api-key': c.apiKey,
          'x-qbo-sync-timestamp': ts,
          'x-qbo-sync-signature': `v1=${sig}`,
        },
        body: raw,
      });
    },
    async publish(event) {
      const res = await h.post(event.tenantId, '/v1/events', event);
      if (res.status !== 202 && res.status !== 200)
        throw new Error(`event rejected: ${res.status} ${await res.text()}`);
    },
    record: (tenantId, entityType, externalId) => getRecord(db.db, { tenantId, entityType, externalId }),
    async waitStatus(tenantId, entityType, externalId, status, timeoutMs = 15_000) {
      try {
        return await waitFor(
          async () => {
            const r = await getRecord(db.db, { tenantId, entityType, externalId });
            return r?.status === status ? r : undefined;
          },
          { timeoutMs, what: `${entityType} ${externalId} to be ${status}` },
        );
      } catch (err) {
        // Say where the record stands, so a timeout in CI can be diagnosed from its message alone.
        const r = await getRecord(db.db, { tenantId, entityType, externalId });
        const seen = r
          ? `record ${r.id}: ${r.status} (${r.reasonCode ?? 'no reason code'}) ${r.reason ?? ''}; attempts: ${JSON.stringify(
              (await listAttempts(db.db, r.id)).map((a) => [a.outcome, a.faultCode]),
            )}`
          : 'no record';
        throw new Error(`${(err as Error).message}; ${seen}`);
      }
    },
    async entities(realmId, entity) {
      const r = (await admin(`/realms/${realmId}/entities/${entity}`)) as { rows: Record<string, unknown>[] };
      return r.rows;
    },
    admin,
    attempts: (recordId) => listAttempts(db.db, recordId),
    roundTrips: counted,
    async close() {
      await api.close();
      await app.close();
      await producer.close();
      if (workerProducer !== producer) await workerProducer.close();
      await qbo.close();
      await counted?.close();
      await deleteKeysWithPrefix(redis, prefix);
      await redis.quit();
      await sandbox.close();
      await db.drop();
    },
  };
  return h;
}

// ---- event builders -------------------------------------------------------------------------------

let eventSeq = 0;
const at = (offsetMs = 0) => new Date(Date.UTC(2026, 2, 1) + offsetMs + eventSeq * 1000).toISOString();

export function customer(id = 'C-1', over: Record<string, unknown> = {}) {
  return { id, firstName: 'John', lastName: 'Brown', email: `john.brown.${id.toLowerCase()}@example.com`, ...over };
}

export function invoiceData(over: Record<string, unknown> = {}) {
  return {
    id: 'INV-1',
    number: 'INV-1001',
    status: 'sent',
    issueDate: '2026-03-01',
    dueDate: '2026-03-31',
    currency: 'USD',
    customer: customer(),
    lines: [
      { id: 'L1', itemId: 'ITM-LABOR', description: 'Moving labor', quantity: '3', unitPrice: '120', amount: '360.00' },
      {
        id: 'L2',
        itemId: 'ITM-PACK',
        description: 'Packing materials',
        quantity: '4',
        unitPrice: '2.5',
        amount: '10.00',
      },
    ],
    totals: { subtotal: '370.00', tax: '0.00', total: '370.00' },
    ...over,
  };
}

export function paymentData(over: Record<string, unknown> = {}) {
  return {
    id: 'PAY-1',
    invoiceId: 'INV-1',
    customer: customer(),
    amount: '370.00',
    currency: 'USD',
    receivedOn: '2026-03-05',
    method: 'card',
    reference: 'ch_0001',
    ...over,
  };
}

export function refundData(over: Record<string, unknown> = {}) {
  return {
    id: 'REF-1',
    paymentId: 'PAY-1',
    customer: customer(),
    amount: '50.00',
    currency: 'USD',
    issuedOn: '2026-03-09',
    ...over,
  };
}

/** An event envelope; `offsetMs` moves occurredAt (later events win). */
export function event(tenantId: string, type: string, data: unknown, offsetMs = 0): DomainEventInput {
  eventSeq++;
  return {
    id: `evt-${eventSeq}-${Math.random().toString(36).slice(2, 8)}`,
    type,
    version: 1,
    tenantId,
    occurredAt: at(offsetMs),
    data,
  } as DomainEventInput;
}
