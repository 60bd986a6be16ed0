import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { eq } from 'drizzle-orm';
import postgres from 'postgres';
import { createDb, type DbHandle, prepareDatabase, SecretBox, tenants } from '../src/index.js';
import {
  countInbox,
  findUnenqueued,
  getInboxEvent,
  inboxKey,
  insertInboxEvents,
  latestEventForEntity,
  markEnqueued,
  type NewInboxRow,
} from '../src/repositories/inbox.js';
import { getSyncStatus } from '../src/repositories/sync-records-read.js';
import {
  createTenant,
  findTenantByApiKey,
  getTenantSigningSecret,
  rotateApiKey,
  rotateSigningSecret,
  TenantExistsError,
  TenantNotFoundError,
  updateTenantSettings,
} from '../src/repositories/tenants.js';
import { syncRecords } from '../src/schema.js';

// testkit depends on this package, so this suite makes its own throwaway database.
const base = process.env.TEST_DATABASE_BASE_URL ?? 'postgres://postgres@127.0.0.1:5432';
const secrets = new SecretBox([{ id: 'k1', key: randomBytes(32) }]);

function row(tenantId: string, eventId: string, entityId = 'inv-1'): NewInboxRow {
  return {
    tenantId,
    eventId,
    type: 'invoice.sent',
    version: 1,
    source: 'live',
    occurredAt: new Date('2026-03-02T15:04:05Z'),
    entityId,
    jobName: 'invoice.sync',
    jobId: `invoice.sync|${tenantId}|${entityId}|${eventId}`,
    payload: { id: eventId },
  };
}

describe('ingest repositories', () => {
  const name = `qbo_sync_dbrepo_${randomBytes(4).toString('hex')}`;
  const url = `${base}/${name}`;
  let t: DbHandle;
  beforeAll(async () => {
    await prepareDatabase(url);
    t = createDb(url);
  });
  afterAll(async () => {
    await t.close();
    const admin = postgres(`${base}/postgres`, { max: 1, onnotice: () => {} });
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
    await admin.end();
  });

  describe('tenants', () => {
    it('stores only a hash of the API key and the signing secret encrypted', async () => {
      const created = await createTenant(t.db, secrets, { id: 'acme', name: 'Acme', settings: { autoSync: true } });
      expect(created.apiKey).toMatch(/^qsk_[\w-]{43}$/);
      expect(created.tenant).not.toHaveProperty('apiKeyHash');
      const [stored] = await t.db.select().from(tenants);
      expect(stored?.apiKeyHash).not.toContain(created.apiKey);
      expect(stored?.apiKeyPrefix).toBe(created.apiKey.slice(0, 12));
      expect(stored?.signingSecretEnc).not.toContain(created.signingSecret);
      expect(await getTenantSigningSecret(t.db, secrets, 'acme')).toBe(created.signingSecret);
      expect(await getTenantSigningSecret(t.db, secrets, 'nobody')).toBeUndefined();
      await expect(createTenant(t.db, secrets, { id: 'acme', name: 'Again' })).rejects.toBeInstanceOf(
        TenantExistsError,
      );
    });

    it('finds a tenant by its key only, and a rotated key replaces the old one', async () => {
      const { apiKey } = await createTenant(t.db, secrets, { id: 'beta', name: 'Beta' });
      expect((await findTenantByApiKey(t.db, apiKey))?.id).toBe('beta');
      expect(await findTenantByApiKey(t.db, `${apiKey}x`)).toBeUndefined();
      expect(await findTenantByApiKey(t.db, '')).toBeUndefined();
      const rotated = await rotateApiKey(t.db, 'beta');
      expect(await findTenantByApiKey(t.db, apiKey)).toBeUndefined();
      expect((await findTenantByApiKey(t.db, rotated.apiKey))?.id).toBe('beta');
      await expect(rotateApiKey(t.db, 'nobody')).rejects.toBeInstanceOf(TenantNotFoundError);
      const secret = await rotateSigningSecret(t.db, secrets, 'beta');
      expect(await getTenantSigningSecret(t.db, secrets, 'beta')).toBe(secret);
    });

    it('merges settings', async () => {
      await createTenant(t.db, secrets, {
        id: 'gamma',
        name: 'Gamma',
        settings: { autoSync: true, customerMatch: 'email' },
      });
      const updated = await updateTenantSettings(t.db, 'gamma', { autoSync: false });
      expect(updated.settings).toEqual({ autoSync: false, customerMatch: 'email' });
      await expect(updateTenantSettings(t.db, 'nobody', {})).rejects.toBeInstanceOf(TenantNotFoundError);
    });

    it('a first callback URL announces from then on: versions written before it are not sent', async () => {
      await createTenant(t.db, secrets, { id: 'delta', name: 'Delta' });
      const [rec] = await t.db
        .insert(syncRecords)
        .values({ tenantId: 'delta', entityType: 'invoice', externalId: 'I-1', status: 'synced', statusVersion: 3 })
        .returning();
      await updateTenantSettings(t.db, 'delta', { callbackUrl: 'https://billing.example/a' });
      const read = async () =>
        (
          await t.db
            .select()
            .from(syncRecords)
            .where(eq(syncRecords.id, rec?.id ?? 0))
        )[0]?.callbackVersion;
      expect(await read()).toBe(3);
      // A later change, then a new URL: the pending version stays pending (it goes to the new URL).
      await t.db
        .update(syncRecords)
        .set({ statusVersion: 4 })
        .where(eq(syncRecords.id, rec?.id ?? 0));
      await updateTenantSettings(t.db, 'delta', { callbackUrl: 'https://billing.example/b' });
      expect(await read()).toBe(3);
    });
  });

  describe('inbox', () => {
    it('inserts each (tenant, event) once, even when racing', async () => {
      const results = await Promise.all(
        Array.from({ length: 10 }, () => insertInboxEvents(t.db, [row('acme', 'e-race')])),
      );
      expect(results.filter((r) => r.has(inboxKey({ tenantId: 'acme', eventId: 'e-race' })))).toHaveLength(1);
      // Same event id under another tenant is a different event.
      const other = await insertInboxEvents(t.db, [row('beta', 'e-race'), row('acme', 'e-race')]);
      expect([...other]).toEqual([inboxKey({ tenantId: 'beta', eventId: 'e-race' })]);
    });

    it('finds unenqueued rows older than a threshold until they are marked', async () => {
      await insertInboxEvents(t.db, [row('acme', 'e-sweep-1'), row('acme', 'e-sweep-2')]);
      expect(await findUnenqueued(t.db, { olderThanMs: 60_000, limit: 10 })).toEqual([]);
      const due = await findUnenqueued(t.db, { olderThanMs: 0, limit: 100 });
      expect(due.map((r) => r.eventId)).toEqual(expect.arrayContaining(['e-sweep-1', 'e-sweep-2']));
      const at = new Date('2026-01-01T00:00:00Z');
      await markEnqueued(t.db, [{ tenantId: 'acme', eventId: 'e-sweep-1' }], at);
      await markEnqueued(t.db, [{ tenantId: 'acme', eventId: 'e-sweep-1' }], new Date());
      expect((await getInboxEvent(t.db, 'acme', 'e-sweep-1'))?.enqueuedAt).toEqual(at);
      const left = await findUnenqueued(t.db, { olderThanMs: 0, limit: 100 });
      expect(left.map((r) => r.eventId)).not.toContain('e-sweep-1');
      expect((await countInbox(t.db, 'acme')).unenqueued).toBe(left.filter((r) => r.tenantId === 'acme').length);
    });

    it('finds the latest event about an entity within a tenant', async () => {
      await insertInboxEvents(t.db, [row('gamma', 'e-ent-1', 'inv-77')]);
      expect((await latestEventForEntity(t.db, 'gamma', 'inv-77', ['invoice.sent']))?.eventId).toBe('e-ent-1');
      expect(await latestEventForEntity(t.db, 'gamma', 'inv-77', ['payment.accepted'])).toBeUndefined();
      expect(await latestEventForEntity(t.db, 'acme', 'inv-77', ['invoice.sent'])).toBeUndefined();
    });
  });

  describe('sync records (read)', () => {
    it('reads one entity of one tenant', async () => {
      await t.db.insert(syncRecords).values({
        tenantId: 'acme',
        entityType: 'invoice',
        externalId: 'inv-1',
        status: 'synced',
        qboId: '130',
        docNumber: 'INV-1',
        qboUrl: 'http://qbo/app/invoice?txnId=130',
      });
      expect(await getSyncStatus(t.db, 'acme', 'invoice', 'inv-1')).toMatchObject({ status: 'synced', qboId: '130' });
      expect(await getSyncStatus(t.db, 'beta', 'invoice', 'inv-1')).toBeUndefined();
      expect(await getSyncStatus(t.db, 'acme', 'payment', 'inv-1')).toBeUndefined();
    });
  });
});
