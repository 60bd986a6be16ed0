// The whole system in one process for end-to-end tests and benchmarks: the local QBO sandbox, a fresh
// PostgreSQL database, a queue prefix of its own in Redis, the API listening on a real port and the worker.
import { createHmac } from 'node:crypto';
import { buildApi } from '@qbo-sync/api';
import { loadConfig } from '@qbo-sync/config';
import { SecretBox } from '@qbo-sync/db';
import { upsertMapping } from '@qbo-sync/db/repositories/mappings';
import { createTenant } from '@qbo-sync/db/repositories/tenants';
import { createLogger } from '@qbo-sync/observability';
import { createProducer, type Producer } from '@qbo-sync/producer';
import { createQboClient, type QboClient, TokenSet } from '@qbo-sync/qbo-client';
import { type RunningSandbox, type SandboxOptions, type SeededIds, startSandbox } from '@qbo-sync/qbo-sandbox';
import {
  createTestDatabase,
  deleteKeysWithPrefix,
  TEST_REDIS_URL,
  type TestDatabase,
  uniqueQueuePrefix,
} from '@qbo-sync/testkit';
import { createWorkerApp, type WorkerApp } from '@qbo-sync/worker';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';

export interface StackTenant {
  id: string;
  realmId: string;
  seeded: SeededIds;
  apiKey: string;
  signingSecret: string;
}

export interface Stack {
  sandbox: RunningSandbox;
  db: TestDatabase;
  redis: Redis;
  producer: Producer;
  qbo: QboClient;
  worker: WorkerApp;
  api: FastifyInstance;
  apiUrl: string;
  /** A tenant connected to a fresh seeded sandbox company, with the demo billing keys mapped. */
  tenant(id: string): Promise<StackTenant>;
  /** POST a JSON body to the API signed as the tenant (what a billing system does). */
  post(tenant: StackTenant, path: string, body: unknown): Promise<Response>;
  sandboxAdmin<T>(path: string, body?: unknown): Promise<T>;
  close(): Promise<void>;
}

export interface StackOptions {
  label: string;
  sandbox?: SandboxOptions;
  /** Extra environment for loadConfig (e.g. QBO_RATE_LIMIT_PER_WINDOW). */
  env?: Record<string, string>;
  workerConcurrency?: number;
  /** Start the worker now (default) or later with `stack.worker.start()`, e.g. to time ingest alone. */
  startWorker?: boolean;
}

export async function startStack(opts: StackOptions): Promise<Stack> {
  const sandbox = await startSandbox(opts.sandbox);
  const db = await createTestDatabase(opts.label);
  const prefix = uniqueQueuePrefix(opts.label);
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: db.url,
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: prefix,
    SANDBOX_PORT: String(sandbox.port),
    ...opts.env,
  });
  const logger = createLogger({ name: opts.label, level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  const secrets = new SecretBox(config.encryptionKeys);
  const producer = createProducer({ db: db.db, redis, queuePrefix: prefix, logger });
  const qbo = createQboClient({ qbo: config.qbo, db: db.db, redis, secrets, logger, keyPrefix: prefix });
  const worker = createWorkerApp({
    config,
    db: db.db,
    redis,
    qbo,
    producer,
    logger,
    concurrency: opts.workerConcurrency ?? 5,
  });
  if (opts.startWorker !== false) worker.start();
  const api = await buildApi({ config, db: db.db, producer, logger, secrets, redis, qbo });
  const apiUrl = await api.listen({ host: '127.0.0.1', port: 0 });

  async function sandboxAdmin<T>(path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${sandbox.url}/__sandbox${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    if (!res.ok) throw new Error(`sandbox ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }

  return {
    sandbox,
    db,
    redis,
    producer,
    qbo,
    worker,
    api,
    apiUrl,
    sandboxAdmin,
    async tenant(id) {
      const realm = await sandboxAdmin<{ realmId: string; seeded: SeededIds }>('/realms', { seed: true });
      const created = await createTenant(db.db, secrets, { id, name: `Tenant ${id}`, settings: {} });
      const tokens = await sandboxAdmin<unknown>(`/realms/${realm.realmId}/tokens`, {});
      await qbo.oauth.saveGrant(id, realm.realmId, TokenSet.parse(tokens));
      const s = realm.seeded;
      const maps: [string, string, string][] = [
        ['item', 'moving-labor', s.items.movingLabor],
        ['item', 'packing-materials', s.items.packingMaterials],
        ['item', 'storage', s.items.storage],
        ['payment_method', 'card', s.paymentMethods.creditCard],
        ['deposit_account', 'USD', s.accounts.undepositedFunds],
        ['account', 'accounts_receivable', s.accounts.accountsReceivable],
        ['account', 'refund_bank', s.accounts.checking],
      ];
      for (const [kind, externalKey, qboId] of maps)
        await upsertMapping(db.db, { tenantId: id, kind, externalKey, qboId });
      return { id, realmId: realm.realmId, seeded: s, apiKey: created.apiKey, signingSecret: created.signingSecret };
    },
    post(tenant, path, body) {
      const raw = JSON.stringify(body);
      const ts = String(Math.floor(Date.now() / 1000));
      const sig = createHmac('sha256', tenant.signingSecret).update(`${ts}.${raw}`).digest('hex');
      return fetch(`${apiUrl}${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-api-key': tenant.apiKey,
          'x-qbo-sync-timestamp': ts,
          'x-qbo-sync-signature': `v1=${sig}`,
        },
        body: raw,
      });
    },
    async close() {
      await api.close();
      await worker.close();
      await producer.close();
      await qbo.close();
      await deleteKeysWithPrefix(redis, prefix);
      await redis.quit();
      await sandbox.close();
      await db.drop();
    },
  };
}

let seq = 0;
/** A sent invoice event with two mapped lines; `n` makes ids unique. */
export function invoiceSentEvent(tenantId: string, n: number, source: 'live' | 'backfill' = 'live') {
  seq++;
  return {
    id: `evt-${tenantId}-inv-${n}-${seq}`,
    type: 'invoice.sent' as const,
    version: 1 as const,
    tenantId,
    occurredAt: new Date(Date.UTC(2026, 10, 1) + n * 1000).toISOString(),
    source,
    data: {
      id: `INV-${n}`,
      number: `${1000 + n}`,
      status: 'sent' as const,
      issueDate: '2026-11-01',
      currency: 'USD',
      customer: {
        id: `C-${n % 50}`,
        firstName: 'Pat',
        lastName: `Customer${n % 50}`,
        email: `pat${n % 50}@example.com`,
      },
      lines: [
        { id: 'L1', itemId: 'moving-labor', quantity: '3', unitPrice: '95.00', amount: '285.00' },
        { id: 'L2', itemId: 'packing-materials', quantity: '12', unitPrice: '2.49', amount: '29.88' },
      ],
      totals: { subtotal: '314.88', tax: '0.00', total: '314.88' },
    },
  };
}
