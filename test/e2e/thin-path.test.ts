// The thin path through every layer, as a billing system uses it: a signed POST /v1/events over real
// HTTP -> inbox row -> BullMQ job -> worker -> customer + invoice in the (local) QBO company -> sync
// record `synced` with the QBO id and link, readable through GET /v1/sync-status. No component mocked.
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { buildApi } from '@qbo-sync/api';
import { loadConfig } from '@qbo-sync/config';
import { SecretBox } from '@qbo-sync/db';
import { upsertMapping } from '@qbo-sync/db/repositories/mappings';
import { createTenant } from '@qbo-sync/db/repositories/tenants';
import { createLogger } from '@qbo-sync/observability';
import { createProducer, type Producer } from '@qbo-sync/producer';
import { createQboClient, type QboClient, TokenSet } from '@qbo-sync/qbo-client';
import { type RunningSandbox, type SeededIds, startSandbox } from '@qbo-sync/qbo-sandbox';
import {
  createTestDatabase,
  deleteKeysWithPrefix,
  TEST_REDIS_URL,
  type TestDatabase,
  uniqueQueuePrefix,
  waitFor,
} from '@qbo-sync/testkit';
import { createWorkerApp, type WorkerApp } from '@qbo-sync/worker';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';

describe('thin path: POST /v1/events -> QBO invoice -> synced', () => {
  let sandbox: RunningSandbox;
  let db: TestDatabase;
  let redis: Redis;
  let producer: Producer;
  let qbo: QboClient;
  let worker: WorkerApp;
  let api: FastifyInstance;
  let apiUrl: string;
  let prefix: string;
  let apiKey: string;
  let signingSecret: string;
  let realmId: string;
  let seeded: SeededIds;

  beforeAll(async () => {
    sandbox = await startSandbox();
    db = await createTestDatabase('e2e');
    prefix = uniqueQueuePrefix('e2e');
    const config = loadConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATABASE_URL: db.url,
      REDIS_URL: TEST_REDIS_URL,
      QUEUE_PREFIX: prefix,
      SANDBOX_PORT: String(sandbox.port),
    });
    const logger = createLogger({ name: 'e2e', level: 'silent' });
    redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
    const secrets = new SecretBox(config.encryptionKeys);
    producer = createProducer({ db: db.db, redis, queuePrefix: prefix, logger });
    qbo = createQboClient({ qbo: config.qbo, db: db.db, redis, secrets, logger, keyPrefix: prefix });
    worker = createWorkerApp({ config, db: db.db, redis, qbo, producer, logger, concurrency: 5 });
    worker.start();
    api = await buildApi({ config, db: db.db, producer, logger, secrets, redis, qbo });
    apiUrl = await api.listen({ host: '127.0.0.1', port: 0 });

    // A tenant connected to a fresh, seeded sandbox company, with its billing items mapped.
    const realm = (await (
      await fetch(`${sandbox.url}/__sandbox/realms`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ seed: true }),
      })
    ).json()) as { realmId: string; seeded: SeededIds };
    realmId = realm.realmId;
    seeded = realm.seeded;
    const created = await createTenant(db.db, secrets, { id: 'acme-movers', name: 'Acme Movers', settings: {} });
    apiKey = created.apiKey;
    signingSecret = created.signingSecret;
    const tokens = await (await fetch(`${sandbox.url}/__sandbox/realms/${realmId}/tokens`, { method: 'POST' })).json();
    await qbo.oauth.saveGrant('acme-movers', realmId, TokenSet.parse(tokens));
    await upsertMapping(db.db, {
      tenantId: 'acme-movers',
      kind: 'item',
      externalKey: 'moving-labor',
      qboId: seeded.items.movingLabor,
    });
    await upsertMapping(db.db, {
      tenantId: 'acme-movers',
      kind: 'item',
      externalKey: 'packing-materials',
      qboId: seeded.items.packingMaterials,
    });
  });

  afterAll(async () => {
    await api?.close();
    await worker?.close();
    await producer?.close();
    await qbo?.close();
    if (redis) {
      await deleteKeysWithPrefix(redis, prefix);
      await redis.quit();
    }
    await sandbox?.close();
    await db?.drop();
  });

  function signedPost(path: string, event: unknown) {
    const body = JSON.stringify(event);
    const ts = String(Math.floor(Date.now() / 1000));
    const sig = createHmac('sha256', signingSecret).update(`${ts}.${body}`).digest('hex');
    return fetch(`${apiUrl}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-api-key': apiKey,
        'x-qbo-sync-timestamp': ts,
        'x-qbo-sync-signature': `v1=${sig}`,
      },
      body,
    });
  }

  const event = {
    id: 'evt-inv-1001-sent',
    type: 'invoice.sent',
    version: 1,
    tenantId: 'acme-movers',
    occurredAt: '2026-11-21T10:00:00Z',
    data: {
      id: 'INV-1001',
      number: '1001',
      status: 'sent',
      issueDate: '2026-11-21',
      dueDate: '2026-12-21',
      currency: 'USD',
      customer: { id: 'C-42', firstName: 'Ada', lastName: "O'Brien", email: 'ada.obrien@example.com' },
      lines: [
        {
          id: 'L1',
          itemId: 'moving-labor',
          description: 'Crew of 3, 3 hours',
          quantity: '3',
          unitPrice: '95.00',
          amount: '285.00',
        },
        { id: 'L2', itemId: 'packing-materials', quantity: '12', unitPrice: '2.49', amount: '29.88' },
      ],
      totals: { subtotal: '314.88', tax: '0.00', total: '314.88' },
      memo: 'Move from Elm St to Oak Ave',
    },
  };

  it('syncs the invoice and its customer into QBO and reports synced with the QBO id and link', async () => {
    const res = await signedPost('/v1/events', event);
    expect(res.status).toBe(202);
    const accepted = (await res.json()) as { status: string; jobId?: string };
    expect(accepted.status).toBe('accepted');

    const status = await waitFor(
      async () => {
        const r = await fetch(`${apiUrl}/v1/sync-status/invoice/INV-1001`, { headers: { 'x-api-key': apiKey } });
        if (r.status !== 200) return undefined;
        const body = (await r.json()) as { status: string; qboId?: string; qboUrl?: string; docNumber?: string };
        return body.status === 'synced' ? body : undefined;
      },
      { timeoutMs: 20_000, what: 'invoice INV-1001 to be synced' },
    );

    const admin = async (entity: string) =>
      (
        (await (await fetch(`${sandbox.url}/__sandbox/realms/${realmId}/entities/${entity}`)).json()) as {
          rows: Record<string, unknown>[];
        }
      ).rows;
    const invoices = await admin('Invoice');
    expect(invoices).toHaveLength(1);
    const invoice = invoices[0] as { Id: string; DocNumber: string; TotalAmt: number; CustomerRef: { value: string } };
    expect(status.qboId).toBe(invoice.Id);
    expect(status.docNumber).toBe('1001');
    expect(invoice.DocNumber).toBe('1001');
    expect(invoice.TotalAmt).toBe(314.88);
    expect(status.qboUrl).toContain(`txnId=${invoice.Id}`);

    const customers = (await admin('Customer')).filter((c) => c.DisplayName === "Ada O'Brien");
    expect(customers).toHaveLength(1);
    expect((customers[0] as { Id: string }).Id).toBe(invoice.CustomerRef.value);

    // The inbox kept the event once, and it was enqueued.
    const inbox = await db.sql<
      { enqueued_at: Date | null }[]
    >`select enqueued_at from inbox_events where tenant_id = 'acme-movers'`;
    expect(inbox).toHaveLength(1);
    expect(inbox[0]?.enqueued_at).not.toBeNull();
  });

  it('acknowledges a repeat delivery as a duplicate and creates nothing more in QBO', async () => {
    const res = await signedPost('/v1/events', event);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { status: string }).status).toBe('duplicate');
    const stats = (await (await fetch(`${sandbox.url}/__sandbox/realms/${realmId}/entities/Invoice`)).json()) as {
      rows: unknown[];
    };
    expect(stats.rows).toHaveLength(1);
  });
});
