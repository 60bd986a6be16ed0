import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { RunningSandbox } from '../src/index.js';
import {
  api,
  arr,
  type Company,
  company,
  conn,
  http,
  newCustomer,
  newInvoice,
  post,
  type Res,
  start,
} from './helpers.js';

const admin = (sb: RunningSandbox, method: string, path: string, body?: unknown): Promise<Res> =>
  http(`${sb.url}/__sandbox${path}`, {
    method,
    ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
  });

describe('admin / inspection API', () => {
  let sb: RunningSandbox;
  beforeAll(async () => {
    sb = await start();
  });
  afterAll(() => sb.close());

  it('refuses changes from another site (a web page could create realms or expire tokens), accepts tools and its own pages', async () => {
    const before = (await admin(sb, 'GET', '/realms')).body['realms'];
    for (const headers of <Record<string, string>[]>[
      { origin: 'https://evil.example' },
      { 'sec-fetch-site': 'cross-site' },
      { origin: 'http://localhost:1', 'sec-fetch-site': 'same-site' },
    ]) {
      for (const path of ['/realms', '/expire-access-tokens', '/expire-refresh-tokens']) {
        const res = await http(`${sb.url}/__sandbox${path}`, { method: 'POST', headers });
        expect([path, res.status]).toEqual([path, 403]);
        expect(String(res.body['error'])).toMatch(/another site/);
      }
    }
    expect((await admin(sb, 'GET', '/realms')).body['realms']).toEqual(before);
    // Reading is harmless; tools (no Origin) and the sandbox's own pages may change things.
    expect((await http(`${sb.url}/__sandbox/realms`, { headers: { origin: 'https://evil.example' } })).status).toBe(
      200,
    );
    expect((await http(`${sb.url}/__sandbox/expire-access-tokens`, { method: 'POST' })).status).toBe(200);
    const own = await http(`${sb.url}/__sandbox/expire-access-tokens`, {
      method: 'POST',
      headers: { origin: sb.url, 'sec-fetch-site': 'same-origin' },
    });
    expect(own.status).toBe(200);
  });

  it('creates a seeded realm with a fixed id and reports the seeded ids', async () => {
    const res = await admin(sb, 'POST', '/realms', { realmId: '9130350000000001', seed: true, companyName: 'Demo Co' });
    expect(res.status).toBe(201);
    expect(res.body['realmId']).toBe('9130350000000001');
    const seeded = res.body['seeded'];
    expect(seeded?.['accounts']?.['accountsReceivable']).toMatch(/^\d+$/);
    expect(arr(seeded?.['customers'])).toHaveLength(3);
    expect(res.body['counts']?.['Account']).toBe(8);
    const dup = await admin(sb, 'POST', '/realms', { realmId: '9130350000000001' });
    expect(dup.status).toBe(409);
    const accounts = await admin(sb, 'GET', '/realms/9130350000000001/entities/account');
    const byName = new Map(arr(accounts.body['rows']).map((r) => [String(r['Name']), String(r['AccountType'])]));
    expect(byName.get('Accounts Receivable (A/R)')).toBe('Accounts Receivable');
    expect(byName.get('Checking')).toBe('Bank');
    expect(byName.get('Client Trust Account')).toBe('Bank');
    expect(byName.get('Undeposited Funds')).toBe('Other Current Asset');
    expect(byName.get('Sales')).toBe('Income');
    expect(byName.get('Services')).toBe('Income');
    const items = await admin(sb, 'GET', '/realms/9130350000000001/entities/Item');
    expect(arr(items.body['rows']).map((r) => r['Name'])).toEqual([
      'Moving Labor',
      'Packing Materials',
      'Storage',
      'Consultation',
    ]);
    const pms = await admin(sb, 'GET', '/realms/9130350000000001/entities/PaymentMethod');
    expect(arr(pms.body['rows']).map((r) => r['Name'])).toEqual(['Cash', 'Check', 'Credit Card', 'ACH']);
  });

  it('an unseeded realm has only the system tax codes', async () => {
    const res = await admin(sb, 'POST', '/realms', {});
    expect(res.status).toBe(201);
    expect(res.body['counts']?.['TaxCode']).toBe(2);
    expect(res.body['counts']?.['Account']).toBe(0);
    expect(res.body['seeded']).toBeUndefined();
  });

  it('issues tokens, dumps entities incl. inactive, reports stats', async () => {
    const tok = await admin(sb, 'POST', '/realms/9130350000000001/tokens', {});
    expect(tok.body['token_type']).toBe('bearer');
    const c = conn(sb, '9130350000000001', String(tok.body['access_token']));
    const id = await newCustomer(c, 'Dump Co');
    await post(c, '/customer', { Id: id, SyncToken: '0', sparse: true, Active: false });
    const dump = await admin(sb, 'GET', '/realms/9130350000000001/entities/customer');
    expect(dump.body['entity']).toBe('Customer');
    expect(
      arr(dump.body['rows']).some(
        (r) => String(r['DisplayName']) === 'Dump Co (deleted)' && String(r['Active']) === 'false',
      ),
    ).toBe(true);
    const stats = await admin(sb, 'GET', '/realms/9130350000000001/stats');
    expect(Object.keys(stats.body).sort()).toEqual(
      [
        'faultsByCode',
        'maxConcurrencySeen',
        'maxRequestsInAnyWindow',
        'requestIdReplays',
        'requests',
        'throttled429',
        'tokenRefreshes',
        'writesByEntity',
      ].sort(),
    );
    expect(stats.body['requests']).toBe(2);
    expect(stats.body['writesByEntity']?.['Customer']).toBe(2);
    expect((await admin(sb, 'GET', '/realms/404/stats')).status).toBe(404);
    expect((await admin(sb, 'GET', '/realms/9130350000000001/entities/widget')).status).toBe(404);
  });

  it('limits and preferences can be changed per realm', async () => {
    const lim = await admin(sb, 'PUT', '/realms/9130350000000001/limits', { requestsPerWindow: 100, maxConcurrent: 4 });
    expect(lim.body['limits']).toEqual({
      requestsPerWindow: 100,
      windowMs: 60000,
      maxConcurrent: 4,
      batchPerWindow: 40,
      retryAfterSeconds: 0,
    });
    expect((await admin(sb, 'PUT', '/realms/9130350000000001/limits', { maxConcurrent: 0 })).status).toBe(400);
    const prefs = await admin(sb, 'PUT', '/realms/9130350000000001/preferences', {
      SalesFormsPrefs: { CustomTxnNumbers: false },
    });
    expect(prefs.body['Preferences']?.['SalesFormsPrefs']?.['CustomTxnNumbers']).toBe(false);
    expect(prefs.body['Preferences']?.['SalesFormsPrefs']?.['AllowDeposit']).toBe(true);
  });

  it('clock advance expires tokens; reset forgets everything', async () => {
    const tok = await admin(sb, 'POST', '/realms/9130350000000001/tokens');
    const clock = await admin(sb, 'POST', '/clock', { advanceMs: 3_600_001 });
    expect(typeof clock.body['now']).toBe('number');
    const c = conn(sb, '9130350000000001', String(tok.body['access_token']));
    expect((await api(c, 'GET', '/preferences')).status).toBe(401);
    expect((await admin(sb, 'POST', '/reset')).body['ok']).toBe(true);
    expect((await admin(sb, 'GET', '/realms')).body['realms']).toEqual([]);
  });
});

describe('"View in QuickBooks" pages', () => {
  let sb: RunningSandbox;
  let c: Company;
  beforeAll(async () => {
    sb = await start();
    c = await company(sb);
  });
  afterAll(() => sb.close());

  it('serves invoice, payment, expense and customer views by QBO deep-link shape', async () => {
    const cust = await newCustomer(c, 'Link <Co>');
    const inv = await newInvoice(c, cust, 12.5, 'LINK-1');
    const page = await fetch(`${sb.url}/app/invoice?txnId=${String(inv['Id'])}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    expect(html).toContain('LINK-1');
    expect(html).toContain('Link &#60;Co&#62;');
    const pay = await post(c, '/payment', { CustomerRef: { value: cust }, TotalAmt: 1 });
    expect((await fetch(`${sb.url}/app/recvpayment?txnId=${String(pay.body['Payment']?.['Id'])}`)).status).toBe(200);
    expect((await fetch(`${sb.url}/app/customerdetail?nameId=${cust}`)).status).toBe(200);
    expect((await fetch(`${sb.url}/app/expense?txnId=999999`)).status).toBe(404);
    expect((await fetch(`${sb.url}/app/nonsense?txnId=1`)).status).toBe(404);
  });
});
