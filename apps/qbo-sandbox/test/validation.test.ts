import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { RunningSandbox } from '../src/index.js';
import {
  arr,
  type Company,
  company,
  faultCode,
  faultDetail,
  newCustomer,
  newInvoice,
  post,
  type Res,
  start,
} from './helpers.js';

const element = (res: Res): unknown => arr(res.body['Fault']?.['Error'])[0]?.['element'];

describe('validation faults', () => {
  let sb: RunningSandbox;
  let c: Company;
  let cust: string;
  const line = (
    amount: number | string,
    extra: Record<string, unknown> = {},
    item?: string,
  ): Record<string, unknown> => ({
    Amount: amount,
    DetailType: 'SalesItemLineDetail',
    SalesItemLineDetail: { ItemRef: { value: item ?? c.ids.items.movingLabor }, ...extra },
  });
  beforeAll(async () => {
    sb = await start();
    c = await company(sb);
    cust = await newCustomer(c, 'Valid Co');
  });
  afterAll(() => sb.close());

  it('duplicate DisplayName (case-insensitive, across Customer/Vendor/Employee) -> 6240 naming the Id', async () => {
    const res = await post(c, '/customer', { DisplayName: '  VALID co ' });
    expect(res.status).toBe(400);
    expect(faultCode(res)).toBe('6240');
    expect(arr(res.body['Fault']?.['Error'])[0]?.['Message']).toBe('Duplicate Name Exists Error');
    expect(faultDetail(res)).toContain(`Id=${cust}`);
    expect(faultCode(await post(c, '/vendor', { DisplayName: 'valid CO' }))).toBe('6240');
    expect(sb.entities(c.realmId, 'Vendor')).toHaveLength(0);
  });

  it('DisplayName with colon, tab or newline -> 6000; over 500 chars -> 2050; no name -> 6080', async () => {
    for (const bad of ['A:B', 'A\tB', 'A\nB']) {
      const res = await post(c, '/customer', { DisplayName: bad });
      expect(faultCode(res)).toBe('6000');
      expect(element(res)).toBe('DisplayName');
    }
    const long = await post(c, '/customer', { DisplayName: 'x'.repeat(501) });
    expect(faultCode(long)).toBe('2050');
    expect(faultDetail(long)).toContain('Max:500');
    expect((await post(c, '/customer', { DisplayName: 'y'.repeat(500) })).status).toBe(200);
    expect(faultCode(await post(c, '/customer', { Notes: 'nameless' }))).toBe('6080');
    expect(
      faultCode(await post(c, '/customer', { DisplayName: 'Mail Co', PrimaryEmailAddr: { Address: 'nope' } })),
    ).toBe('6000');
  });

  it('duplicate invoice DocNumber -> 6140 unless include=allowduplicatedocnum', async () => {
    const first = await newInvoice(c, cust, 10, 'DUP-1');
    const dup = await post(c, '/invoice', { CustomerRef: { value: cust }, DocNumber: 'DUP-1', Line: [line(120)] });
    expect(dup.status).toBe(400);
    expect(faultCode(dup)).toBe('6140');
    expect(arr(dup.body['Fault']?.['Error'])[0]?.['Message']).toBe('Duplicate Document Number Error');
    expect(faultDetail(dup)).toContain(`TxnId=${String(first['Id'])}`);
    const allowed = await post(c, '/invoice?include=allowduplicatedocnum', {
      CustomerRef: { value: cust },
      DocNumber: 'DUP-1',
      Line: [line(120)],
    });
    expect(allowed.status).toBe(200);
  });

  it('DocNumber over 21 characters -> 2050 on element DocNumber', async () => {
    const res = await post(c, '/invoice', {
      CustomerRef: { value: cust },
      DocNumber: 'D'.repeat(22),
      Line: [line(120)],
    });
    expect(faultCode(res)).toBe('2050');
    expect(element(res)).toBe('DocNumber');
    expect(
      (await post(c, '/invoice', { CustomerRef: { value: cust }, DocNumber: 'D'.repeat(21), Line: [line(120)] }))
        .status,
    ).toBe(200);
  });

  it('missing required fields -> 2020', async () => {
    const noCustomer = await post(c, '/invoice', { Line: [line(120)] });
    expect(faultCode(noCustomer)).toBe('2020');
    expect(faultDetail(noCustomer)).toBe('Required parameter CustomerRef is missing in the request');
    expect(faultCode(await post(c, '/invoice', { CustomerRef: { value: cust } }))).toBe('2020');
    expect(faultCode(await post(c, '/payment', { CustomerRef: { value: cust } }))).toBe('2020');
    expect(faultCode(await post(c, '/item', { Name: 'No Income', Type: 'Service' }))).toBe('2020');
  });

  it('missing references -> 2500; inactive references -> 610', async () => {
    const ghost = await post(c, '/invoice', { CustomerRef: { value: '424242' }, Line: [line(120)] });
    expect(faultCode(ghost)).toBe('2500');
    expect(arr(ghost.body['Fault']?.['Error'])[0]?.['Message']).toBe('Invalid Reference Id');
    expect(faultCode(await post(c, '/invoice', { CustomerRef: { value: cust }, Line: [line(120, {}, '9999')] }))).toBe(
      '2500',
    );
    const sleepy = await newCustomer(c, 'Inactive Co');
    await post(c, '/customer', { Id: sleepy, SyncToken: '0', sparse: true, Active: false });
    const inactive = await post(c, '/invoice', { CustomerRef: { value: sleepy }, Line: [line(120)] });
    expect(faultCode(inactive)).toBe('610');
    expect(arr(inactive.body['Fault']?.['Error'])[0]?.['Message']).toBe('Object Not Found');
  });

  it('Amount must equal Qty x UnitPrice (6070), computed exactly', async () => {
    const bad = await post(c, '/invoice', {
      CustomerRef: { value: cust },
      Line: [line(100, { Qty: 3, UnitPrice: 33.33 })],
    });
    expect(faultCode(bad)).toBe('6070');
    expect(faultDetail(bad)).toContain('Amount is not equal to UnitPrice * Qty');
    // 3 x 33.333 = 99.999 -> 100.00 after rounding; 3 x 0.1 = 0.3 exactly.
    const ok = await post(c, '/invoice', {
      CustomerRef: { value: cust },
      Line: [
        line(100, { Qty: 3, UnitPrice: 33.333 }),
        line(0.3, { Qty: 3, UnitPrice: 0.1 }, c.ids.items.packingMaterials),
      ],
    });
    expect(ok.status).toBe(200);
    expect(ok.body['Invoice']?.['TotalAmt']).toBe(100.3);
    const threeDecimals = await post(c, '/invoice', { CustomerRef: { value: cust }, Line: [line('10.005')] });
    expect(faultCode(threeDecimals)).toBe('6000');
  });

  it('invalid line TaxCodeRef -> 6100; unsupported line types -> 6000', async () => {
    expect(
      faultCode(
        await post(c, '/invoice', {
          CustomerRef: { value: cust },
          Line: [line(120, { TaxCodeRef: { value: 'VAT' } })],
        }),
      ),
    ).toBe('6100');
    const taxed = await post(c, '/invoice', {
      CustomerRef: { value: cust },
      Line: [line(120, { TaxCodeRef: { value: 'TAX' } })],
    });
    expect(taxed.status).toBe(200);
    const discount = await post(c, '/invoice', {
      CustomerRef: { value: cust },
      Line: [line(120), { Amount: 10, DetailType: 'DiscountLineDetail', DiscountLineDetail: { PercentBased: false } }],
    });
    expect(faultCode(discount)).toBe('6000');
  });

  it('payment applied beyond the invoice balance, or lines above TotalAmt -> 6000', async () => {
    const inv = await newInvoice(c, cust, 100);
    const over = await post(c, '/payment', {
      CustomerRef: { value: cust },
      TotalAmt: 150,
      Line: [{ Amount: 100.01, LinkedTxn: [{ TxnId: inv['Id'], TxnType: 'Invoice' }] }],
    });
    expect(faultCode(over)).toBe('6000');
    expect(faultDetail(over)).toContain('open balance');
    const sum = await post(c, '/payment', {
      CustomerRef: { value: cust },
      TotalAmt: 50,
      Line: [{ Amount: 60, LinkedTxn: [{ TxnId: inv['Id'], TxnType: 'Invoice' }] }],
    });
    expect(faultCode(sum)).toBe('6000');
    expect(faultDetail(sum)).toContain('add up to more than the total payment amount');
    const other = await newCustomer(c, 'Other Payer');
    const wrongCustomer = await post(c, '/payment', {
      CustomerRef: { value: other },
      TotalAmt: 10,
      Line: [{ Amount: 10, LinkedTxn: [{ TxnId: inv['Id'], TxnType: 'Invoice' }] }],
    });
    expect(faultCode(wrongCustomer)).toBe('6000');
    const badDeposit = await post(c, '/payment', {
      CustomerRef: { value: cust },
      TotalAmt: 10,
      DepositToAccountRef: { value: c.ids.accounts.sales },
    });
    expect(faultCode(badDeposit)).toBe('6000');
    expect(sb.entities(c.realmId, 'Payment')).toHaveLength(0);
  });

  it('purchase: A/R line needs a customer EntityRef; AccountRef must be Bank or Credit Card', async () => {
    const arLine = {
      Amount: 25,
      DetailType: 'AccountBasedExpenseLineDetail',
      AccountBasedExpenseLineDetail: { AccountRef: { value: c.ids.accounts.accountsReceivable } },
    };
    const noName = await post(c, '/purchase', {
      PaymentType: 'Cash',
      AccountRef: { value: c.ids.accounts.checking },
      Line: [arLine],
    });
    expect(faultCode(noName)).toBe('6000');
    expect(faultDetail(noName)).toContain(
      'When you use Accounts Receivable, you must choose a customer in the Name field.',
    );
    const vendor = await post(c, '/vendor', { DisplayName: 'AR Vendor' });
    const withVendor = await post(c, '/purchase', {
      PaymentType: 'Cash',
      AccountRef: { value: c.ids.accounts.checking },
      EntityRef: { value: vendor.body['Vendor']?.['Id'], type: 'Vendor' },
      Line: [arLine],
    });
    expect(faultCode(withVendor)).toBe('6000');
    const ok = await post(c, '/purchase', {
      PaymentType: 'Check',
      AccountRef: { value: c.ids.accounts.clientTrust },
      EntityRef: { value: cust, type: 'Customer' },
      Line: [arLine],
    });
    expect(ok.status).toBe(200);
    const income = await post(c, '/purchase', {
      PaymentType: 'Cash',
      AccountRef: { value: c.ids.accounts.sales },
      Line: [{ ...arLine, AccountBasedExpenseLineDetail: { AccountRef: { value: c.ids.accounts.officeExpenses } } }],
    });
    expect(faultCode(income)).toBe('6000');
    expect(element(income)).toBe('AccountRef');
    const badType = await post(c, '/purchase', {
      PaymentType: 'Barter',
      AccountRef: { value: c.ids.accounts.checking },
      Line: [arLine],
    });
    expect(faultCode(badType)).toBe('2170');
  });

  it('malformed JSON -> 400 fault, not a crash', async () => {
    const res = await fetch(`${c.base}/customer`, {
      method: 'POST',
      headers: { authorization: `Bearer ${c.token}`, 'content-type': 'application/json' },
      body: '{"DisplayName": ',
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { Fault: { Error: { code: string }[] } };
    expect(body.Fault.Error[0]?.code).toBe('2010');
  });
});
