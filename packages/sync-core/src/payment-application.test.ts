import { describe, expect, it } from '@jest/globals';
import { knownOpenCents, linkedToInvoiceCents, planPaymentApplication } from './payment-payload.js';

describe('applying a payment to its invoice', () => {
  it('applies in full without asking QBO when our records say the amount fits', () => {
    expect(planPaymentApplication({ amountCents: 6000n, knownOpenCents: 10000n })).toEqual({ appliedCents: 6000n });
    expect(planPaymentApplication({ amountCents: 10000n, knownOpenCents: 10000n })).toEqual({ appliedCents: 10000n });
  });

  it("asks for QBO's balance when the amount does not fit or nothing is known", () => {
    expect(planPaymentApplication({ amountCents: 6001n, knownOpenCents: 6000n })).toEqual({ readBalance: true });
    expect(planPaymentApplication({ amountCents: 1n })).toEqual({ readBalance: true });
  });

  it("applies at most QBO's balance (which includes the payment's own earlier application), never below zero", () => {
    // A 60.00 payment adopted after an unheard create: QBO's Balance 40.00 + its own 60.00 = 100.00 open.
    expect(planPaymentApplication({ amountCents: 6000n, balanceCents: 4000n + 6000n })).toEqual({
      appliedCents: 6000n,
    });
    expect(planPaymentApplication({ amountCents: 6000n, balanceCents: 3000n })).toEqual({ appliedCents: 3000n });
    expect(planPaymentApplication({ amountCents: 6000n, balanceCents: -500n })).toEqual({ appliedCents: 0n });
    // What QBO says wins over what we thought.
    expect(planPaymentApplication({ amountCents: 6000n, knownOpenCents: 9000n, balanceCents: 100n })).toEqual({
      appliedCents: 100n,
    });
  });

  it('knows the open balance as the total minus what our other payments apply, exactly', () => {
    expect(knownOpenCents({ totalCents: 10000n, appliedByOthers: ['33.33', '33.34'] })).toBe(3333n);
    expect(knownOpenCents({ totalCents: undefined, appliedByOthers: ['1.00'] })).toBeUndefined();
  });

  it('counts what a QBO payment already applies to one invoice', () => {
    const p = {
      Id: '7',
      SyncToken: '1',
      TotalAmt: '90.00',
      Line: [
        { Amount: '60.00', LinkedTxn: [{ TxnId: '130', TxnType: 'Invoice' }] },
        { Amount: 20, LinkedTxn: [{ TxnId: '131', TxnType: 'Invoice' }] },
        { Amount: '0.10', LinkedTxn: [{ TxnId: '130', TxnType: 'Invoice' }] },
      ],
    };
    expect(linkedToInvoiceCents(p, '130')).toBe(6010n);
    expect(linkedToInvoiceCents(p, '999')).toBe(0n);
    expect(linkedToInvoiceCents({ Id: '8', SyncToken: '0' }, '130')).toBe(0n);
  });
});
