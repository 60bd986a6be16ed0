import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import postgres from 'postgres';
import { createDb, type DbHandle, prepareDatabase, qboConnections, tenants } from '../src/index.js';
import { appendAttempt, listAttempts } from '../src/repositories/attempts.js';
import { getInboxEvent, getJobInput, insertInboxEvents } from '../src/repositories/inbox.js';
import {
  insertMappingIfAbsent,
  lastMappingChange,
  listMappings,
  listSettingMappings,
  upsertMapping,
} from '../src/repositories/mappings.js';
import { SUPERSEDED_OUTCOME, writeStatusWithAttempt } from '../src/repositories/sync-outcome.js';
import {
  appliedToInvoice,
  ensureRecord,
  getRecord,
  jobsWithDepositsToApply,
  listParked,
  mappingChangedSinceParked,
  markCallbacksDelivered,
  pendingCallbacks,
  pendingDepositsOfJob,
  reconnectedSinceParked,
  recordsWaitingFor,
  requestManualSync,
  setStatus,
  storeSnapshot,
  syncedInvoiceOfJob,
  waitingOnSyncedDependency,
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

  it('returns the stored record exactly as a read of the row gives it, both when new and when replaced', async () => {
    const k = { tenantId: 'acme', entityType: 'invoice', externalId: 'INV-SHAPE' };
    const first = await storeSnapshot(t.db, k, {
      snapshot: { id: 'INV-SHAPE', lines: [{ amount: '1.00' }] },
      occurredAt: new Date('2024-06-01T10:00:00.123Z'),
      eventId: 'e-shape-1',
    });
    expect(first.record).toEqual(await getRecord(t.db, k));
    // A record that has been through a status write (timestamps, details, integers set) and is then replaced.
    await setStatus(t.db, first.record.id, {
      status: 'synced',
      reasonCode: null,
      reason: null,
      details: { total: '1.00' },
      qboId: '77',
      syncedAt: new Date('2024-06-01T10:00:01.5Z'),
      writeStartedAt: new Date('2024-06-01T10:00:00.9Z'),
      countAttempt: true,
    });
    const snapshot = { id: 'INV-SHAPE', lines: [{ amount: '2.00' }] };
    const second = await storeSnapshot(t.db, k, {
      snapshot,
      occurredAt: new Date('2024-06-02T10:00:00Z'),
      eventId: 'e-shape-2',
    });
    expect(second.stored).toBe(true);
    expect(second.record).toEqual(await getRecord(t.db, k));
    // The snapshot handed back is the value stored, not a copy read back.
    expect(second.record.snapshot).toBe(snapshot);
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
    await markCallbacksDelivered(t.db, [{ id: rec.id, statusVersion: 2 }]);
    await markCallbacksDelivered(t.db, [{ id: rec.id, statusVersion: 1 }]);
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

  it('resumes a needs_mapping record when mappings changed after the ones its run read, even if it wrote later', async () => {
    const pkey = { tenantId: 'acme', entityType: 'refund', externalId: 'REF-RACE' };
    const parked = {
      status: 'needs_mapping',
      reasonCode: 'MISSING_MAPPING',
      reason: 'no refund account',
      countAttempt: true,
    };
    const parkAttempt = { eventId: null, jobId: 'j', attempt: 1, outcome: 'parked', startedAt: new Date() };
    const resumable = async () => (await mappingChangedSinceParked(t.db)).map((r) => r.externalId);
    // The run reads the mappings version with its job, then (still in flight) someone maps the account...
    const seen = (await getJobInput(t.db, 'acme', 'no-such-event'))?.mappingsVersion ?? -1;
    await upsertMapping(t.db, { tenantId: 'acme', kind: 'account', externalKey: 'refund_bank', qboId: '35' });
    // ...and only then does the run write its park: later than the mapping change, from stale mappings.
    const record = await ensureRecord(t.db, pkey);
    await writeStatusWithAttempt(t.db, record, { ...parked, mappingsVersionSeen: seen }, parkAttempt);
    expect((await getRecord(t.db, pkey))?.updatedAt.getTime()).toBeGreaterThan(
      (await lastMappingChange(t.db, 'acme'))?.getTime() ?? Number.POSITIVE_INFINITY,
    );
    expect(await resumable()).toContain('REF-RACE');
    // A rerun that read the current mappings and parks again is not resumed until mappings move again.
    const now = (await getJobInput(t.db, 'acme', 'no-such-event'))?.mappingsVersion;
    expect(now).toBe(seen + 1);
    const again = (await getRecord(t.db, pkey)) as NonNullable<Awaited<ReturnType<typeof getRecord>>>;
    await writeStatusWithAttempt(t.db, again, { ...parked, mappingsVersionSeen: now }, parkAttempt);
    expect(await resumable()).not.toContain('REF-RACE');
    // A new customer mapping changes nothing a park waits for; any other mapping change does.
    await upsertMapping(t.db, { tenantId: 'acme', kind: 'customer', externalKey: 'C-NEW', qboId: '9' });
    expect(await resumable()).not.toContain('REF-RACE');
    await upsertMapping(t.db, { tenantId: 'acme', kind: 'item', externalKey: 'ITM-X', qboId: '3' });
    expect(await resumable()).toContain('REF-RACE');
  });

  it('resumes a needs_reconnect record once the connection is active, even if it was parked after the reconnect', async () => {
    const rkey = { tenantId: 'acme', entityType: 'invoice', externalId: 'INV-RECONNECT' };
    const resumable = async () => (await reconnectedSinceParked(t.db)).map((r) => r.externalId);
    const connection = {
      tenantId: 'acme',
      realmId: 'r1',
      status: 'needs_reconnect',
      keyId: 'k',
      accessTokenEnc: 'a',
      refreshTokenEnc: 'r',
      accessTokenExpiresAt: new Date(),
      refreshTokenExpiresAt: new Date(),
    };
    await t.db.insert(qboConnections).values(connection);
    const record = await ensureRecord(t.db, rkey);
    const park = { status: 'needs_reconnect', reasonCode: 'NEEDS_RECONNECT', reason: 'reconnect', countAttempt: true };
    await setStatus(t.db, record.id, park);
    expect(await resumable()).not.toContain('INV-RECONNECT');
    // The tenant reconnects while a run that read the old connection is in flight; it parks afterwards.
    await t.db.update(qboConnections).set({ status: 'active', updatedAt: new Date() });
    await setStatus(t.db, record.id, { ...park, reason: 'written after the reconnect' });
    expect(await resumable()).toContain('INV-RECONNECT');
  });

  it('a sweep reads its parked records in one snapshot: a record synced meanwhile is not returned as it is now', async () => {
    // The waiting sweep chose ids in one statement and read the rows in a second one. A payment synced in
    // between came back synced, and the sweep queued a resume stamped with the synced state (`resume-v2.2`
    // beside `resume-v1.1`: the flaky e2e deferrals test). On one connection, a write issued while the
    // sweep's first statement is being built runs after that statement and before any second one.
    const invoice = await ensureRecord(t.db, { tenantId: 'acme', entityType: 'invoice', externalId: 'INV-SNAP' });
    await setStatus(t.db, invoice.id, { status: 'synced', reasonCode: null, reason: null, countAttempt: true });
    const payment = await ensureRecord(t.db, { tenantId: 'acme', entityType: 'payment', externalId: 'PAY-SNAP' });
    const park = { status: 'waiting', reasonCode: 'WAITING_FOR_INVOICE', reason: 'waits', countAttempt: true };
    await setStatus(t.db, payment.id, { ...park, waitingFor: 'invoice:INV-SNAP' });
    let syncedMeanwhile: Promise<unknown> | undefined;
    const one = createDb(`${base}/${name}`, {
      max: 1,
      debug: (_conn, query) => {
        if (syncedMeanwhile || !query.includes(`'waiting'`)) return;
        // Issued once the statement is handed to the connection (a microtask later): queued behind it.
        syncedMeanwhile = new Promise((resolve, reject) =>
          queueMicrotask(() => {
            one.sql`update sync_records set status = 'synced', waiting_for = null,
              status_version = status_version + 1, attempts = attempts + 1 where id = ${payment.id}`.then(
              resolve,
              reject,
            );
          }),
        );
      },
    });
    try {
      const found = (await waitingOnSyncedDependency(one.db)).filter((r) => r.externalId === 'PAY-SNAP');
      await syncedMeanwhile;
      // Either the waiting state the sweep chose it in, or nothing; never the synced row.
      expect(found.map((r) => r.status)).toEqual(['waiting']);
      expect(found[0]?.statusVersion).toBe(1);
      expect((await getRecord(t.db, { tenantId: 'acme', entityType: 'payment', externalId: 'PAY-SNAP' }))?.status).toBe(
        'synced',
      );
    } finally {
      await one.close();
    }
  });

  describe('the outcome write (one statement)', () => {
    const okey = { tenantId: 'acme', entityType: 'invoice', externalId: 'INV-FENCE' };
    const inbox = (eventId: string) => ({
      tenantId: 'acme',
      eventId,
      type: 'invoice.sent',
      version: 1,
      source: 'live',
      occurredAt: new Date('2026-03-02T15:04:05Z'),
      entityId: okey.externalId,
      jobName: 'invoice.sync',
      jobId: `invoice.sync|acme|${okey.externalId}|${eventId}`,
      payload: { id: eventId },
    });
    const synced = {
      status: 'synced',
      reasonCode: null,
      reason: null,
      qboId: '77',
      syncedHash: 'h1',
      countAttempt: true,
    };
    const attempt = (eventId: string) => ({
      eventId,
      jobId: `job-${eventId}`,
      attempt: 1,
      outcome: 'synced',
      startedAt: new Date(),
    });

    it('writes status, attempt and the job event processed when the snapshot is still the one the run read', async () => {
      await insertInboxEvents(t.db, [inbox('ef-1')]);
      const { record } = await storeSnapshot(t.db, okey, {
        snapshot: { v: 1 },
        occurredAt: new Date(1_000),
        eventId: 'ef-1',
      });
      const written = await writeStatusWithAttempt(t.db, record, synced, attempt('ef-1'), {
        fence: { lastEventId: record.lastEventId },
        markEventProcessed: { tenantId: 'acme', eventId: 'ef-1' },
      });
      expect(written).toMatchObject({ superseded: false, changed: true, record: { status: 'synced', attempts: 1 } });
      expect((await getInboxEvent(t.db, 'acme', 'ef-1'))?.processedAt).toBeInstanceOf(Date);
      expect((await listAttempts(t.db, record.id)).map((a) => a.outcome)).toEqual(['synced']);
    });

    it('refuses an outcome whose snapshot was replaced meanwhile: only a superseded attempt, event left unprocessed', async () => {
      await insertInboxEvents(t.db, [inbox('ef-2'), inbox('ef-3')]);
      const older = await storeSnapshot(t.db, okey, {
        snapshot: { v: 2 },
        occurredAt: new Date(2_000),
        eventId: 'ef-2',
      });
      // A run that overlapped ours stores a newer snapshot and records it synced.
      const newer = await storeSnapshot(t.db, okey, {
        snapshot: { v: 3 },
        occurredAt: new Date(3_000),
        eventId: 'ef-3',
      });
      await writeStatusWithAttempt(t.db, newer.record, { ...synced, syncedHash: 'h3' }, attempt('ef-3'), {
        fence: { lastEventId: 'ef-3' },
      });
      const before = await getRecord(t.db, okey);
      const written = await writeStatusWithAttempt(
        t.db,
        older.record,
        { ...synced, status: 'failed', reasonCode: 'X', syncedHash: 'h2' },
        attempt('ef-2'),
        { fence: { lastEventId: older.record.lastEventId }, markEventProcessed: { tenantId: 'acme', eventId: 'ef-2' } },
      );
      expect(written?.superseded).toBe(true);
      const after = await getRecord(t.db, okey);
      expect(after).toMatchObject({ status: 'synced', syncedHash: 'h3', statusVersion: before?.statusVersion });
      expect((await getInboxEvent(t.db, 'acme', 'ef-2'))?.processedAt).toBeNull();
      const last = (await listAttempts(t.db, older.record.id)).find((a) => a.eventId === 'ef-2');
      expect(last).toMatchObject({ outcome: SUPERSEDED_OUTCOME, status: 'synced' });
    });
  });

  it("reads a tenant's unannounced versions oldest change first, bounded, through the partial index", async () => {
    await t.db.insert(tenants).values({
      id: 'cb',
      name: 'Callbacks',
      apiKeyHash: 'h2',
      apiKeyPrefix: 'p2',
      signingSecretEnc: 'enc',
      settings: { callbackUrl: 'https://billing.example/hooks' },
    });
    const ids: number[] = [];
    for (const [i, externalId] of ['C-3', 'C-1', 'C-2'].entries()) {
      const rec = await ensureRecord(t.db, { tenantId: 'cb', entityType: 'invoice', externalId });
      await setStatus(t.db, rec.id, { status: 'skipped', reasonCode: 'DRAFT', reason: null });
      await t.sql`update sync_records set updated_at = ${new Date(Date.UTC(2024, 0, 1 + i)).toISOString()} where id = ${rec.id}`;
      ids.push(rec.id);
    }
    const all = await pendingCallbacks(t.db, 'cb', 10);
    expect(all).toMatchObject({
      tenantSettings: { callbackUrl: 'https://billing.example/hooks' },
      signingSecretEnc: 'enc',
    });
    expect(all?.records.map((r) => r.externalId)).toEqual(['C-3', 'C-1', 'C-2']);
    expect(all?.records[0]).toMatchObject({ tenantId: 'cb', status: 'skipped', statusVersion: 1, reasonCode: 'DRAFT' });
    expect((await pendingCallbacks(t.db, 'cb', 2))?.records).toHaveLength(2);
    // Marked in one statement, never backwards; a version written after the read stays pending.
    await setStatus(t.db, ids[1] as number, { status: 'synced', reasonCode: null, reason: null });
    await markCallbacksDelivered(t.db, [
      { id: ids[0] as number, statusVersion: 1 },
      { id: ids[1] as number, statusVersion: 1 },
    ]);
    await markCallbacksDelivered(t.db, [{ id: ids[0] as number, statusVersion: 0 }]);
    expect((await pendingCallbacks(t.db, 'cb', 10))?.records.map((r) => [r.externalId, r.statusVersion])).toEqual([
      ['C-2', 1],
      ['C-1', 2],
    ]);
    // No callback URL: the tenant's row, no records. No tenant: nothing.
    expect(await pendingCallbacks(t.db, 'acme', 10)).toMatchObject({ records: [] });
    expect(await pendingCallbacks(t.db, 'nobody', 10)).toBeUndefined();
    // The planner reads the tenant's pending versions through sync_records_callback_pending.
    await t.sql`set enable_seqscan = off`;
    const plan = await t.sql.unsafe(
      `explain select id from sync_records where tenant_id = 'cb' and status_version > callback_version
       order by updated_at, id limit 100`,
    );
    await t.sql`set enable_seqscan = on`;
    expect(plan.map((r) => String(r['QUERY PLAN'])).join('\n')).toContain('sync_records_callback_pending');
  });
});
