// Change data capture, signed webhook delivery (both payload formats, batching, retries) and changes made
// "as a person in QuickBooks", over real HTTP against an in-process sandbox.
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { createEntity } from '../src/entities/crud.js';
import { defFor } from '../src/entities/registry.js';
import type { RunningSandbox } from '../src/index.js';
import { arr, type Company, company, faultCode, get, type J, newCustomer, newInvoice, start } from './helpers.js';

interface Hit {
  body: string;
  signature: string | undefined;
}

/** An endpoint answering `statuses` in turn (then 200), recording every request. */
async function endpoint(statuses: number[] = []) {
  const hits: Hit[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString('utf8');
    });
    req.on('end', () => {
      hits.push({ body, signature: req.headers['intuit-signature'] as string | undefined });
      res.writeHead(statuses.shift() ?? 200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/intuit`;
  return { url, hits, close: () => new Promise<void>((r) => server.close(() => r())) };
}

async function until<T>(fn: () => T | undefined, what: string): Promise<T> {
  const end = Date.now() + 10_000;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('change data capture', () => {
  let sb: RunningSandbox;
  let c: Company;
  beforeAll(async () => {
    sb = await start({ limits: { requestsPerWindow: 5_000 } });
    c = await company(sb);
  });
  afterAll(async () => {
    await sb.close();
  });

  it('returns objects changed since the look-back date in their latest state, deleted ones as status Deleted', async () => {
    const since = new Date(sb.sandbox.clock.now()).toISOString();
    const customerId = await newCustomer(c, 'CDC Customer');
    const kept = await newInvoice(c, customerId, 100);
    const gone = await newInvoice(c, customerId, 50);
    sb.asPerson(c.realmId, 'Invoice', String(gone['Id']), { action: 'delete' });
    const res = await get(c, `/cdc?entities=Invoice,Customer&changedSince=${encodeURIComponent(since)}`);
    expect(res.status).toBe(200);
    const responses = arr(arr(res.body['CDCResponse'])[0]?.['QueryResponse']);
    const invoices = arr(responses[0]?.['Invoice']);
    expect(invoices.map((i) => [i['Id'], i['status'] ?? null])).toEqual([
      [kept['Id'], null],
      [gone['Id'], 'Deleted'],
    ]);
    expect(invoices[0]).toMatchObject({ TotalAmt: 100 });
    expect(arr(responses[1]?.['Customer']).map((x) => x['Id'])).toEqual([customerId]);
  });

  it('refuses a look-back beyond 30 days and an entity CDC does not cover', async () => {
    const old = new Date(sb.sandbox.clock.now() - 31 * 24 * 3600 * 1000).toISOString();
    expect(faultCode(await get(c, `/cdc?entities=Invoice&changedSince=${encodeURIComponent(old)}`))).toBe('6000');
    const now = new Date(sb.sandbox.clock.now()).toISOString();
    expect(faultCode(await get(c, `/cdc?entities=TaxCode&changedSince=${encodeURIComponent(now)}`))).toBe('2010');
    expect(faultCode(await get(c, '/cdc?entities=Invoice'))).toBe('2020');
  });

  it('answers at most 1,000 objects, the oldest changes first', async () => {
    const fresh = await company(sb);
    const since = new Date(sb.sandbox.clock.now()).toISOString();
    // Written through the core (1,005 HTTP creates take seconds on a busy machine); CDC is read over HTTP.
    const realm = sb.sandbox.realm(fresh.realmId);
    const def = defFor('customer');
    if (!def) throw new Error('no customer entity');
    for (let i = 0; i < 1005; i++) createEntity(sb.sandbox.ctx(realm), def, { DisplayName: `Bulk ${i}` });
    const res = await get(fresh, `/cdc?entities=Customer&changedSince=${encodeURIComponent(since)}`);
    const rows = arr(arr(arr(res.body['CDCResponse'])[0]?.['QueryResponse'])[0]?.['Customer']);
    expect(rows).toHaveLength(1000);
    expect(rows[0]?.['DisplayName']).toBe('Bulk 0');
  });
});

describe('webhooks', () => {
  let sb: RunningSandbox;
  const closers: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    sb = await start();
  });
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });
  afterAll(async () => {
    await sb.close();
  });

  it('posts CloudEvents signed with intuit-signature = base64 HMAC-SHA256 of the body under the verifier token', async () => {
    const ep = await endpoint();
    closers.push(ep.close);
    const c = await company(sb);
    sb.configureWebhooks({ url: ep.url, verifierToken: 'verifier-1', format: 'cloudevents', batchMs: 50 });
    const customerId = await newCustomer(c, 'Hooked');
    const inv = await newInvoice(c, customerId, 10);
    const hit = await until(() => ep.hits[0], 'a webhook');
    expect(hit.signature).toBe(createHmac('sha256', 'verifier-1').update(hit.body).digest('base64'));
    const events = JSON.parse(hit.body) as J[];
    // Both changes aggregated into one POST.
    expect(events.map((e) => [e['type'], e['intuitentityid'], e['intuitaccountid'], e['specversion']])).toEqual([
      ['qbo.customer.created.v1', customerId, c.realmId, '1.0'],
      ['qbo.invoice.created.v1', inv['Id'], c.realmId, '1.0'],
    ]);
    sb.asPerson(c.realmId, 'Invoice', String(inv['Id']), { action: 'void' });
    const voided = await until(() => ep.hits[1], 'the void webhook');
    expect((JSON.parse(voided.body) as J[])[0]?.['type']).toBe('qbo.invoice.voided.v1');
  });

  it('posts the legacy eventNotifications format, one entry per company', async () => {
    const ep = await endpoint();
    closers.push(ep.close);
    const a = await company(sb);
    const b = await company(sb);
    sb.configureWebhooks({ url: ep.url, verifierToken: 'verifier-2', format: 'legacy', batchMs: 100 });
    const ca = await newCustomer(a, 'Legacy A');
    const cb = await newCustomer(b, 'Legacy B');
    const hit = await until(() => ep.hits[0], 'a webhook');
    const body = JSON.parse(hit.body) as { eventNotifications: J[] };
    expect(
      body.eventNotifications.map((n) => [n['realmId'], arr(n['dataChangeEvent']?.['entities'])[0]?.['id']]),
    ).toEqual([
      [a.realmId, ca],
      [b.realmId, cb],
    ]);
    expect(arr(body.eventNotifications[0]?.['dataChangeEvent']?.['entities'])[0]).toMatchObject({
      name: 'Customer',
      operation: 'Create',
    });
  });

  it('retries a 5xx answer after the configured delays and drops a notification refused with 401', async () => {
    const ep = await endpoint([500, 503]);
    closers.push(ep.close);
    const c = await company(sb);
    sb.configureWebhooks({
      url: ep.url,
      verifierToken: 'v3',
      format: 'cloudevents',
      batchMs: 0,
      retryDelaysMs: [20, 20],
    });
    const before = { ...sb.webhookStats() };
    await newCustomer(c, 'Retried');
    await until(() => (sb.webhookStats().delivered > before.delivered ? true : undefined), 'a delivery after retries');
    expect(ep.hits).toHaveLength(3);
    expect(ep.hits[2]?.body).toBe(ep.hits[0]?.body);
    expect(sb.webhookStats().retried - before.retried).toBe(2);
    const refusing = await endpoint([401]);
    closers.push(refusing.close);
    sb.configureWebhooks({ url: refusing.url });
    const refusedBefore = sb.webhookStats().dropped;
    await newCustomer(c, 'Refused');
    await until(() => (sb.webhookStats().dropped > refusedBefore ? true : undefined), 'the drop');
    expect(refusing.hits).toHaveLength(1);
  });

  it('sends nothing while disabled (a lost notification)', async () => {
    const ep = await endpoint();
    closers.push(ep.close);
    const c = await company(sb);
    sb.configureWebhooks({ url: ep.url, verifierToken: 'v4', batchMs: 0, enabled: false });
    const before = sb.webhookStats().posts;
    await newCustomer(c, 'Unheard');
    sb.sandbox.webhooks.flush();
    expect(sb.webhookStats().posts).toBe(before);
    expect(ep.hits).toHaveLength(0);
  });
});
