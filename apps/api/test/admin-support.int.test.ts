import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  type ErrorBody,
  jobIdFor,
  type ManualSyncResponse,
  type MappingListResponse,
  PRIORITY,
  type ReplayOneResponse,
  type ReplayResponse,
  type SyncRecordDetailResponse,
  type SyncRecordListResponse,
  type UpsertMappingResponse,
} from '@qbo-sync/contracts';
import { appendAttempt } from '@qbo-sync/db/repositories/attempts';
import { getRecord, type RecordKey } from '@qbo-sync/db/repositories/sync-records';
import { resumeJobId } from '@qbo-sync/producer';
import { type AdminHarness, queuedJobs, startAdminHarness } from './admin-harness.js';

describe('support: mappings, sync records, replays, manual sync', () => {
  let h: AdminHarness;
  beforeAll(async () => {
    h = await startAdminHarness('admin-support');
    for (const id of ['acme', 'other']) await h.request('POST', '/admin/tenants', { body: { id, name: id } });
  });
  afterAll(async () => {
    await h.close();
  });

  const key = (tenantId: string, externalId: string, entityType = 'invoice'): RecordKey => ({
    tenantId,
    entityType,
    externalId,
  });
  const jobIds = async () => (await queuedJobs(h)).map((j) => j.id);
  /** Moves a record's last change to a given time (as if it failed then). */
  const changedAt = (k: RecordKey, iso: string) =>
    h.db.sql`update sync_records set updated_at = ${iso}::timestamptz
      where tenant_id = ${k.tenantId} and entity_type = ${k.entityType} and external_id = ${k.externalId}`;

  describe('mappings', () => {
    it("an upsert resumes the tenant's needs_mapping syncs (and only that tenant's)", async () => {
      const parked = await h.parkRecord(key('acme', 'INV-M1'), 'needs_mapping', { reasonCode: 'MISSING_MAPPING' });
      const parked2 = await h.parkRecord(key('acme', 'PAY-M1', 'payment'), 'needs_mapping');
      const failed = await h.parkRecord(key('acme', 'INV-F0'), 'failed');
      const theirs = await h.parkRecord(key('other', 'INV-M2'), 'needs_mapping');

      const res = await h.request('PUT', '/admin/tenants/acme/mappings/item/fee-packing', {
        body: { qboId: '2', qboName: 'Packing Materials' },
      });
      expect(res.status).toBe(200);
      const body = res.json<UpsertMappingResponse>();
      expect(body.mapping).toMatchObject({
        kind: 'item',
        key: 'fee-packing',
        qboId: '2',
        qboName: 'Packing Materials',
      });
      expect(body.resumed).toBe(2);

      const jobs = await queuedJobs(h);
      const resumed = jobs.find((j) => j.id === resumeJobId(parked));
      expect(resumed?.name).toBe('invoice.sync');
      expect(resumed?.data).toEqual({ tenantId: 'acme', eventId: 'evt-INV-M1', entityId: 'INV-M1', source: 'live' });
      expect(resumed?.opts.priority).toBe(PRIORITY.replay);
      const base = jobIdFor('invoice.sync', { tenantId: 'acme', entityId: 'INV-M1', eventId: 'evt-INV-M1' });
      expect(resumed?.id?.startsWith(`${base}|resume-`)).toBe(true);
      expect(jobs.find((j) => j.id === resumeJobId(parked2))?.name).toBe('payment.sync');
      const ids = jobs.map((j) => j.id);
      expect(ids).not.toContain(resumeJobId(theirs));
      expect(ids).not.toContain(resumeJobId(failed));

      // The same parked state is not queued twice by a second mapping change.
      const again = await h.request('PUT', '/admin/tenants/acme/mappings/item/fee-labor', { body: { qboId: '1' } });
      expect(again.json<UpsertMappingResponse>().resumed).toBe(2);
      expect((await queuedJobs(h)).length).toBe(jobs.length);
    });

    it('lists, re-points and deletes mappings; keys with spaces and slashes survive the URL', async () => {
      const taxKey = 'Sales Tax 8%/City';
      const put = await h.request('PUT', `/admin/tenants/acme/mappings/tax_code/${encodeURIComponent(taxKey)}`, {
        body: { qboId: 'TAX' },
      });
      expect(put.status).toBe(200);
      await h.request('PUT', '/admin/tenants/acme/mappings/item/fee-packing', { body: { qboId: '22' } });
      const all = (await h.request('GET', '/admin/tenants/acme/mappings')).json<MappingListResponse>().mappings;
      expect(all.map((m) => [m.kind, m.key, m.qboId])).toEqual([
        ['item', 'fee-labor', '1'],
        ['item', 'fee-packing', '22'],
        ['tax_code', taxKey, 'TAX'],
      ]);
      const items = (await h.request('GET', '/admin/tenants/acme/mappings?kind=tax_code')).json<MappingListResponse>();
      expect(items.mappings).toHaveLength(1);
      expect((await h.request('GET', '/admin/tenants/other/mappings')).json<MappingListResponse>().mappings).toEqual(
        [],
      );

      const del = await h.request('DELETE', `/admin/tenants/acme/mappings/tax_code/${encodeURIComponent(taxKey)}`);
      expect(del.status).toBe(204);
      const gone = await h.request('DELETE', `/admin/tenants/acme/mappings/tax_code/${encodeURIComponent(taxKey)}`);
      expect(gone.status).toBe(404);
      expect(gone.json<ErrorBody>().error.code).toBe('mapping_not_found');
    });

    it('rejects an unknown kind, a bad account key, a bad body and a bad filter', async () => {
      const kind = await h.request('PUT', '/admin/tenants/acme/mappings/colour/red', { body: { qboId: '1' } });
      expect(kind.status).toBe(400);
      expect(kind.json<ErrorBody>().error.issues?.[0]?.path).toBe('kind');
      const account = await h.request('PUT', '/admin/tenants/acme/mappings/account/petty_cash', {
        body: { qboId: '1' },
      });
      expect(account.status).toBe(400);
      expect(account.json<ErrorBody>().error.issues?.[0]?.message).toMatch(/accounts_receivable, refund_bank/);
      const ok = await h.request('PUT', '/admin/tenants/acme/mappings/account/refund_bank', { body: { qboId: '35' } });
      expect(ok.status).toBe(200);
      const body = await h.request('PUT', '/admin/tenants/acme/mappings/item/x', { body: { qboId: '' } });
      expect(body.status).toBe(400);
      expect(body.json<ErrorBody>().error.issues?.[0]?.path).toBe('qboId');
      expect((await h.request('GET', '/admin/tenants/acme/mappings?kind=colour')).status).toBe(400);
    });
  });

  describe('sync records', () => {
    it("lists a tenant's records newest change first, filtered, page by page", async () => {
      for (let i = 1; i <= 5; i++) {
        const k = key('acme', `INV-L${i}`);
        await h.parkRecord(k, i % 2 ? 'failed' : 'conflict');
        await changedAt(k, `2031-02-0${i}T10:00:00.123456Z`);
      }
      await h.parkRecord(key('other', 'INV-L9'), 'failed');
      const first = await h.request('GET', '/admin/tenants/acme/sync-records?status=failed&from=2031-02-01&limit=2');
      expect(first.status).toBe(200);
      const page1 = first.json<SyncRecordListResponse>();
      expect(page1.records.map((r) => r.externalId)).toEqual(['INV-L5', 'INV-L3']);
      expect(page1.records[0]).toMatchObject({
        tenantId: 'acme',
        entityType: 'invoice',
        status: 'failed',
        reasonCode: 'FAILED',
        reason: 'Parked as failed by the test.',
        qboUrl: null,
        updatedAt: '2031-02-05T10:00:00.123Z',
      });
      expect(page1.nextCursor).toBeDefined();
      const page2 = (
        await h.request(
          'GET',
          `/admin/tenants/acme/sync-records?status=failed&from=2031-02-01&limit=2&cursor=${page1.nextCursor}`,
        )
      ).json<SyncRecordListResponse>();
      expect(page2.records.map((r) => r.externalId)).toEqual(['INV-L1']);
      expect(page2.nextCursor).toBeUndefined();

      const range = (
        await h.request('GET', '/admin/tenants/acme/sync-records?from=2031-02-02&to=2031-02-04&entityType=invoice')
      ).json<SyncRecordListResponse>();
      expect(range.records.map((r) => r.externalId)).toEqual(['INV-L3', 'INV-L2']);
    });

    it('400 for a bad filter or a cursor it did not give out', async () => {
      const bad = await h.request('GET', '/admin/tenants/acme/sync-records?status=broken&limit=0&from=yesterday');
      expect(bad.status).toBe(400);
      expect((bad.json<ErrorBody>().error.issues ?? []).map((i) => i.path).sort()).toEqual(['from', 'limit', 'status']);
      const reversed = await h.request('GET', '/admin/tenants/acme/sync-records?from=2031-02-04&to=2031-02-02');
      expect(reversed.json<ErrorBody>().error.issues?.[0]).toEqual({ path: 'to', message: 'must be later than from' });
      const cursor = await h.request('GET', '/admin/tenants/acme/sync-records?cursor=bm9wZQ');
      expect(cursor.status).toBe(400);
      expect(cursor.json<ErrorBody>().error.code).toBe('invalid_cursor');
    });

    it('shows one record with its attempt history, newest first; 404 names what was looked for', async () => {
      const record = await h.parkRecord(key('acme', 'INV-H1'), 'failed', { reasonCode: 'VALIDATION' });
      for (const [attempt, message] of [
        [1, 'QuickBooks is not answering (SERVER).'],
        [2, 'Line 2: item "Storage" is inactive in QuickBooks.'],
      ] as const) {
        await appendAttempt(h.db.db, {
          syncRecordId: record.id,
          tenantId: 'acme',
          eventId: 'evt-INV-H1',
          jobId: 'job-1',
          attempt,
          outcome: attempt === 1 ? 'retry' : 'failed',
          status: 'failed',
          faultCode: attempt === 1 ? 'SERVER' : 'VALIDATION',
          message,
          retryable: attempt === 1,
          startedAt: new Date(),
        });
      }
      const res = await h.request('GET', '/admin/tenants/acme/sync-records/invoice/INV-H1');
      expect(res.status).toBe(200);
      const detail = res.json<SyncRecordDetailResponse>();
      expect(detail.record).toMatchObject({ externalId: 'INV-H1', status: 'failed', reasonCode: 'VALIDATION' });
      expect(detail.attempts.map((a) => [a.attempt, a.faultCode])).toEqual([
        [2, 'VALIDATION'],
        [1, 'SERVER'],
      ]);
      expect(detail.attempts[0]?.message).toMatch(/inactive/);

      const missing = await h.request('GET', '/admin/tenants/acme/sync-records/invoice/NOPE');
      expect(missing.status).toBe(404);
      expect(missing.json<ErrorBody>().error.message).toMatch(/invoice "NOPE"/);
      expect((await h.request('GET', '/admin/tenants/other/sync-records/invoice/INV-H1')).status).toBe(404);
      expect((await h.request('GET', '/admin/tenants/acme/sync-records/order/INV-H1')).status).toBe(400);
    });
  });

  describe('replays', () => {
    it('replays one record: queued at replay priority with a fresh id each time a person asks', async () => {
      const k = key('acme', 'INV-R1');
      await h.parkRecord(k, 'conflict');
      const first = await h.request('POST', '/admin/tenants/acme/sync-records/invoice/INV-R1/replay');
      expect(first.status).toBe(200);
      const body = first.json<ReplayOneResponse>();
      expect(body.replayed).toBe(1);
      const job = (await queuedJobs(h)).find((j) => j.id === body.jobId);
      expect(job?.name).toBe('invoice.sync');
      expect(job?.opts.priority).toBe(PRIORITY.replay);
      expect(job?.data).toMatchObject({ tenantId: 'acme', entityId: 'INV-R1' });
      expect((await getRecord(h.db.db, k))?.manualSyncRequestedAt).not.toBeNull();

      await new Promise((r) => setTimeout(r, 5));
      const second = (
        await h.request('POST', '/admin/tenants/acme/sync-records/invoice/INV-R1/replay')
      ).json<ReplayOneResponse>();
      expect(second.jobId).not.toBe(body.jobId);
      expect(await jobIds()).toContain(second.jobId);

      expect((await h.request('POST', '/admin/tenants/other/sync-records/invoice/INV-R1/replay')).status).toBe(404);
    });

    it('replays every failure of a tenant in a date range, and nothing of other tenants', async () => {
      const inRange = ['INV-D1', 'INV-D2', 'INV-D3'].map((id) => key('acme', id));
      for (const [i, k] of inRange.entries()) {
        await h.parkRecord(k, 'failed');
        await changedAt(k, `2032-05-1${i}T08:00:00Z`);
      }
      const early = key('acme', 'INV-D0');
      await h.parkRecord(early, 'failed');
      await changedAt(early, '2032-04-30T23:59:59Z');
      const conflict = key('acme', 'INV-DC');
      await h.parkRecord(conflict, 'conflict');
      await changedAt(conflict, '2032-05-11T00:00:00Z');
      const theirs = key('other', 'INV-D1');
      await h.parkRecord(theirs, 'failed');
      await changedAt(theirs, '2032-05-11T00:00:00Z');

      const before = new Set(await jobIds());
      const res = await h.request('POST', '/admin/tenants/acme/replay', {
        body: { from: '2032-05-01', to: '2032-06-01', note: 'after the May outage' },
      });
      expect(res.status).toBe(200);
      expect(res.json<ReplayResponse>()).toEqual({ replayed: 3 });
      const added = (await queuedJobs(h)).filter((j) => !before.has(j.id));
      expect(added.map((j) => (j.data as { entityId: string }).entityId).sort()).toEqual([
        'INV-D1',
        'INV-D2',
        'INV-D3',
      ]);
      expect(added.every((j) => (j.data as { tenantId: string }).tenantId === 'acme')).toBe(true);

      const conflicts = await h.request('POST', '/admin/tenants/acme/replay', {
        body: {
          status: 'conflict',
          from: '2032-05-01T00:00:00Z',
          to: '2032-05-12T00:00:00Z',
          entityType: 'invoice',
          note: 'numbers fixed in QuickBooks',
        },
      });
      expect(conflicts.json<ReplayResponse>()).toEqual({ replayed: 1 });
      const bad = await h.request('POST', '/admin/tenants/acme/replay', {
        body: { status: 'everything', note: 'x-x' },
      });
      expect(bad.status).toBe(400);
      expect(bad.json<ErrorBody>().error.issues?.[0]?.path).toBe('status');
    });

    it('replays one group of failures: the records with its reason code only', async () => {
      const timeouts = ['INV-G1', 'INV-G2'].map((id) => key('acme', id));
      for (const k of timeouts) await h.parkRecord(k, 'failed', { reasonCode: 'QBO_TIMEOUT' });
      await h.parkRecord(key('acme', 'INV-G3'), 'failed', { reasonCode: 'VALIDATION' });
      const before = new Set(await jobIds());
      const res = await h.request('POST', '/admin/tenants/acme/replay', {
        body: { status: 'failed', reasonCode: 'QBO_TIMEOUT', note: 'QuickBooks was down at noon' },
      });
      expect(res.json<ReplayResponse>()).toEqual({ replayed: 2 });
      const added = (await queuedJobs(h)).filter((j) => !before.has(j.id));
      expect(added.map((j) => (j.data as { entityId: string }).entityId).sort()).toEqual(['INV-G1', 'INV-G2']);
    });

    it('the manual sync window queues needs_sync records (auto-sync off) and marks them asked for', async () => {
      await h.request('PATCH', '/admin/tenants/acme/settings', { body: { autoSync: false } });
      const waiting = [key('acme', 'INV-S1'), key('acme', 'INV-S2')];
      for (const k of waiting) await h.parkRecord(k, 'needs_sync', { reasonCode: 'AUTO_SYNC_OFF' });
      const payment = key('acme', 'PAY-S1', 'payment');
      await h.parkRecord(payment, 'needs_sync', { reasonCode: 'PAYMENT_AUTO_SYNC_OFF' });
      await h.parkRecord(key('other', 'INV-S1'), 'needs_sync');

      const res = await h.request('POST', '/admin/tenants/acme/sync', {
        body: { entityType: 'invoice', note: 'the customer asked' },
      });
      expect(res.status).toBe(200);
      expect(res.json<ManualSyncResponse>()).toEqual({ queued: 2 });
      const ids = await jobIds();
      for (const k of waiting) {
        const record = await getRecord(h.db.db, k);
        if (!record) throw new Error(`record ${k.externalId} vanished`);
        expect(record.manualSyncRequestedAt).not.toBeNull();
        expect(ids).toContain(resumeJobId(record));
      }
      expect((await getRecord(h.db.db, payment))?.manualSyncRequestedAt).toBeNull();
      const all = await h.request('POST', '/admin/tenants/acme/sync', { body: { note: 'month end' } });
      expect(all.json<ManualSyncResponse>().queued).toBe(3);
    });
  });
});
