import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { RunningSandbox } from '../src/index.js';
import { arr, type Company, company, faultCode, get, type J, newCustomer, newInvoice, post, start } from './helpers.js';

describe('balances, unapplied amounts and linked transactions', () => {
  let sb: RunningSandbox;
  let c: Company;
  beforeAll(async () => {
    sb = await start();
    c = await company(sb);
  });
  afterAll(() => sb.close());

  const invoice = async (id: unknown): Promise<J> => (await get(c, `/invoice/${String(id)}`)).body['Invoice'] ?? {};
  const balanceOf = async (customerId: string): Promise<unknown> =>
    (await get(c, `/customer/${customerId}`)).body['Customer']?.['Balance'];
  const pay = (customerId: string, total: number, lines: [unknown, number][], extra: Record<string, unknown> = {}) =>
    post(c, '/payment', {
      CustomerRef: { value: customerId },
      TotalAmt: total,
      Line: lines.map(([id, amount]) => ({ Amount: amount, LinkedTxn: [{ TxnId: id, TxnType: 'Invoice' }] })),
      ...extra,
    });

  it('a partial payment reduces Balance and links both sides; the rest stays unapplied', async () => {
    const cust = await newCustomer(c, 'Partial Co');
    const a = await newInvoice(c, cust, 100);
    const b = await newInvoice(c, cust, 50.25);
    const res = await pay(
      cust,
      200,
      [
        [a['Id'], 60.1],
        [b['Id'], 50.25],
      ],
      { PaymentMethodRef: { value: c.ids.paymentMethods.check }, PaymentRefNum: '1042' },
    );
    expect(res.status).toBe(200);
    const p = res.body['Payment'];
    expect(p?.['UnappliedAmt']).toBe(89.65);
    expect(p?.['DepositToAccountRef']?.['value']).toBe(c.ids.accounts.undepositedFunds);
    expect(arr(p?.['Line'])[0]?.['LinkedTxn']).toEqual([{ TxnId: a['Id'], TxnType: 'Invoice' }]);
    const invA = await invoice(a['Id']);
    expect(invA['Balance']).toBe(39.9);
    expect(invA['LinkedTxn']).toEqual([{ TxnId: p?.['Id'], TxnType: 'Payment' }]);
    expect(invA['SyncToken']).toBe('1');
    expect((await invoice(b['Id']))['Balance']).toBe(0);
    // Open invoices 39.90 minus unapplied credit 89.65.
    expect(await balanceOf(cust)).toBe(-49.75);
  });

  it('updating a payment re-links (all lines replaced) and restores balances', async () => {
    const cust = await newCustomer(c, 'Relink Co');
    const a = await newInvoice(c, cust, 100);
    const b = await newInvoice(c, cust, 100);
    const created = (await pay(cust, 100, [[a['Id'], 100]])).body['Payment'] ?? {};
    expect((await invoice(a['Id']))['Balance']).toBe(0);
    const upd = await post(c, '/payment', {
      Id: created['Id'],
      SyncToken: created['SyncToken'],
      sparse: true,
      Line: [{ Amount: 70, LinkedTxn: [{ TxnId: b['Id'], TxnType: 'Invoice' }] }],
    });
    expect(upd.status).toBe(200);
    expect(upd.body['Payment']?.['UnappliedAmt']).toBe(30);
    expect((await invoice(a['Id']))['Balance']).toBe(100);
    expect((await invoice(a['Id']))['LinkedTxn']).toEqual([]);
    expect((await invoice(b['Id']))['Balance']).toBe(30);
    // Re-applying the full amount of an invoice this payment already covers is fine.
    const again = await post(c, '/payment', {
      Id: created['Id'],
      SyncToken: upd.body['Payment']?.['SyncToken'],
      sparse: true,
      Line: [{ Amount: 100, LinkedTxn: [{ TxnId: b['Id'], TxnType: 'Invoice' }] }],
    });
    expect(again.status).toBe(200);
    expect((await invoice(b['Id']))['Balance']).toBe(0);
  });

  it('voiding a payment (operation=update&include=void) restores invoice balances', async () => {
    const cust = await newCustomer(c, 'VoidPay Co');
    const inv = await newInvoice(c, cust, 80);
    const p = (await pay(cust, 80, [[inv['Id'], 80]])).body['Payment'] ?? {};
    const voided = await post(c, '/payment?operation=update&include=void', {
      Id: p['Id'],
      SyncToken: p['SyncToken'],
      sparse: true,
    });
    expect(voided.status).toBe(200);
    expect(voided.body['Payment']?.['TotalAmt']).toBe(0);
    expect(voided.body['Payment']?.['UnappliedAmt']).toBe(0);
    expect(String(voided.body['Payment']?.['PrivateNote'])).toContain('Voided');
    const after = await invoice(inv['Id']);
    expect(after['Balance']).toBe(80);
    expect(after['LinkedTxn']).toEqual([]);
    expect(await balanceOf(cust)).toBe(80);
  });

  it('deleting a payment restores balances', async () => {
    const cust = await newCustomer(c, 'DelPay Co');
    const inv = await newInvoice(c, cust, 45);
    const p = (await pay(cust, 45, [[inv['Id'], 45]])).body['Payment'] ?? {};
    expect((await invoice(inv['Id']))['Balance']).toBe(0);
    const del = await post(c, '/payment?operation=delete', { Id: p['Id'], SyncToken: p['SyncToken'] });
    expect(del.body['Payment']?.['status']).toBe('Deleted');
    expect((await invoice(inv['Id']))['Balance']).toBe(45);
    expect(faultCode(await get(c, `/payment/${String(p['Id'])}`))).toBe('610');
  });

  it('voiding or deleting a paid invoice leaves the payment as unapplied credit', async () => {
    const cust = await newCustomer(c, 'VoidInv Co');
    const inv = await newInvoice(c, cust, 30);
    const p = (await pay(cust, 30, [[inv['Id'], 30]])).body['Payment'] ?? {};
    const cur = await invoice(inv['Id']);
    const voided = await post(c, '/invoice?operation=void', { Id: cur['Id'], SyncToken: cur['SyncToken'] });
    expect(voided.status).toBe(200);
    const pay2 = (await get(c, `/payment/${String(p['Id'])}`)).body['Payment'];
    expect(pay2?.['UnappliedAmt']).toBe(30);
    expect(pay2?.['Line']).toEqual([]);
    expect(await balanceOf(cust)).toBe(-30);
    // A voided invoice has no balance left to pay.
    const late = await pay(cust, 5, [[inv['Id'], 5]]);
    expect(faultCode(late)).toBe('6000');
    expect(
      faultCode(
        await post(c, '/invoice', {
          Id: cur['Id'],
          SyncToken: voided.body['Invoice']?.['SyncToken'],
          sparse: true,
          PrivateNote: 'x',
        }),
      ),
    ).toBe('6000');
  });

  it('an invoice cannot drop below what has been paid on it', async () => {
    const cust = await newCustomer(c, 'Shrink Co');
    const inv = await newInvoice(c, cust, 100);
    await pay(cust, 60, [[inv['Id'], 60]]);
    const cur = await invoice(inv['Id']);
    const shrink = await post(c, '/invoice', {
      Id: cur['Id'],
      SyncToken: cur['SyncToken'],
      sparse: true,
      Line: [
        {
          Amount: 50,
          DetailType: 'SalesItemLineDetail',
          SalesItemLineDetail: { ItemRef: { value: c.ids.items.storage } },
        },
      ],
    });
    expect(faultCode(shrink)).toBe('6000');
    const grow = await post(c, '/invoice', {
      Id: cur['Id'],
      SyncToken: cur['SyncToken'],
      sparse: true,
      Line: [
        {
          Amount: 120,
          DetailType: 'SalesItemLineDetail',
          SalesItemLineDetail: { ItemRef: { value: c.ids.items.storage } },
        },
      ],
    });
    expect(grow.body['Invoice']?.['Balance']).toBe(60);
  });

  it('refund recipe: an A/R expense to the customer, linked from the unapplied payment', async () => {
    const cust = await newCustomer(c, 'Refund Co');
    const p = (await pay(cust, 100, [])).body['Payment'] ?? {};
    expect(p['UnappliedAmt']).toBe(100);
    expect(await balanceOf(cust)).toBe(-100);
    const refund = await post(c, '/purchase', {
      PaymentType: 'Check',
      AccountRef: { value: c.ids.accounts.clientTrust },
      EntityRef: { value: cust, type: 'Customer' },
      Line: [
        {
          Amount: 100,
          DetailType: 'AccountBasedExpenseLineDetail',
          AccountBasedExpenseLineDetail: { AccountRef: { value: c.ids.accounts.accountsReceivable } },
        },
      ],
    });
    expect(refund.status).toBe(200);
    expect(await balanceOf(cust)).toBe(0);
    const linked = await post(c, '/payment', {
      Id: p['Id'],
      SyncToken: p['SyncToken'],
      sparse: true,
      Line: [{ Amount: 100, LinkedTxn: [{ TxnId: refund.body['Purchase']?.['Id'], TxnType: 'Check' }] }],
    });
    expect(linked.status).toBe(200);
    expect(linked.body['Payment']?.['UnappliedAmt']).toBe(0);
    const pur = (await get(c, `/purchase/${String(refund.body['Purchase']?.['Id'])}`)).body['Purchase'];
    expect(pur?.['LinkedTxn']).toEqual([{ TxnId: p['Id'], TxnType: 'Payment' }]);
    expect(await balanceOf(cust)).toBe(0);
  });
});
