import { describe, expect, it } from '@jest/globals';
import { memoWithVoidReason, paymentVoidedReason } from './void-reason.js';

describe('payment void reason', () => {
  it('appends the rejected eCheck line to the memo once, after our marker', () => {
    const memo = memoWithVoidReason('qbo-sync:t1:payment:PAY-1', 'echeck_rejected');
    expect(memo).toBe(
      'qbo-sync:t1:payment:PAY-1\neCheck rejected by the bank (qbo-sync: payment.voided reason echeck_rejected)',
    );
    expect(memoWithVoidReason(memo, 'echeck_rejected')).toBeUndefined();
  });

  it('writes nothing for a plain void', () => {
    expect(memoWithVoidReason('qbo-sync:t1:payment:PAY-1', 'voided')).toBeUndefined();
  });

  it("stays within QBO's 4000-character PrivateNote", () => {
    const memo = memoWithVoidReason('x'.repeat(4000), 'echeck_rejected');
    expect(Array.from(memo ?? '').length).toBe(4000);
    expect(memo?.endsWith('reason echeck_rejected)')).toBe(true);
  });

  it('says in the record why the payment was voided', () => {
    expect(paymentVoidedReason('echeck_rejected')).toContain('eCheck was rejected');
    expect(paymentVoidedReason('voided')).toBe('Voided in QuickBooks.');
  });
});
