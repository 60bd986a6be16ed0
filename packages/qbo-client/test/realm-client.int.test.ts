import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { QboClient } from '../src/client.js';
import type { QboCustomer, QboInvoice } from '../src/entities.js';
import { DuplicateDocNumberError } from '../src/errors/duplicate-doc-number-error.js';
import { DuplicateNameError } from '../src/errors/duplicate-name-error.js';
import { InvalidReferenceError } from '../src/errors/invalid-reference-error.js';
import { RealmBusyError } from '../src/errors/realm-busy-error.js';
import { StaleObjectError } from '../src/errors/stale-object-error.js';
import { ThrottledError } from '../src/errors/throttled-error.js';
import { ValidationError } from '../src/errors/validation-error.js';
import { realmKeys } from '../src/keys.js';
import { q } from '../src/query.js';
import type { RealmClient } from '../src/realm-client.js';
import { requestIdFor, type WriteOp } from '../src/request-id.js';
import { admin, connectTenant, type Harness, startHarness, startRecordingProxy } from './helpers.js';

const op = (externalId: string, operation: WriteOp['operation'] = 'create', entity = 'customer'): WriteOp => ({
  tenantId: 'acme',
  entity,
  externalId,
  version: 'v1',
  operation,
});

describe('realm client against the sandbox', () => {
  let h: Harness;
  let client: QboClient;
  let realm: RealmClient;
  let realmId: string;

  beforeAll(async () => {
    h = await startHarness('realm_client');
    client = h.client();
    realmId = await connectTenant(h, client, 'acme');
    realm = await client.forTenant('acme');
  });
  afterAll(async () => {
    await h.close();
  });

  it('reads change data capture: changed objects in their latest state, deleted ones flagged, through the budget', async () => {
    const since = new Date(Date.now() - 1000);
    const customer = await realm.createCustomer({ DisplayName: 'CDC Reader' }, op('cust-cdc'));
    const line = { DetailType: 'SalesItemLineDetail', Amount: 40, SalesItemLineDetail: { ItemRef: { value: '1' } } };
    const kept = await realm.createInvoice(
      { CustomerRef: { value: customer.Id }, Line: [line] },
      op('inv-cdc-kept', 'create', 'invoice'),
    );
    const gone = await realm.createInvoice(
      { CustomerRef: { value: customer.Id }, Line: [line] },
      op('inv-cdc-gone', 'create', 'invoice'),
    );
    h.sandbox.asPerson(realmId, 'Invoice', gone.Id, { action: 'delete' });
    const before = (await admin(h.sandbox).stats(realmId)).requests;
    const answer = await realm.changesSince(['Invoice'], since);
    expect((await admin(h.sandbox).stats(realmId)).requests).toBe(before + 1);
    expect(answer.capped).toBe(false);
    expect(answer.objects.map((o) => [o.entity, o.id, o.deleted])).toEqual([
      ['Invoice', kept.Id, false],
      ['Invoice', gone.Id, true],
    ]);
    expect(answer.objects[0]?.object['TotalAmt']).toBe(40);
  });

  it('round-trips apostrophes, backslashes, % and unicode through create and query', async () => {
    const names = ["O'Brien & Sons", 'Back\\slash \\\\ Co', '100% Movers', 'Zoë Ångström 山田 🚚', "It's 50% \\'"];
    for (const [i, name] of names.entries()) {
      const created = await realm.createCustomer(
        { DisplayName: name, GivenName: name.slice(0, 20), PrimaryEmailAddr: { Address: `c${i}@example.com` } },
        op(`cust-special-${i}`),
      );
      expect(created.DisplayName).toBe(name);
      const found = await realm.findCustomers({ displayName: name });
      expect(found.map((c) => c.Id)).toEqual([created.Id]);
      expect(found[0]?.DisplayName).toBe(name);
    }
    const byEmail = await realm.findCustomers({ email: 'c2@example.com' });
    expect(byEmail.map((c) => c.DisplayName)).toEqual(['100% Movers']);
    // '%' compared with = is a literal, not a wildcard.
    expect(await realm.findCustomers({ displayName: '100%' })).toEqual([]);
    const like = await realm.query<QboCustomer>(q.select('Customer').where('DisplayName', 'LIKE', '100%'));
    expect(like.map((c) => c.DisplayName)).toEqual(['100% Movers']);
  });

  it('creates, updates (sparse, SyncToken) and reports stale writes and duplicate names as typed errors', async () => {
    const c = await realm.createCustomer({ DisplayName: 'Jane Brown' }, op('cust-jane'));
    const updated = await realm.updateCustomer(
      { Id: c.Id, SyncToken: c.SyncToken, Notes: 'moved' },
      op('cust-jane', 'update'),
    );
    expect(updated.DisplayName).toBe('Jane Brown');
    expect(updated.SyncToken).not.toBe(c.SyncToken);
    const stale = realm.updateCustomer(
      { Id: c.Id, SyncToken: c.SyncToken, Notes: 'x' },
      { ...op('cust-jane', 'update'), version: 'v2' },
    );
    await expect(stale).rejects.toBeInstanceOf(StaleObjectError);
    const dup = realm.createCustomer({ DisplayName: 'Jane Brown' }, op('cust-jane-2'));
    await expect(dup).rejects.toBeInstanceOf(DuplicateNameError);
    await expect(dup).rejects.toMatchObject({ code: 'DUPLICATE_NAME', kind: 'conflict', qboCode: '6240' });
    expect((await realm.getCustomer(c.Id)).Notes).toBe('moved');
  });

  it('answers a repeated requestid with the first result instead of a second object', async () => {
    const first = await realm.createCustomer({ DisplayName: 'Replay Ltd' }, op('cust-replay'));
    const again = await realm.createCustomer({ DisplayName: 'Replay Ltd' }, op('cust-replay'));
    expect(again.Id).toBe(first.Id);
    expect((await realm.findCustomers({ displayName: 'Replay Ltd' })).length).toBe(1);
  });

  it('a timeout-after-commit retried with the same requestid creates exactly one object', async () => {
    const a = admin(h.sandbox);
    const before = await a.stats(realmId);
    // The sandbox commits the write, then drops the connection: the client sees no answer.
    await a.fault(realmId, { kind: 'commit-then-drop', times: 1, match: { method: 'POST', entity: 'customer' } });
    const created = await realm.createCustomer({ DisplayName: 'Dropped Line Movers' }, op('cust-dropped'));
    const rows = (await a.entities(realmId, 'Customer')).filter((r) => r['DisplayName'] === 'Dropped Line Movers');
    expect(rows.map((r) => r['Id'])).toEqual([created.Id]);
    const after = await a.stats(realmId);
    expect(after.requestIdReplays).toBe(before.requestIdReplays + 1);
  });

  it('retries 5xx (transient) with the same requestid and succeeds', async () => {
    const a = admin(h.sandbox);
    await a.fault(realmId, { kind: 'http5xx', status: 503, times: 2, match: { method: 'POST', entity: 'customer' } });
    const created = await realm.createCustomer({ DisplayName: 'Flaky Server Co' }, op('cust-flaky'));
    expect(created.Id).toBeDefined();
    expect((await realm.findCustomers({ displayName: 'Flaky Server Co' })).length).toBe(1);
  });

  it('gives up after the retry budget on persistent 5xx with a SERVER error', async () => {
    const a = admin(h.sandbox);
    await a.fault(realmId, { kind: 'http5xx', status: 500, times: 3, match: { method: 'GET', entity: 'customer' } });
    await expect(realm.getCustomer('1')).rejects.toMatchObject({ code: 'SERVER', kind: 'retryable', status: 500 });
    expect((await realm.getCustomer('1')).Id).toBe('1');
  });

  it('maps a 429 to THROTTLED (60 s default) and pauses the realm for every caller', async () => {
    const a = admin(h.sandbox);
    await a.fault(realmId, { kind: 'throttle', times: 1, match: { method: 'GET', entity: 'preferences' } });
    const err = await realm.getPreferences().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ThrottledError);
    expect((err as ThrottledError).retryAfterMs).toBe(60_000);
    const busy = await realm.getPreferences().catch((e: unknown) => e);
    expect(busy).toBeInstanceOf(RealmBusyError);
    expect((busy as RealmBusyError).retryAfterMs).toBeGreaterThan(50_000);
    // Refused before anything went out: a caller may take back its "create started" mark.
    expect((busy as RealmBusyError).nothingSent).toBe(true);
    await h.redis.del(`{${h.keyPrefix.slice(1, -1)}:realm:${realmId}}:cooldown`);
    expect((await realm.getPreferences()).Id).toBeDefined();
  });

  it('invoices: create, find by DocNumber, duplicate DocNumber, update, void', async () => {
    const customer = await realm.createCustomer({ DisplayName: 'Invoice Customer' }, op('cust-inv'));
    const body = {
      CustomerRef: { value: customer.Id },
      DocNumber: 'INV-1001',
      PrivateNote: 'qbo-sync:inv-1001',
      Line: [
        {
          Amount: '240.00',
          DetailType: 'SalesItemLineDetail',
          SalesItemLineDetail: { ItemRef: { value: '1' }, Qty: 2, UnitPrice: '120.00' },
        },
      ],
    };
    const inv = await realm.createInvoice(body, op('inv-1001', 'create', 'invoice'));
    expect(inv.TotalAmt).toBe(240);
    expect((await realm.findInvoiceByDocNumber('INV-1001'))?.Id).toBe(inv.Id);
    expect(await realm.findInvoiceByDocNumber("INV-'none'")).toBeUndefined();
    await expect(realm.createInvoice(body, op('inv-1001-other', 'create', 'invoice'))).rejects.toBeInstanceOf(
      DuplicateDocNumberError,
    );
    const bad = realm.createInvoice(
      {
        ...body,
        DocNumber: 'INV-1002',
        Line: [{ ...body.Line[0], SalesItemLineDetail: { ItemRef: { value: '999' } } }],
      },
      op('inv-1002', 'create', 'invoice'),
    );
    await expect(bad).rejects.toBeInstanceOf(InvalidReferenceError);
    const upd = await realm.updateInvoice(
      { Id: inv.Id, SyncToken: inv.SyncToken, PrivateNote: 'changed' },
      op('inv-1001', 'update', 'invoice'),
    );
    expect(upd.PrivateNote).toBe('changed');
    const voided = await realm.voidInvoice(upd, op('inv-1001', 'void', 'invoice'));
    expect(voided.TotalAmt).toBe(0);
    expect((await realm.getInvoice(inv.Id)).SyncToken).toBe(voided.SyncToken);
    expect(realm.appLink('invoice', inv.Id)).toBe(`${h.config.qbo.appBaseUrl}/invoice?txnId=${inv.Id}`);
  });

  it('payments: create against an invoice, find by reference and customer, update, void', async () => {
    const customer = await realm.createCustomer({ DisplayName: 'Payment Customer' }, op('cust-pay'));
    const inv = await realm.createInvoice(
      {
        CustomerRef: { value: customer.Id },
        Line: [
          { Amount: '100.00', DetailType: 'SalesItemLineDetail', SalesItemLineDetail: { ItemRef: { value: '4' } } },
        ],
      },
      op('inv-pay', 'create', 'invoice'),
    );
    const pay = await realm.createPayment(
      {
        CustomerRef: { value: customer.Id },
        TotalAmt: '60.00',
        PaymentRefNum: "CHK-O'1",
        Line: [{ Amount: '60.00', LinkedTxn: [{ TxnId: inv.Id, TxnType: 'Invoice' }] }],
      },
      op('pay-1', 'create', 'payment'),
    );
    expect((await realm.getInvoice(inv.Id)).Balance).toBe(40);
    expect((await realm.findPayments({ paymentRefNum: "CHK-O'1" })).map((p) => p.Id)).toEqual([pay.Id]);
    expect((await realm.findPayments({ customerId: customer.Id })).map((p) => p.Id)).toEqual([pay.Id]);
    await expect(realm.findPayments({})).rejects.toBeInstanceOf(ValidationError);
    const upd = await realm.updatePayment(
      { Id: pay.Id, SyncToken: pay.SyncToken, PrivateNote: 'deposit' },
      op('pay-1', 'update', 'payment'),
    );
    const voided = await realm.voidPayment(upd, op('pay-1', 'void', 'payment'));
    expect(Number(voided.TotalAmt)).toBe(0);
    expect((await realm.getInvoice(inv.Id)).Balance).toBe(100);
    expect(realm.appLink('payment', pay.Id)).toContain(`/recvpayment?txnId=${pay.Id}`);
  });

  it('purchases (refund expense against A/R), lists, preferences, items', async () => {
    const customer = await realm.createCustomer({ DisplayName: 'Refund Customer' }, op('cust-ref'));
    const purchase = await realm.createPurchase(
      {
        PaymentType: 'Cash',
        AccountRef: { value: '2' },
        EntityRef: { value: customer.Id, type: 'Customer' },
        Line: [
          {
            Amount: '25.00',
            DetailType: 'AccountBasedExpenseLineDetail',
            AccountBasedExpenseLineDetail: { AccountRef: { value: '1' } },
          },
        ],
      },
      op('refund-1', 'create', 'refund'),
    );
    expect((await realm.getPurchase(purchase.Id)).TotalAmt).toBe(25);
    expect((await realm.listItems()).map((i) => i.Name)).toEqual(
      expect.arrayContaining(['Moving Labor', 'Packing Materials', 'Storage', 'Consultation']),
    );
    expect((await realm.listAccounts()).map((a) => a.Name)).toContain('Undeposited Funds');
    expect((await realm.listPaymentMethods()).map((m) => m.Name)).toEqual(
      expect.arrayContaining(['Cash', 'Check', 'Credit Card']),
    );
    expect((await realm.listTaxCodes()).map((t) => t.Id).sort()).toEqual(['NON', 'TAX']);
    const item = await realm.createItem(
      { Name: 'Crating', Type: 'Service', IncomeAccountRef: { value: '6' } },
      op('item-crating', 'create', 'item'),
    );
    expect((await realm.listItems()).map((i) => i.Id)).toContain(item.Id);
    const prefs = await realm.getPreferences();
    expect(typeof prefs.SalesFormsPrefs?.CustomTxnNumbers).toBe('boolean');
    expect(await realm.count(q.count('Item'))).toBeGreaterThanOrEqual(5);
  });

  it('batch: mixed creates and queries, per-item typed errors', async () => {
    const results = await realm.batch(
      [
        { bId: 'c1', operation: 'create', entity: 'Customer', body: { DisplayName: 'Batch One' } },
        { bId: 'c2', operation: 'create', entity: 'Customer', body: { DisplayName: 'Batch One' } },
        { bId: 'q1', query: q.select('Customer').where('DisplayName', '=', 'Invoice Customer') },
      ],
      op('batch-1', 'create', 'batch'),
    );
    expect(results.map((r) => [r.bId, r.ok])).toEqual([
      ['c1', true],
      ['c2', false],
      ['q1', true],
    ]);
    const failed = results[1];
    if (failed && !failed.ok) expect(failed.error).toBeInstanceOf(DuplicateNameError);
    const query = results[2];
    if (query?.ok) expect((query.value as { Customer: QboInvoice[] }).Customer).toHaveLength(1);
    await expect(
      realm.batch([{ bId: 'waytoolongbid', query: q.select('Item') }], op('batch-2', 'create', 'batch')),
    ).rejects.toBeInstanceOf(ValidationError);
  });

  it('sends minorversion and JSON on every call, requestid on writes, and never logs tokens', async () => {
    const proxy = await startRecordingProxy(h.sandbox.url);
    try {
      const viaProxy = h.client({ qbo: { ...h.config.qbo, apiBaseUrl: proxy.url } });
      const r = await viaProxy.forTenant('acme');
      await r.getCustomer('1');
      await r.findCustomers({ displayName: "O'Brien & Sons" });
      const created = await r.createCustomer({ DisplayName: 'Proxy Seen' }, op('cust-proxy'));
      await r.voidInvoice({ Id: '999999', SyncToken: '0' }, op('inv-x', 'void', 'invoice')).catch(() => undefined);
      expect(proxy.seen).toHaveLength(4);
      for (const s of proxy.seen) {
        const url = new URL(s.url, proxy.url);
        expect(url.pathname.startsWith(`/v3/company/${realmId}/`)).toBe(true);
        expect(url.searchParams.get('minorversion')).toBe(String(h.config.qbo.minorVersion));
        expect(s.authorization).toMatch(/^Bearer \S+$/);
        if (s.method === 'GET') expect(url.searchParams.has('requestid')).toBe(false);
      }
      const posts = proxy.seen.filter((s) => s.method === 'POST').map((s) => new URL(s.url, proxy.url));
      expect(posts.map((u) => u.searchParams.get('requestid'))).toEqual([
        requestIdFor(op('cust-proxy')),
        requestIdFor(op('inv-x', 'void', 'invoice')),
      ]);
      expect(posts[1]?.searchParams.get('operation')).toBe('void');
      const query = new URL(proxy.seen[1]?.url ?? '', proxy.url).searchParams.get('query');
      expect(query).toBe("SELECT * FROM Customer WHERE DisplayName = 'O\\'Brien & Sons' MAXRESULTS 1000");
      expect(created.DisplayName).toBe('Proxy Seen');
    } finally {
      await proxy.close();
    }
    const lines = h.logLines.join('');
    expect(lines).toContain('QBO call');
    const row = await h.db.sql<{ access_token_enc: string; refresh_token_enc: string }[]>`
      select access_token_enc, refresh_token_enc from qbo_connections where tenant_id = 'acme'`;
    const access = h.secrets.decrypt(row[0]?.access_token_enc ?? '');
    const refresh = h.secrets.decrypt(row[0]?.refresh_token_enc ?? '');
    expect(access.length).toBeGreaterThan(10);
    expect(lines).not.toContain(access);
    expect(lines).not.toContain(refresh);
    expect(row[0]?.access_token_enc).not.toContain(access);
  });

  it("ends a job's waits when its signal aborts: a refresh held elsewhere and the company budget", async () => {
    // A token refresh another process is doing (it holds the realm's refresh lock): the call waits for it.
    const abortRealm = await connectTenant(h, client, 'abortable');
    await h.db.sql`update qbo_connections set access_token_expires_at = now() - interval '1 second'
      where tenant_id = 'abortable'`;
    const { refreshLock } = realmKeys(h.keyPrefix, abortRealm);
    await h.redis.set(refreshLock, 'another-process', 'PX', 30_000);
    const closing = new AbortController();
    const waiting = client.forTenant('abortable', { signal: closing.signal });
    setTimeout(() => closing.abort(), 100);
    await expect(waiting).rejects.toBeInstanceOf(RealmBusyError);
    await h.redis.del(refreshLock);

    // The company's budget in use (every concurrency slot taken): a later call of the job waits, until aborted.
    const session = new AbortController();
    const jobRealm = await client.forTenant('acme', { signal: session.signal, inJobBudgetWaitMs: 30_000 });
    await jobRealm.getCustomer('1');
    const held: Array<() => Promise<void>> = [];
    for (;;) {
      const lease = await client.limiter.acquire(realmId, { maxWaitMs: 0 });
      if (!lease.ok) break;
      held.push(lease.release);
    }
    const second = jobRealm.getCustomer('1');
    setTimeout(() => session.abort(), 100);
    await expect(second).rejects.toMatchObject({ code: 'REALM_BUSY', retryAfterMs: 0 });
    await Promise.all(held.map((r) => r()));
  });
});
