import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { waitFor } from '@qbo-sync/testkit';
import {
  event,
  type Harness,
  invoiceData,
  paymentData,
  refundData,
  startHarness,
  type Tenant,
} from '../../support/harness.js';

type Row = Record<string, unknown>;

// A refund shows on its payment (SmartMoving: "the payment will appear with the refund listed as an
// expense"): the A/R expense is linked to the payment it refunds, and the customer's A/R nets right.
describe('a refund is linked to the payment it refunds', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('refund-links');
  });
  afterAll(async () => {
    await h.close();
  });

  async function qboState(t: Tenant) {
    const customer = (await h.entities(t.realmId, 'Customer')).find((c) => c['DisplayName'] === 'John Brown');
    const [payment] = await h.entities(t.realmId, 'Payment');
    const [purchase] = await h.entities(t.realmId, 'Purchase');
    const invoices = await h.entities(t.realmId, 'Invoice');
    return { customer: customer as Row, payment: payment as Row, purchase: purchase as Row, invoice: invoices[0] };
  }

  it('payment then full refund: the payment carries the expense, the invoice is open again, A/R 370.00', async () => {
    const t = await h.tenant();
    await h.publish(event(t.id, 'invoice.sent', invoiceData()));
    await h.publish(event(t.id, 'payment.accepted', paymentData()));
    await h.waitStatus(t.id, 'payment', 'PAY-1', 'synced');
    expect((await qboState(t)).customer['Balance']).toBe(0);

    await h.publish(event(t.id, 'refund.issued', refundData({ amount: '370.00' })));
    const ref = await h.waitStatus(t.id, 'refund', 'REF-1', 'synced');
    expect(ref.details).toMatchObject({ linkedToPayment: '370.00', reopenedInvoiceBy: '370.00' });
    const s = await qboState(t);
    expect(s.payment).toMatchObject({
      TotalAmt: 370,
      UnappliedAmt: 0,
      Line: [{ Amount: 370, LinkedTxn: [{ TxnId: ref.qboId, TxnType: 'Expense' }] }],
    });
    expect(s.purchase['LinkedTxn']).toEqual([{ TxnId: s.payment['Id'], TxnType: 'Payment' }]);
    expect(s.invoice).toMatchObject({ Balance: 370 });
    expect(s.customer['Balance']).toBe(370);
  });

  it('a partial refund: the payment applies 320.00 to the invoice and 50.00 to the expense, A/R 50.00', async () => {
    const t = await h.tenant();
    await h.publish(event(t.id, 'invoice.sent', invoiceData()));
    await h.publish(event(t.id, 'payment.accepted', paymentData()));
    await h.publish(event(t.id, 'refund.issued', refundData({ amount: '50.00' })));
    const ref = await h.waitStatus(t.id, 'refund', 'REF-1', 'synced');
    const s = await qboState(t);
    expect(s.payment).toMatchObject({
      TotalAmt: 370,
      UnappliedAmt: 0,
      Line: [
        { Amount: 320, LinkedTxn: [{ TxnId: s.invoice?.['Id'], TxnType: 'Invoice' }] },
        { Amount: 50, LinkedTxn: [{ TxnId: ref.qboId, TxnType: 'Expense' }] },
      ],
    });
    expect(s.invoice).toMatchObject({ Balance: 50 });
    expect(s.purchase['LinkedTxn']).toEqual([{ TxnId: s.payment['Id'], TxnType: 'Payment' }]);
    expect(s.customer['Balance']).toBe(50);

    // The payment changed in the billing system afterwards: its update keeps the refund on it.
    await h.publish(event(t.id, 'payment.accepted', paymentData({ memo: 'receipt re-sent' }), 60_000));
    await waitFor(async () => {
      const [p] = await h.entities(t.realmId, 'Payment');
      return String(p?.['PrivateNote']).includes('receipt re-sent') ? p : undefined;
    });
    const after = await qboState(t);
    expect(after.payment['Line']).toEqual(s.payment['Line']);
    expect(after.invoice).toMatchObject({ Balance: 50 });
    expect(after.customer['Balance']).toBe(50);
  });

  it('a refund of an unapplied deposit uses up the credit: nothing open, A/R 0.00', async () => {
    const t = await h.tenant();
    await h.publish(
      event(t.id, 'payment.accepted', paymentData({ invoiceId: undefined, jobId: 'JOB-1', amount: '100.00' })),
    );
    await h.waitStatus(t.id, 'payment', 'PAY-1', 'synced');
    expect((await qboState(t)).customer['Balance']).toBe(-100);
    await h.publish(event(t.id, 'refund.issued', refundData({ amount: '100.00' })));
    const ref = await h.waitStatus(t.id, 'refund', 'REF-1', 'synced');
    expect(ref.details).toEqual({ paymentQboId: expect.any(String), linkedToPayment: '100.00' });
    const s = await qboState(t);
    expect(s.payment).toMatchObject({
      TotalAmt: 100,
      UnappliedAmt: 0,
      Line: [{ Amount: 100, LinkedTxn: [{ TxnId: ref.qboId, TxnType: 'Expense' }] }],
    });
    expect(s.purchase['LinkedTxn']).toEqual([{ TxnId: s.payment['Id'], TxnType: 'Payment' }]);
    expect(s.customer['Balance']).toBe(0);
  });
});
