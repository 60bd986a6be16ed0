import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { RunningSandbox } from '../src/index.js';
import { api, arr, type Company, company, faultCode, get, newCustomer, post, type Res, start } from './helpers.js';

const expectThrottled = (res: Res): void => {
  expect(res.status).toBe(429);
  const err = arr(res.body['Fault']?.['Error'])[0];
  expect(err?.['code']).toBe('3001');
  expect(err?.['Message']).toBe('message=ThrottleExceeded; errorCode=003001; statusCode=429');
  expect(err?.['Detail']).toBe('The request limit was reached. Try again later');
  expect(res.body['Fault']?.['type']).toBe('SERVICE');
};

describe('requestid idempotency', () => {
  let sb: RunningSandbox;
  let c: Company;
  beforeAll(async () => {
    sb = await start();
    c = await company(sb);
  });
  afterAll(() => sb.close());

  it('a repeated requestid returns the first response byte for byte and applies nothing', async () => {
    const first = await post(c, '/customer?requestid=req-0001', { DisplayName: 'Once Co' });
    expect(first.status).toBe(200);
    const again = await post(c, '/customer?requestid=req-0001&minorversion=75', { DisplayName: 'Once Co' });
    expect(again.status).toBe(200);
    expect(again.text).toBe(first.text);
    // Even a different body is not applied: the id wins.
    const other = await post(c, '/customer?requestid=req-0001', { DisplayName: 'Twice Co' });
    expect(other.text).toBe(first.text);
    const rows = sb.entities(c.realmId, 'Customer').filter((r) => String(r['DisplayName']).endsWith('ce Co'));
    expect(rows.map((r) => r['DisplayName'])).toEqual(['Once Co']);
    expect(sb.stats(c.realmId).requestIdReplays).toBe(2);
  });

  it('requestids are per realm', async () => {
    const other = await company(sb);
    expect((await post(other, '/customer?requestid=req-0001', { DisplayName: 'Once Co' })).status).toBe(200);
    expect(sb.entities(other.realmId, 'Customer').some((r) => r['DisplayName'] === 'Once Co')).toBe(true);
  });

  it('requestid over 50 chars -> 400 and nothing applied', async () => {
    const res = await post(c, `/customer?requestid=${'r'.repeat(51)}`, { DisplayName: 'Long Id Co' });
    expect(res.status).toBe(400);
    expect(faultCode(res)).toBe('2050');
    expect(sb.entities(c.realmId, 'Customer').some((r) => r['DisplayName'] === 'Long Id Co')).toBe(false);
    expect((await post(c, `/customer?requestid=${'r'.repeat(50)}`, { DisplayName: 'Long Id Co' })).status).toBe(200);
  });

  it('a failed attempt is not remembered: the fixed retry with the same requestid applies', async () => {
    const bad = await post(c, '/invoice?requestid=inv-retry', {
      CustomerRef: { value: '987654' },
      Line: [
        {
          Amount: 5,
          DetailType: 'SalesItemLineDetail',
          SalesItemLineDetail: { ItemRef: { value: c.ids.items.storage } },
        },
      ],
    });
    expect(faultCode(bad)).toBe('2500');
    const cust = await newCustomer(c, 'Retry Co');
    const ok = await post(c, '/invoice?requestid=inv-retry', {
      CustomerRef: { value: cust },
      Line: [
        {
          Amount: 5,
          DetailType: 'SalesItemLineDetail',
          SalesItemLineDetail: { ItemRef: { value: c.ids.items.storage } },
        },
      ],
    });
    expect(ok.status).toBe(200);
  });

  it('a stale-object answer is remembered: the same requestid stays stale after the SyncToken is re-read', async () => {
    const id = await newCustomer(c, 'Stale Replay Co');
    expect((await post(c, '/customer', { Id: id, SyncToken: '0', sparse: true, Notes: 'first' })).status).toBe(200);
    const stale = await post(c, '/customer?requestid=stale-1', { Id: id, SyncToken: '0', sparse: true, Notes: 'x' });
    expect(faultCode(stale)).toBe('5010');
    // The client re-reads the token (now 1) but sends the same requestid: QBO answers the original response.
    const again = await post(c, '/customer?requestid=stale-1', { Id: id, SyncToken: '1', sparse: true, Notes: 'x' });
    expect(faultCode(again)).toBe('5010');
    expect(again.text).toBe(stale.text);
    const fresh = await post(c, '/customer?requestid=stale-2', { Id: id, SyncToken: '1', sparse: true, Notes: 'x' });
    expect(fresh.status).toBe(200);
  });

  it('updates and deletes replay too', async () => {
    const id = await newCustomer(c, 'Upd Replay Co');
    const a = await post(c, '/customer?requestid=upd-1', { Id: id, SyncToken: '0', sparse: true, Notes: 'n' });
    const b = await post(c, '/customer?requestid=upd-1', { Id: id, SyncToken: '0', sparse: true, Notes: 'n' });
    expect(b.status).toBe(200);
    expect(b.text).toBe(a.text);
    expect((await get(c, `/customer/${id}`)).body['Customer']?.['SyncToken']).toBe('1');
  });
});

describe('rate limits (scaled down: 20 per 1000 ms, 3 concurrent)', () => {
  let sb: RunningSandbox;
  let c: Company;
  beforeAll(async () => {
    // A frozen clock keeps the window deterministic however slow the machine is.
    const frozen = Date.now();
    sb = await start({
      now: () => frozen,
      limits: { requestsPerWindow: 20, windowMs: 1000, maxConcurrent: 3, batchPerWindow: 2 },
    });
    c = await company(sb);
  });
  afterAll(() => sb.close());

  it('the 21st request in a window gets 429 / 3001 without Retry-After, and is not applied', async () => {
    sb.advanceClock(5000);
    sb.resetStats(c.realmId);
    const results: Res[] = [];
    for (let i = 0; i < 20; i++) results.push(await get(c, '/preferences'));
    expect(results.every((r) => r.status === 200)).toBe(true);
    const over = await post(c, '/customer', { DisplayName: 'Throttled Co' });
    expectThrottled(over);
    expect(over.headers.get('retry-after')).toBeNull();
    expect(sb.entities(c.realmId, 'Customer').some((r) => r['DisplayName'] === 'Throttled Co')).toBe(false);
    expectThrottled(await get(c, '/preferences'));
    const stats = sb.stats(c.realmId);
    expect(stats.throttled429).toBe(2);
    expect(stats.faultsByCode['3001']).toBe(2);
    expect(stats.maxRequestsInAnyWindow).toBe(22);
    sb.advanceClock(1001);
    expect((await get(c, '/preferences')).status).toBe(200);
  });

  it('more than 3 in flight -> 429 for the extra ones', async () => {
    sb.advanceClock(5000);
    sb.resetStats(c.realmId);
    sb.injectFault(c.realmId, { kind: 'latency', latencyMs: 400, times: 3 });
    const results = await Promise.all(Array.from({ length: 6 }, () => get(c, '/preferences')));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 200, 429, 429, 429]);
    expect(sb.stats(c.realmId).maxConcurrencySeen).toBe(3);
    sb.clearFaults(c.realmId);
  });

  it('Retry-After can be switched on', async () => {
    sb.advanceClock(5000);
    sb.setLimits(c.realmId, { retryAfterSeconds: 7, requestsPerWindow: 1 });
    expect((await get(c, '/preferences')).status).toBe(200);
    const res = await get(c, '/preferences');
    expectThrottled(res);
    expect(res.headers.get('retry-after')).toBe('7');
    sb.setLimits(c.realmId, { retryAfterSeconds: 0, requestsPerWindow: 20 });
  });

  it('batch requests have their own window', async () => {
    sb.advanceClock(5000);
    const batch = { BatchItemRequest: [{ bId: 'q', Query: 'select * from TaxCode' }] };
    expect((await post(c, '/batch', batch)).status).toBe(200);
    expect((await post(c, '/batch', batch)).status).toBe(200);
    expectThrottled(await post(c, '/batch', batch));
    expect((await get(c, '/preferences')).status).toBe(200);
  });
});

describe('batch', () => {
  let sb: RunningSandbox;
  let c: Company;
  beforeAll(async () => {
    sb = await start();
    c = await company(sb);
  });
  afterAll(() => sb.close());

  it('runs creates, updates, deletes and queries; item faults come back in place with HTTP 200', async () => {
    const cust = await newCustomer(c, 'Batch Co');
    const res = await post(c, '/batch', {
      BatchItemRequest: [
        { bId: 'c1', operation: 'create', Customer: { DisplayName: 'Batch New' } },
        { bId: 'c2', operation: 'create', Customer: { DisplayName: 'batch co' } },
        {
          bId: 'i1',
          operation: 'create',
          Invoice: {
            CustomerRef: { value: cust },
            Line: [
              {
                Amount: 9,
                DetailType: 'SalesItemLineDetail',
                SalesItemLineDetail: { ItemRef: { value: c.ids.items.storage } },
              },
            ],
          },
        },
        { bId: 'u1', operation: 'update', Customer: { Id: cust, SyncToken: '7', sparse: true, Notes: 'x' } },
        { bId: 'q1', Query: "select * from Customer where DisplayName = 'Batch Co'" },
      ],
    });
    expect(res.status).toBe(200);
    const items = arr(res.body['BatchItemResponse']);
    expect(items.map((i) => i['bId'])).toEqual(['c1', 'c2', 'i1', 'u1', 'q1']);
    expect(items[0]?.['Customer']?.['DisplayName']).toBe('Batch New');
    expect(arr(items[1]?.['Fault']?.['Error'])[0]?.['code']).toBe('6240');
    expect(items[2]?.['Invoice']?.['TotalAmt']).toBe(9);
    expect(arr(items[3]?.['Fault']?.['Error'])[0]?.['code']).toBe('5010');
    expect(arr(items[4]?.['QueryResponse']?.['Customer'])).toHaveLength(1);
    const inv = items[2]?.['Invoice'];
    const del = await post(c, '/batch', {
      BatchItemRequest: [
        { bId: 'd1', operation: 'delete', Invoice: { Id: inv?.['Id'], SyncToken: inv?.['SyncToken'] } },
      ],
    });
    expect(arr(del.body['BatchItemResponse'])[0]?.['Invoice']?.['status']).toBe('Deleted');
    expect(sb.stats(c.realmId).writesByEntity['Invoice']).toBe(2);
  });

  it('more than 30 items -> 400 / 1040', async () => {
    const items = Array.from({ length: 31 }, (_, i) => ({ bId: `b${i}`, Query: 'select * from TaxCode' }));
    const res = await post(c, '/batch', { BatchItemRequest: items });
    expect(res.status).toBe(400);
    expect(faultCode(res)).toBe('1040');
  });

  it('batch with a requestid replays', async () => {
    const body = { BatchItemRequest: [{ bId: 'x', operation: 'create', Customer: { DisplayName: 'Batch Replay' } }] };
    const a = await post(c, '/batch?requestid=batch-1', body);
    const b = await post(c, '/batch?requestid=batch-1', body);
    expect(b.text).toBe(a.text);
    expect(sb.entities(c.realmId, 'Customer').filter((r) => r['DisplayName'] === 'Batch Replay')).toHaveLength(1);
    const longBid = await post(c, '/batch?requestid=batch-2', {
      BatchItemRequest: [{ bId: 'x'.repeat(11), Query: 'select * from TaxCode' }],
    });
    expect(longBid.status).toBe(400);
    const viaApi = await api(c, 'POST', '/batch', { BatchItemRequest: [] });
    expect(faultCode(viaApi)).toBe('2020');
  });
});
