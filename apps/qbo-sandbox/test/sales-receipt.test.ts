import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { RunningSandbox } from '../src/index.js';
import { type Company, company, faultCode, faultDetail, get, newCustomer, post, query, start } from './helpers.js';

describe('sales receipts and the tips (gratuity) preference', () => {
  let sb: RunningSandbox;
  let c: Company;
  beforeAll(async () => {
    sb = await start();
    c = await company(sb);
  });
  afterAll(() => sb.close());

  const tipReceipt = (customerId: string, amount: number) =>
    post(c, '/salesreceipt', {
      CustomerRef: { value: customerId },
      DepositToAccountRef: { value: c.ids.accounts.checking },
      PrivateNote: 'tip',
      Line: [
        {
          Amount: amount,
          DetailType: 'SalesItemLineDetail',
          SalesItemLineDetail: { ItemRef: { value: 'GRATUITY_ITEM_ID' } },
        },
      ],
    });

  it('refuses a gratuity line while the company has tips turned off (the default)', async () => {
    const prefs = (await get(c, '/preferences')).body['Preferences'];
    expect(prefs?.['OtherPrefs']).toEqual({ NameValue: [{ Name: 'SalesFormsPrefs.AllowGratuity', Value: 'false' }] });
    const cust = await newCustomer(c, 'Tipper One');
    const res = await tipReceipt(cust, 15);
    expect(res.status).toBe(400);
    expect(faultCode(res)).toBe('6000');
    expect(faultDetail(res)).toContain('Tips are turned off');
  });

  it('takes a gratuity line once tips are on, and a mapped item line in any company', async () => {
    sb.setPreferences(c.realmId, {
      OtherPrefs: { NameValue: [{ Name: 'SalesFormsPrefs.AllowGratuity', Value: 'true' }] },
    });
    const cust = await newCustomer(c, 'Tipper Two');
    const res = await tipReceipt(cust, 15.5);
    expect(res.status).toBe(200);
    expect(res.body['SalesReceipt']).toMatchObject({
      TotalAmt: 15.5,
      Balance: 0,
      CustomerRef: { value: cust },
      DepositToAccountRef: { value: c.ids.accounts.checking },
      Line: [
        { Amount: 15.5, SalesItemLineDetail: { ItemRef: { value: 'GRATUITY_ITEM_ID', name: 'Gratuity' } } },
        { Amount: 15.5, DetailType: 'SubTotalLineDetail' },
      ],
    });
    const item = await post(c, '/salesreceipt', {
      CustomerRef: { value: cust },
      Line: [
        {
          Amount: 3,
          DetailType: 'SalesItemLineDetail',
          SalesItemLineDetail: { ItemRef: { value: c.ids.items.consultation } },
        },
      ],
    });
    expect(item.status).toBe(200);
    const found = await query(c, `select * from SalesReceipt where CustomerRef = '${cust}'`);
    expect(found.body['QueryResponse']?.['SalesReceipt']).toHaveLength(2);
  });

  it('voids a receipt to zero, keeping its memo', async () => {
    const cust = await newCustomer(c, 'Tipper Three');
    const made = (await tipReceipt(cust, 4)).body['SalesReceipt'];
    const res = await post(c, '/salesreceipt?operation=void', {
      Id: made?.['Id'],
      SyncToken: made?.['SyncToken'],
      sparse: true,
    });
    expect(res.status).toBe(200);
    expect(res.body['SalesReceipt']).toMatchObject({ TotalAmt: 0, PrivateNote: 'Voided - tip' });
  });
});
