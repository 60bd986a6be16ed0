import { describe, expect, it } from '@jest/globals';
import type { QboPayment } from './qbo-types.js';
import { planRefundLink } from './refund-link.js';

const paid: QboPayment = {
  Id: '50',
  SyncToken: '0',
  TotalAmt: 370,
  UnappliedAmt: 0,
  CustomerRef: { value: '7' },
  Line: [{ Amount: 370, LinkedTxn: [{ TxnId: '40', TxnType: 'Invoice' }] }],
};

describe('planRefundLink', () => {
  it('pays a partial refund out of the invoice application: the invoice reopens by the refund', () => {
    const plan = planRefundLink({ payment: paid, purchaseQboId: '60', customerId: '7', refundCents: 5000n });
    expect(plan).toEqual({
      action: 'update',
      linkedCents: 5000n,
      reopenedCents: 5000n,
      update: {
        Id: '50',
        SyncToken: '0',
        sparse: true,
        Line: [
          { Amount: 320, LinkedTxn: [{ TxnId: '40', TxnType: 'Invoice' }] },
          { Amount: 50, LinkedTxn: [{ TxnId: '60', TxnType: 'Expense' }] },
        ],
      },
    });
  });

  it('drops the invoice line of a full refund', () => {
    const plan = planRefundLink({ payment: paid, purchaseQboId: '60', customerId: '7', refundCents: 37000n });
    expect(plan).toMatchObject({
      action: 'update',
      reopenedCents: 37000n,
      update: { Line: [{ Amount: 370, LinkedTxn: [{ TxnId: '60', TxnType: 'Expense' }] }] },
    });
  });

  it('uses unapplied credit first (a deposit), touching no invoice', () => {
    const deposit: QboPayment = { Id: '51', SyncToken: '3', TotalAmt: '100.00', UnappliedAmt: '100.00', Line: [] };
    expect(planRefundLink({ payment: deposit, purchaseQboId: '61', customerId: '7', refundCents: 10000n })).toEqual({
      action: 'update',
      linkedCents: 10000n,
      reopenedCents: 0n,
      update: {
        Id: '51',
        SyncToken: '3',
        sparse: true,
        Line: [{ Amount: 100, LinkedTxn: [{ TxnId: '61', TxnType: 'Expense' }] }],
      },
    });
  });

  it('is done once: a payment already linking the expense is left alone', () => {
    const linked: QboPayment = {
      ...paid,
      Line: [
        { Amount: 320, LinkedTxn: [{ TxnId: '40', TxnType: 'Invoice' }] },
        { Amount: 50, LinkedTxn: [{ TxnId: '60', TxnType: 'Expense' }] },
      ],
    };
    expect(planRefundLink({ payment: linked, purchaseQboId: '60', customerId: '7', refundCents: 5000n })).toEqual({
      action: 'linked',
      linkedCents: 5000n,
    });
  });

  it('links no other customer’s payment, and nothing from a payment with nothing left', () => {
    expect(planRefundLink({ payment: paid, purchaseQboId: '60', customerId: '8', refundCents: 100n })).toEqual({
      action: 'skip',
      reason: 'other_customer',
    });
    const empty: QboPayment = { Id: '52', SyncToken: '0', TotalAmt: 0, UnappliedAmt: 0, Line: [] };
    expect(planRefundLink({ payment: empty, purchaseQboId: '60', customerId: '7', refundCents: 100n })).toEqual({
      action: 'skip',
      reason: 'nothing_left',
    });
  });

  it('links at most what the payment carries', () => {
    const plan = planRefundLink({ payment: paid, purchaseQboId: '60', customerId: '7', refundCents: 50000n });
    expect(plan).toMatchObject({ action: 'update', linkedCents: 37000n, reopenedCents: 37000n });
  });
});
