import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type {
  AuditListResponse,
  CreateOperatorResponse,
  ErrorBody,
  FailureGroupsResponse,
  OperatorListResponse,
  RecordSearchResponse,
  SyncRecordListResponse,
  TenantDetailResponse,
  WhoAmIResponse,
} from '@qbo-sync/contracts';
import { markRetrying, setStatus, storeSnapshot } from '@qbo-sync/db/repositories/sync-records';
import { ADMIN_TOKEN, type AdminHarness, startAdminHarness } from './admin-harness.js';

describe('operators, roles and the audit log', () => {
  let h: AdminHarness;
  const tokens: Record<string, string> = {};
  beforeAll(async () => {
    h = await startAdminHarness('operators-audit');
    for (const id of ['acme', 'other']) await h.request('POST', '/admin/tenants', { body: { id, name: id } });
    for (const [name, role] of [
      ['rita', 'read_only'],
      ['sam', 'support'],
      ['ada', 'admin'],
    ] as const) {
      const res = await h.request('POST', '/admin/operators', { body: { name, role } });
      expect(res.status).toBe(201);
      tokens[name] = res.json<CreateOperatorResponse>().token;
    }
  });
  afterAll(async () => {
    await h.close();
  });

  const as = (name: string) => ({ token: tokens[name] ?? null });
  const whoami = async (init: Parameters<AdminHarness['request']>[2]) =>
    (await h.request('GET', '/admin/whoami', init)).json<WhoAmIResponse>().operator;

  describe('identity', () => {
    it('stores only a hash of the token and shows it once', async () => {
      const rows = await h.db.sql<{ name: string; token_hash: string; token_prefix: string }[]>`
        select name, token_hash, token_prefix from operators order by id`;
      expect(rows.map((r) => r.name)).toEqual(['rita', 'sam', 'ada']);
      for (const r of rows) {
        const token = tokens[r.name] ?? '';
        expect(token).toMatch(/^qso_[A-Za-z0-9_-]{43}$/);
        expect(r.token_hash).toMatch(/^[0-9a-f]{64}$/);
        expect(r.token_hash).not.toContain(token);
        expect(token.startsWith(r.token_prefix)).toBe(true);
      }
      const list = (await h.request('GET', '/admin/operators')).json<OperatorListResponse>();
      expect(JSON.stringify(list)).not.toContain(tokens['rita']);
      expect(list.operators.map((o) => [o.name, o.role, o.createdBy])).toEqual([
        ['ada', 'admin', 'admin-token'],
        ['rita', 'read_only', 'admin-token'],
        ['sam', 'support', 'admin-token'],
      ]);
    });

    it('names the operator on the request: their token, the shared admin token, a console session', async () => {
      expect(await whoami(as('rita'))).toMatchObject({ name: 'rita', role: 'read_only' });
      expect(await whoami({})).toEqual({ id: null, name: 'admin-token', role: 'admin' });

      const signIn = await h.request('POST', '/admin/session', { token: null, body: { token: tokens['sam'] } });
      expect(signIn.status).toBe(204);
      const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
      expect(cookie).toMatch(/^qbo_sync_admin=\d+\.[\w-]+\.\d+\./);
      expect(await whoami({ token: null, headers: { cookie } })).toMatchObject({ name: 'sam', role: 'support' });
      // A session's subject cannot be changed without the server's key.
      const parts = cookie.split('.');
      parts[2] = parts[2] === '1' ? '2' : '1';
      const forged = parts.join('.');
      expect((await h.request('GET', '/admin/whoami', { token: null, headers: { cookie: forged } })).status).toBe(401);
    });

    it('a duplicate active name is refused; a bad role names the field', async () => {
      const dup = await h.request('POST', '/admin/operators', { body: { name: 'rita', role: 'admin' } });
      expect(dup.status).toBe(409);
      expect(dup.json<ErrorBody>().error.code).toBe('operator_exists');
      const bad = await h.request('POST', '/admin/operators', { body: { name: 'x', role: 'owner' } });
      expect(bad.status).toBe(400);
      expect(bad.json<ErrorBody>().error.issues?.[0]?.path).toBe('role');
    });
  });

  describe('roles', () => {
    it('read_only may only look', async () => {
      expect((await h.request('GET', '/admin/tenants', as('rita'))).status).toBe(200);
      expect((await h.request('GET', '/admin/tenants/acme/sync-records', as('rita'))).status).toBe(200);
      const replay = await h.request('POST', '/admin/tenants/acme/replay', {
        ...as('rita'),
        body: { note: 'trying my luck' },
      });
      expect(replay.status).toBe(403);
      expect(replay.json<ErrorBody>().error).toMatchObject({ code: 'role_forbidden' });
      expect(replay.json<ErrorBody>().error.message).toContain('read_only');
      const map = await h.request('PUT', '/admin/tenants/acme/mappings/item/fee', {
        ...as('rita'),
        body: { qboId: '1' },
      });
      expect(map.status).toBe(403);
      // Looking at the queue dashboard is fine; changing jobs there is not.
      expect((await h.request('GET', '/admin/queues/api/queues', as('rita'))).status).toBe(200);
      expect((await h.request('PUT', '/admin/queues/api/queues/invoice.sync/retry/failed', as('rita'))).status).toBe(
        403,
      );
    });

    it('support may replay, map and sync, but not change tenants, connections or operators', async () => {
      expect(
        (await h.request('POST', '/admin/tenants/acme/replay', { ...as('sam'), body: { note: 'after the outage' } }))
          .status,
      ).toBe(200);
      expect(
        (await h.request('PUT', '/admin/tenants/acme/mappings/item/fee', { ...as('sam'), body: { qboId: '1' } }))
          .status,
      ).toBe(200);
      expect(
        (await h.request('POST', '/admin/tenants/acme/sync', { ...as('sam'), body: { note: 'customer asked' } }))
          .status,
      ).toBe(200);
      for (const [method, path, body] of [
        ['POST', '/admin/tenants', { id: 'new-co', name: 'New' }],
        ['PATCH', '/admin/tenants/acme/settings', { autoSync: false }],
        ['POST', '/admin/tenants/acme/rotate-key', undefined],
        ['GET', '/admin/tenants/acme/connect', undefined],
        ['POST', '/admin/operators', { name: 'eve', role: 'admin' }],
        ['GET', '/admin/operators', undefined],
      ] as const) {
        const res = await h.request(method, path, { ...as('sam'), ...(body ? { body } : {}) });
        expect([method, path, res.status]).toEqual([method, path, 403]);
      }
    });

    it('an admin operator may do everything', async () => {
      expect(
        (await h.request('POST', '/admin/tenants', { ...as('ada'), body: { id: 'ada-co', name: 'A' } })).status,
      ).toBe(201);
      expect((await h.request('GET', '/admin/operators', as('ada'))).status).toBe(200);
    });

    it('a revoked operator’s token and session stop working at once', async () => {
      const created = (
        await h.request('POST', '/admin/operators', { body: { name: 'tmp', role: 'support' } })
      ).json<CreateOperatorResponse>();
      const signIn = await h.request('POST', '/admin/session', { token: null, body: { token: created.token } });
      const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
      expect((await h.request('GET', '/admin/whoami', { token: created.token })).status).toBe(200);

      const revoke = await h.request('DELETE', `/admin/operators/${created.operator.id}`);
      expect(revoke.status).toBe(200);
      expect((await h.request('GET', '/admin/whoami', { token: created.token })).status).toBe(401);
      expect((await h.request('GET', '/admin/whoami', { token: null, headers: { cookie } })).status).toBe(401);
      // The name is free again; the audit log still names the revoked one.
      expect((await h.request('POST', '/admin/operators', { body: { name: 'tmp', role: 'admin' } })).status).toBe(201);
    });
  });

  describe('audit log', () => {
    it('a bulk replay or manual sync without a note is refused, naming the note', async () => {
      for (const path of ['/admin/tenants/acme/replay', '/admin/tenants/acme/sync']) {
        const res = await h.request('POST', path, { body: {} });
        expect(res.status).toBe(400);
        expect(res.json<ErrorBody>().error.issues?.map((i) => i.path)).toContain('note');
      }
    });

    it('records who replayed what, how many and why, filterable by tenant, actor and action', async () => {
      for (const id of ['INV-A1', 'INV-A2'])
        await h.parkRecord({ tenantId: 'acme', entityType: 'invoice', externalId: id }, 'failed');
      await h.parkRecord({ tenantId: 'other', entityType: 'invoice', externalId: 'INV-A3' }, 'failed');
      const bulk = await h.request('POST', '/admin/tenants/acme/replay', {
        ...as('sam'),
        body: { status: 'failed', from: '2020-01-01', note: 'QuickBooks was down at 9:00' },
      });
      expect(bulk.json()).toEqual({ replayed: 2 });
      const one = await h.request('POST', '/admin/tenants/other/sync-records/invoice/INV-A3/replay', {
        ...as('ada'),
        body: { note: 'customer called' },
      });
      expect(one.status).toBe(200);

      const sams = (await h.request('GET', '/admin/audit?actor=sam&action=records.replay')).json<AuditListResponse>();
      const latest = sams.entries[0];
      expect(latest).toMatchObject({
        actor: { name: 'sam', role: 'support' },
        action: 'records.replay',
        tenantId: 'acme',
        target: { status: 'failed', from: '2020-01-01T00:00:00.000Z' },
        count: 2,
        note: 'QuickBooks was down at 9:00',
        result: 'ok',
      });
      expect(latest?.requestId).toBe(bulk.headers.get('x-request-id')); // the entry names the request it came from

      const other = (await h.request('GET', '/admin/audit?tenantId=other', as('rita'))).json<AuditListResponse>();
      expect(other.entries.map((e) => [e.action, e.actor.name, e.count, e.note])).toEqual([
        ['record.replay', 'ada', 1, 'customer called'],
        ['tenant.create', 'admin-token', null, null],
      ]);

      const actions = new Set(
        (await h.request('GET', '/admin/audit?limit=500')).json<AuditListResponse>().entries.map((e) => e.action),
      );
      for (const a of ['operator.create', 'operator.revoke', 'mapping.set', 'records.manual_sync', 'tenant.create']) {
        expect(actions).toContain(a);
      }
    });

    it('pages newest first with a cursor; a failed action is recorded as failed', async () => {
      const missing = await h.request('POST', '/admin/tenants/acme/sync-records/invoice/NOPE/replay', {
        body: { note: 'does it exist?' },
      });
      expect(missing.status).toBe(404);
      const first = (await h.request('GET', '/admin/audit?limit=1')).json<AuditListResponse>();
      expect(first.entries[0]).toMatchObject({ action: 'record.replay', result: 'failed', count: null });
      expect(first.entries[0]?.error).toContain('record_not_found');
      const second = (
        await h.request('GET', `/admin/audit?limit=1&cursor=${first.nextCursor ?? ''}`)
      ).json<AuditListResponse>();
      expect(second.entries[0]?.id).toBeLessThan(first.entries[0]?.id ?? 0);
      expect((await h.request('GET', '/admin/audit?cursor=zzz')).status).toBe(400);
    });
  });

  describe('search, failures by reason, retrying', () => {
    const invoice = (id: string, number: string, customer: Record<string, string>) => ({
      id,
      number,
      customer: { id: `c-${id}`, ...customer },
    });

    it('finds records by billing id, document number, customer name words or e-mail, QBO id, event id', async () => {
      const store = (tenantId: string, externalId: string, snapshot: unknown, eventId: string) =>
        storeSnapshot(
          h.db.db,
          { tenantId, entityType: 'invoice', externalId },
          { snapshot, occurredAt: new Date(), eventId },
        );
      const a = await store(
        'acme',
        'inv-9001',
        invoice('inv-9001', 'INV-7004', { displayName: 'John Brown', email: 'JB@Example.com' }),
        'evt-s1',
      );
      await setStatus(h.db.db, a.record.id, {
        status: 'synced',
        reasonCode: null,
        reason: null,
        qboId: 'Q-88',
        docNumber: 'INV-7004',
      });
      await store(
        'other',
        'inv-9002',
        invoice('inv-9002', 'INV-7005', { firstName: 'Mary', lastName: 'Brown' }),
        'evt-s2',
      );

      const find = async (q: string, tenantId?: string) =>
        (
          await h.request(
            'GET',
            `/admin/records/search?q=${encodeURIComponent(q)}${tenantId ? `&tenantId=${tenantId}` : ''}`,
            as('rita'),
          )
        )
          .json<RecordSearchResponse>()
          .records.map((r) => `${r.tenantId}/${r.externalId}`);
      expect(await find('INV-7004')).toEqual(['acme/inv-9001']);
      expect(await find('inv-7004')).toEqual(['acme/inv-9001']);
      expect(await find('inv-9002')).toEqual(['other/inv-9002']);
      expect(await find('jb@example.com')).toEqual(['acme/inv-9001']);
      expect(await find('Q-88')).toEqual(['acme/inv-9001']);
      expect(await find('evt-s2')).toEqual(['other/inv-9002']);
      expect((await find('brown')).sort()).toEqual(['acme/inv-9001', 'other/inv-9002']);
      expect(await find('brown', 'other')).toEqual(['other/inv-9002']);
      expect(await find('mary brown')).toEqual(['other/inv-9002']);
      expect(await find('john mary')).toEqual([]);
      // The records list takes the same search within its tenant.
      const listed = (await h.request('GET', '/admin/tenants/acme/sync-records?q=john')).json<SyncRecordListResponse>();
      expect(listed.records.map((r) => r.externalId)).toEqual(['inv-9001']);
      expect((await h.request('GET', '/admin/records/search?q=')).status).toBe(400);
    });

    it('uses the search index rather than reading every record', async () => {
      const rows = await h.db.sql.begin(async (tx) => {
        await tx`set local enable_seqscan = off`;
        return tx<{ 'QUERY PLAN': string }[]>`explain select id from sync_records where search_terms @> array['brown']`;
      });
      expect(rows.map((r) => r['QUERY PLAN']).join('\n')).toContain('sync_records_search');
    });

    it('groups records needing attention by status and reason code, across tenants or for one', async () => {
      await h.parkRecord({ tenantId: 'acme', entityType: 'invoice', externalId: 'INV-G1' }, 'needs_mapping', {
        reasonCode: 'MISSING_ITEM',
      });
      await h.parkRecord({ tenantId: 'other', entityType: 'payment', externalId: 'PAY-G2' }, 'needs_mapping', {
        reasonCode: 'MISSING_ITEM',
      });
      const all = (await h.request('GET', '/admin/failures')).json<FailureGroupsResponse>();
      const missing = all.groups.find((g) => g.reasonCode === 'MISSING_ITEM');
      expect(missing).toMatchObject({
        status: 'needs_mapping',
        count: 2,
        tenants: 2,
        entityTypes: ['invoice', 'payment'],
        reason: 'Parked as needs_mapping by the test.',
      });
      expect(Date.parse(missing?.firstSeen ?? '')).toBeLessThanOrEqual(Date.parse(missing?.lastSeen ?? ''));
      const acme = (await h.request('GET', '/admin/failures?tenantId=acme')).json<FailureGroupsResponse>();
      expect(acme.groups.find((g) => g.reasonCode === 'MISSING_ITEM')).toMatchObject({ count: 1, tenants: 1 });
    });

    it('a record being retried shows its attempt, fault and next try, in lists, filters and counts', async () => {
      const { record } = await storeSnapshot(
        h.db.db,
        { tenantId: 'acme', entityType: 'invoice', externalId: 'INV-RT' },
        {
          snapshot: invoice('INV-RT', 'INV-RT', { displayName: 'Retry Co' }),
          occurredAt: new Date(),
          eventId: 'evt-rt',
        },
      );
      const retry = {
        attempt: 2,
        maxAttempts: 8,
        faultCode: 'SERVER_ERROR',
        reason: 'QuickBooks answered 503; trying again.',
        nextTryAt: '2030-01-01T00:00:40.000Z',
        at: '2030-01-01T00:00:00.000Z',
      };
      await markRetrying(
        h.db.db,
        record,
        {
          eventId: 'evt-rt',
          jobId: 'j-rt',
          attempt: 2,
          startedAt: new Date(),
          faultCode: 'SERVER_ERROR',
          message: retry.reason,
        },
        retry,
      );
      const list = (
        await h.request('GET', '/admin/tenants/acme/sync-records?retrying=true')
      ).json<SyncRecordListResponse>();
      expect(list.records.map((r) => [r.externalId, r.status, r.retry])).toEqual([['INV-RT', 'pending', retry]]);
      const detail = (await h.request('GET', '/admin/tenants/acme')).json<TenantDetailResponse>();
      expect(detail.retrying).toBe(1);
      const attempts = await h.db.sql<{ outcome: string; fault_code: string }[]>`
        select outcome, fault_code from sync_attempts where sync_record_id = ${record.id}`;
      expect(attempts).toEqual([{ outcome: 'retry', fault_code: 'SERVER_ERROR' }]);

      // Any outcome ends the retry.
      await setStatus(h.db.db, record.id, { status: 'synced', reasonCode: null, reason: null });
      const after = (
        await h.request('GET', '/admin/tenants/acme/sync-records?retrying=true')
      ).json<SyncRecordListResponse>();
      expect(after.records).toEqual([]);
      expect((await h.request('GET', '/admin/tenants/acme')).json<TenantDetailResponse>().retrying).toBe(0);
    });
  });

  it('keeps the shared ADMIN_TOKEN working as admin', async () => {
    expect((await h.request('GET', '/admin/whoami', { token: ADMIN_TOKEN })).json<WhoAmIResponse>().operator.role).toBe(
      'admin',
    );
  });
});
