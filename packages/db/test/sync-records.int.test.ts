import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import postgres from 'postgres';
import { createDb, type DbHandle, prepareDatabase, tenants } from '../src/index.js';
import { appendAttempt, listAttempts } from '../src/repositories/attempts.js';
import {
  insertMappingIfAbsent,
  lastMappingChange,
  listMappings,
  listSettingMappings,
  upsertMapping,
} from '../src/repositories/mappings.js';
import {
  appliedToInvoice,
  ensureRecord,
  jobsWithDepositsToApply,
  listParked,
  markCallbackDelivered,
  pendingDepositsOfJob,
  recordsWaitingFor,
  requestManualSync,
  setStatus,
  storeSnapshot,
  syncedInvoiceOfJob,
} from '../src/repositories/sync-records.js';

// testkit depends on this package, so this suite makes its own throwaway database.
const base = process.env.TEST_DATABASE_BASE_URL ?? 'postgres://postgres@127.0.0.1:5432';

describe('sync-records, mappings and attempts repositories', () => {
  const name = `qbo_sync_repo_${randomBytes(4).toString('hex')}`;
  let t: DbHandle;
  const key = { tenantId: 'acme', entityType: 'invoice', externalId: 'INV-1' };
  beforeAll(async () => {
    await prepareDatabase(`${base}/${name}`);
    t = createDb(`${base}/${name}`);
    await t.db
      .insert(tenants)
      .values({ id: 'acme', name: 'Acme', apiKeyHash: 'h', apiKeyPrefix: 'p', signingSecretEnc: 'x' });
  });
  afterAll(async () => {
    await t.close();
    const admin = postgres(`${base}/postgres`, { max: 1, onnotice: () => {} });
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
    await admin.end();
  });

  it('keeps the newest snapshot whatever order events arrive in', async () => {
    const v2 = await storeSnapshot(t.db, key, {
      snapshot: { v: 2 },
      occurredAt: new Date('2024-05-02T00:00:00Z'),
      eventId: 'e2',
    });
    expect(v2.stored).toBe(true);
    const v1 = await storeSnapshot(t.db, key, {
      snapshot: { v: 1 },
      occurredAt: new Date('2024-05-01T00:00:00Z'),
      eventId: 'e1',
    });
    expect(v1).toMatchObject({ stored: false, record: { snapshot: { v: 2 }, lastEventId: 'e2' } });
    const v3 = await storeSnapshot(t.db, key, {
      snapshot: { v: 3 },
      occurredAt: new Date('2024-05-03T00:00:00Z'),
      eventId: 'e3',
    });
    expect(v3).toMatchObject({ stored: true, record: { snapshot: { v: 3 }, id: v2.record.id } });
    // The same event again (a retried or deferred run): still the record's, and the row is not touched.
    const again = await storeSnapshot(t.db, key, {
      snapshot: { v: 3 },
      occurredAt: new Date('2024-05-03T00:00:00Z'),
      eventId: 'e3',
    });
    expect(again).toMatchObject({ stored: true, record: { snapshot: { v: 3 }, lastEventId: 'e3' } });
    expect(again.record.updatedAt.getTime()).toBe(v3.record.updatedAt.getTime());
  });

  it('bumps statusVersion only when the status or reason changes', async () => {
    const rec = await ensureRecord(t.db, key);
    const a = await setStatus(t.db, rec.id, {
      status: 'waiting',
      reasonCode: 'W',
      reason: 'r',
      waitingFor: 'invoice:X',
      countAttempt: true,
    });
    expect(a).toMatchObject({ changed: true, record: { statusVersion: rec.statusVersion + 1, attempts: 1 } });
    const b = await setStatus(t.db, rec.id, { status: 'waiting', reasonCode: 'W', reason: 'r again' });
    expect(b).toMatchObject({ changed: false, record: { statusVersion: rec.statusVersion + 1, reason: 'r again' } });
    expect((await recordsWaitingFor(t.db, 'acme', 'invoice:X')).map((r) => r.id)).toEqual([rec.id]);
    const c = await setStatus(t.db, rec.id, {
      status: 'synced',
      reasonCode: null,
      reason: null,
      qboId: '130',
      waitingFor: null,
    });
    expect(c).toMatchObject({
      changed: true,
      previousStatus: 'waiting',
      record: { qboId: '130', statusVersion: rec.statusVersion + 2 },
    });
    expect(await recordsWaitingFor(t.db, 'acme', 'invoice:X')).toEqual([]);
    await markCallbackDelivered(t.db, rec.id, 2);
    await markCallbackDelivered(t.db, rec.id, 1);
    expect((await ensureRecord(t.db, key)).callbackVersion).toBe(2);
  });

  it('finds parked records, deposits of a job and manual sync requests', async () => {
    const dep = await storeSnapshot(
      t.db,
      { tenantId: 'acme', entityType: 'payment', externalId: 'P-1' },
      {
        snapshot: { id: 'P-1', jobId: 'J-1' },
        occurredAt: new Date(),
        eventId: 'p1',
      },
    );
    await setStatus(t.db, dep.record.id, { status: 'synced', reasonCode: null, reason: null, qboId: '9' });
    const linked = await storeSnapshot(
      t.db,
      { tenantId: 'acme', entityType: 'payment', externalId: 'P-2' },
      {
        snapshot: { id: 'P-2', jobId: 'J-1', invoiceId: 'INV-1' },
        occurredAt: new Date(),
        eventId: 'p2',
      },
    );
    await setStatus(t.db, linked.record.id, { status: 'needs_sync', reasonCode: 'AUTO_SYNC_OFF', reason: 'off' });
    expect((await pendingDepositsOfJob(t.db, 'acme', 'J-1')).map((r) => r.externalId)).toEqual(['P-1']);
    // Nothing to apply a deposit to until the job's invoice is synced.
    expect(await jobsWithDepositsToApply(t.db)).toEqual([]);
    const inv = await storeSnapshot(
      t.db,
      { tenantId: 'acme', entityType: 'invoice', externalId: 'INV-1' },
      { snapshot: { id: 'INV-1', jobId: 'J-1' }, occurredAt: new Date(), eventId: 'i1' },
    );
    await setStatus(t.db, inv.record.id, { status: 'synced', reasonCode: null, reason: null, qboId: '130' });
    expect((await syncedInvoiceOfJob(t.db, 'acme', 'J-1'))?.externalId).toBe('INV-1');
    expect(await jobsWithDepositsToApply(t.db)).toEqual([{ tenantId: 'acme', jobId: 'J-1' }]);
    // Applied (or given up on): no longer pending.
    await setStatus(t.db, dep.record.id, {
      status: 'synced',
      reasonCode: null,
      reason: null,
      details: { appliedTo: 'INV-1', appliedAmount: '10.00' },
    });
    expect(await pendingDepositsOfJob(t.db, 'acme', 'J-1')).toEqual([]);
    expect(await jobsWithDepositsToApply(t.db)).toEqual([]);
    expect(await appliedToInvoice(t.db, 'acme', 'INV-1', 0)).toEqual(['10.00']);
    expect(await appliedToInvoice(t.db, 'acme', 'INV-1', dep.record.id)).toEqual([]);
    expect((await listParked(t.db, { tenantId: 'acme', statuses: ['needs_sync'] })).map((r) => r.externalId)).toEqual([
      'P-2',
    ]);
    const asked = await requestManualSync(t.db, 'acme');
    expect(asked.map((r) => r.externalId)).toEqual(['P-2']);
    expect(asked[0]?.manualSyncRequestedAt).toBeInstanceOf(Date);
  });

  it('stores mappings; the first concurrent insert wins', async () => {
    expect(await lastMappingChange(t.db, 'acme')).toBeUndefined();
    const rows = await Promise.all(
      ['10', '11', '12'].map((qboId) =>
        insertMappingIfAbsent(t.db, { tenantId: 'acme', kind: 'customer', externalKey: 'C-1', qboId }),
      ),
    );
    expect(new Set(rows.map((r) => r.qboId)).size).toBe(1);
    await upsertMapping(t.db, {
      tenantId: 'acme',
      kind: 'item',
      externalKey: 'ITM-1',
      qboId: '1',
      qboName: 'Moving Labor',
    });
    await upsertMapping(t.db, { tenantId: 'acme', kind: 'item', externalKey: 'ITM-1', qboId: '2' });
    expect((await listMappings(t.db, 'acme', 'item')).map((m) => [m.externalKey, m.qboId])).toEqual([['ITM-1', '2']]);
    expect((await listSettingMappings(t.db, 'acme')).map((m) => m.kind)).toEqual(['item']);
    expect(await lastMappingChange(t.db, 'acme')).toBeInstanceOf(Date);
  });

  it('appends attempts, newest first', async () => {
    const rec = await ensureRecord(t.db, key);
    const started = new Date();
    await appendAttempt(t.db, {
      syncRecordId: rec.id,
      tenantId: 'acme',
      attempt: 1,
      outcome: 'retry',
      status: 'failed',
      faultCode: 'SERVER',
      startedAt: started,
    });
    await appendAttempt(t.db, {
      syncRecordId: rec.id,
      tenantId: 'acme',
      attempt: 2,
      outcome: 'synced',
      status: 'synced',
      startedAt: started,
    });
    expect((await listAttempts(t.db, rec.id)).map((a) => [a.attempt, a.outcome, a.faultCode])).toEqual([
      [2, 'synced', null],
      [1, 'retry', 'SERVER'],
    ]);
  });
});
