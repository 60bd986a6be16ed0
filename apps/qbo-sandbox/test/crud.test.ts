import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { RunningSandbox } from '../src/index.js';
import {
  arr,
  type Company,
  company,
  faultCode,
  faultDetail,
  get,
  newCustomer,
  newInvoice,
  post,
  start,
} from './helpers.js';

describe('CRUD and SyncToken', () => {
  let sb: RunningSandbox;
  let c: Company;
  beforeAll(async () => {
    sb = await start();
    c = await company(sb);
  });
  afterAll(() => sb.close());

  it('create returns QBO-shaped bodies with Id, SyncToken 0, MetaData and time', async () => {
    const res = await post(c, '/customer?minorversion=75', {
      DisplayName: 'Shape Co',
      PrimaryEmailAddr: { Address: 'a@shape.example' },
      BillAddr: { Line1: '1 Main St', City: 'Springfield' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    const cust = res.body['Customer'];
    expect(cust?.['Id']).toMatch(/^\d+$/);
    expect(cust?.['SyncToken']).toBe('0');
    expect(cust?.['Active']).toBe(true);
    expect(cust?.['Balance']).toBe(0);
    expect(cust?.['BillAddr']?.['City']).toBe('Springfield');
    expect(cust?.['MetaData']?.['CreateTime']).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}-07:00$/);
    expect(String(res.body['time'])).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });

  it('full update clears omitted fields, sparse update keeps them; SyncToken increments as a string', async () => {
    const created = await post(c, '/customer', { DisplayName: 'Upd Co', CompanyName: 'Upd Inc', Notes: 'keep?' });
    const id = String(created.body['Customer']?.['Id']);
    const sparse = await post(c, '/customer', { Id: id, SyncToken: '0', sparse: true, Notes: 'changed' });
    expect(sparse.status).toBe(200);
    expect(sparse.body['Customer']?.['SyncToken']).toBe('1');
    expect(sparse.body['Customer']?.['CompanyName']).toBe('Upd Inc');
    expect(sparse.body['Customer']?.['Notes']).toBe('changed');
    const full = await post(c, '/customer?operation=update', { Id: id, SyncToken: '1', DisplayName: 'Upd Co' });
    expect(full.body['Customer']?.['SyncToken']).toBe('2');
    expect(full.body['Customer']?.['CompanyName']).toBeUndefined();
    expect(full.body['Customer']?.['Notes']).toBeUndefined();
  });

  it('a stale SyncToken -> 400 fault 5010 and nothing changes', async () => {
    const id = await newCustomer(c, 'Stale Co');
    expect((await post(c, '/customer', { Id: id, SyncToken: '0', sparse: true, Notes: 'one' })).status).toBe(200);
    const stale = await post(c, '/customer', { Id: id, SyncToken: '0', sparse: true, Notes: 'two' });
    expect(stale.status).toBe(400);
    expect(faultCode(stale)).toBe('5010');
    expect(stale.body['Fault']?.['type']).toBe('ValidationFault');
    expect(arr(stale.body['Fault']?.['Error'])[0]?.['Message']).toBe('Stale Object Error');
    expect((await get(c, `/customer/${id}`)).body['Customer']?.['Notes']).toBe('one');
  });

  it('update without SyncToken -> 2020', async () => {
    const id = await newCustomer(c, 'NoToken Co');
    const res = await post(c, '/customer', { Id: id, sparse: true, Notes: 'x' });
    expect(faultCode(res)).toBe('2020');
    expect(faultDetail(res)).toContain('SyncToken');
  });

  it('reads of a missing id -> 400 fault 610', async () => {
    const res = await get(c, '/customer/99999');
    expect(res.status).toBe(400);
    expect(faultCode(res)).toBe('610');
  });

  it('customers are deactivated, not deleted; QBO renames them "(deleted)"', async () => {
    const id = await newCustomer(c, 'Gone Co');
    const del = await post(c, '/customer?operation=delete', { Id: id, SyncToken: '0' });
    expect(del.status).toBe(400);
    expect(faultCode(del)).toBe('500');
    const off = await post(c, '/customer', { Id: id, SyncToken: '0', sparse: true, Active: false });
    expect(off.body['Customer']?.['Active']).toBe(false);
    expect(off.body['Customer']?.['DisplayName']).toBe('Gone Co (deleted)');
    // The original name is free again.
    expect((await post(c, '/customer', { DisplayName: 'Gone Co' })).status).toBe(200);
  });

  it('vendor and employee share the customer name space', async () => {
    const v = await post(c, '/vendor', { DisplayName: 'Box Supply' });
    expect(v.status).toBe(200);
    const e = await post(c, '/employee', { GivenName: 'Eve', FamilyName: 'Mover' });
    expect(e.body['Employee']?.['DisplayName']).toBe('Eve Mover');
    const clash = await post(c, '/customer', { DisplayName: 'eve mover' });
    expect(faultCode(clash)).toBe('6240');
  });

  it('items, accounts and payment methods: create, read, update, deactivate', async () => {
    const acct = await post(c, '/account', { Name: 'Fuel', AccountType: 'Expense' });
    expect(acct.body['Account']?.['Classification']).toBe('Expense');
    const item = await post(c, '/item', {
      Name: 'Truck Rental',
      Type: 'Service',
      UnitPrice: 99.99,
      IncomeAccountRef: { value: c.ids.accounts.services },
    });
    expect(item.status).toBe(200);
    const itemId = String(item.body['Item']?.['Id']);
    expect(item.body['Item']?.['IncomeAccountRef']?.['name']).toBe('Services');
    const off = await post(c, '/item', { Id: itemId, SyncToken: '0', sparse: true, Active: false });
    expect(off.body['Item']?.['Active']).toBe(false);
    const pm = await post(c, '/paymentmethod', { Name: 'Wire', Type: 'NON_CREDIT_CARD' });
    expect(pm.body['PaymentMethod']?.['Name']).toBe('Wire');
    const dupPm = await post(c, '/paymentmethod', { Name: 'wire' });
    expect(faultCode(dupPm)).toBe('6240');
    const badType = await post(c, '/account', { Name: 'Weird', AccountType: 'Nonsense' });
    expect(faultCode(badType)).toBe('2170');
  });

  it('tax codes are seeded and read-only', async () => {
    const tax = await get(c, '/taxcode/TAX');
    expect(tax.body['TaxCode']?.['Taxable']).toBe(true);
    const create = await post(c, '/taxcode', { Name: 'NEW' });
    expect(faultCode(create)).toBe('500');
  });

  it('unknown fields are rejected like QBO (2010)', async () => {
    const res = await post(c, '/customer', { Displayname: 'Typo Co' });
    expect(res.status).toBe(400);
    expect(faultCode(res)).toBe('2010');
    expect(faultDetail(res)).toContain('Displayname');
  });

  it('invoice: totals from lines, SubTotalLine appended, DocNumber kept; delete', async () => {
    const cust = await newCustomer(c, 'Inv Co');
    const res = await post(c, '/invoice', {
      CustomerRef: { value: cust },
      DocNumber: 'INV-1',
      TxnDate: '2024-03-01',
      Line: [
        {
          Amount: 240,
          DetailType: 'SalesItemLineDetail',
          SalesItemLineDetail: { ItemRef: { value: c.ids.items.movingLabor }, Qty: 2, UnitPrice: 120 },
        },
        { DetailType: 'DescriptionOnly', Description: 'Thanks for your business' },
        {
          Amount: 0.1,
          DetailType: 'SalesItemLineDetail',
          SalesItemLineDetail: { ItemRef: { value: c.ids.items.packingMaterials } },
        },
        {
          Amount: 0.2,
          DetailType: 'SalesItemLineDetail',
          SalesItemLineDetail: { ItemRef: { value: c.ids.items.packingMaterials } },
        },
      ],
    });
    expect(res.status).toBe(200);
    const inv = res.body['Invoice'];
    expect(inv?.['TotalAmt']).toBe(240.3);
    expect(inv?.['Balance']).toBe(240.3);
    expect(inv?.['DocNumber']).toBe('INV-1');
    expect(inv?.['DueDate']).toBe('2024-03-31');
    expect(inv?.['CustomerRef']?.['name']).toBe('Inv Co');
    const lines = arr(inv?.['Line']);
    expect(lines).toHaveLength(5);
    expect(lines[4]?.['DetailType']).toBe('SubTotalLineDetail');
    expect(lines[4]?.['Amount']).toBe(240.3);
    expect((await get(c, `/customer/${cust}`)).body['Customer']?.['Balance']).toBe(240.3);
    // Sending the read object back (incl. SubTotalLine) is a valid full update.
    const back = await post(c, '/invoice', { ...inv, PrivateNote: 'edited' });
    expect(back.status).toBe(200);
    expect(back.body['Invoice']?.['TotalAmt']).toBe(240.3);
    const del = await post(c, '/invoice?operation=delete', {
      Id: inv?.['Id'],
      SyncToken: back.body['Invoice']?.['SyncToken'],
    });
    expect(del.status).toBe(200);
    expect(del.body['Invoice']?.['status']).toBe('Deleted');
    const read = await get(c, `/invoice/${String(inv?.['Id'])}`);
    expect(faultCode(read)).toBe('610');
    expect(faultDetail(read)).toContain('deleted');
    expect((await get(c, `/customer/${cust}`)).body['Customer']?.['Balance']).toBe(0);
  });

  it('invoice sparse update recomputes totals; void zeroes it and notes "Voided"', async () => {
    const cust = await newCustomer(c, 'Void Co');
    const inv = await newInvoice(c, cust, 100, 'V-1');
    const upd = await post(c, '/invoice', {
      Id: inv['Id'],
      SyncToken: inv['SyncToken'],
      sparse: true,
      Line: [
        {
          Amount: 150.5,
          DetailType: 'SalesItemLineDetail',
          SalesItemLineDetail: { ItemRef: { value: c.ids.items.storage } },
        },
      ],
    });
    expect(upd.body['Invoice']?.['TotalAmt']).toBe(150.5);
    expect(upd.body['Invoice']?.['DocNumber']).toBe('V-1');
    const voided = await post(c, '/invoice?operation=void', {
      Id: inv['Id'],
      SyncToken: upd.body['Invoice']?.['SyncToken'],
    });
    expect(voided.status).toBe(200);
    const v = voided.body['Invoice'];
    expect(v?.['TotalAmt']).toBe(0);
    expect(v?.['Balance']).toBe(0);
    expect(String(v?.['PrivateNote'])).toContain('Voided');
    expect(arr(v?.['Line']).every((l) => Number(l['Amount']) === 0)).toBe(true);
  });

  it('purchase create / read / delete', async () => {
    const res = await post(c, '/purchase', {
      PaymentType: 'Cash',
      AccountRef: { value: c.ids.accounts.checking },
      Line: [
        {
          Amount: 42.42,
          DetailType: 'AccountBasedExpenseLineDetail',
          AccountBasedExpenseLineDetail: { AccountRef: { value: c.ids.accounts.officeExpenses } },
        },
      ],
    });
    expect(res.status).toBe(200);
    const p = res.body['Purchase'];
    expect(p?.['TotalAmt']).toBe(42.42);
    expect(p?.['AccountRef']?.['name']).toBe('Checking');
    const del = await post(c, '/purchase?operation=delete', { Id: p?.['Id'], SyncToken: p?.['SyncToken'] });
    expect(del.body['Purchase']?.['status']).toBe('Deleted');
  });

  it('preferences and companyinfo', async () => {
    const prefs = await get(c, '/preferences?minorversion=75');
    expect(prefs.body['Preferences']?.['SalesFormsPrefs']?.['CustomTxnNumbers']).toBe(true);
    const info = await get(c, `/companyinfo/${c.realmId}`);
    expect(info.body['CompanyInfo']?.['CompanyName']).toContain('Sandbox Company');
    expect(faultCode(await get(c, '/companyinfo/123'))).toBe('610');
  });

  it('auto-numbers invoices when CustomTxnNumbers is off', async () => {
    sb.setPreferences(c.realmId, { SalesFormsPrefs: { CustomTxnNumbers: false } });
    const cust = await newCustomer(c, 'Auto Co');
    const a = await newInvoice(c, cust, 10);
    const b = await newInvoice(c, cust, 10);
    expect(a['DocNumber']).toMatch(/^\d+$/);
    expect(Number(b['DocNumber'])).toBe(Number(a['DocNumber']) + 1);
    sb.setPreferences(c.realmId, { SalesFormsPrefs: { CustomTxnNumbers: true } });
    const none = await newInvoice(c, cust, 10);
    expect(none['DocNumber']).toBeUndefined();
  });

  it('unknown resources -> 400 unsupported operation', async () => {
    const res = await get(c, '/widget/1');
    expect(res.status).toBe(400);
    expect(faultCode(res)).toBe('500');
  });
});
