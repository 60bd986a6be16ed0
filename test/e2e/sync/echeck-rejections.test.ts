import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { event, type Harness, invoiceData, paymentData, startHarness } from '../../support/harness.js';

const ECHECK_LINE = 'eCheck rejected by the bank (qbo-sync: payment.voided reason echeck_rejected)';

describe('a rejected eCheck keeps its reason', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('echeck');
  });
  afterAll(async () => {
    await h.close();
  });

  it('writes the reason into the voided QBO payment memo and the record', async () => {
    const t = await h.tenant();
    await h.publish(event(t.id, 'invoice.sent', invoiceData()));
    await h.publish(event(t.id, 'payment.accepted', paymentData({ memo: 'paid online' })));
    const pay = await h.waitStatus(t.id, 'payment', 'PAY-1', 'synced');
    await h.publish(event(t.id, 'payment.voided', { paymentId: 'PAY-1', reason: 'echeck_rejected' }, 60_000));
    const rec = await h.waitStatus(t.id, 'payment', 'PAY-1', 'voided');
    expect(rec.details).toEqual({ voidReason: 'echeck_rejected' });
    expect(rec.reason).toContain('eCheck was rejected');
    const [qbo] = await h.entities(t.realmId, 'Payment');
    expect(qbo).toMatchObject({ Id: pay.qboId, TotalAmt: 0 });
    const note = String(qbo?.['PrivateNote']);
    expect(note.startsWith('Voided')).toBe(true);
    expect(note).toContain(`qbo-sync:${t.id}:payment:PAY-1`);
    expect(note).toContain('paid online');
    expect(note).toContain(ECHECK_LINE);
    expect((await h.entities(t.realmId, 'Invoice'))[0]).toMatchObject({ Balance: 370 });
  });

  it('keeps the reason when the rejection overtakes the payment (posted and voided)', async () => {
    const t = await h.tenant();
    await h.publish(event(t.id, 'payment.accepted', paymentData({ invoiceId: undefined })));
    await h.publish(event(t.id, 'payment.voided', { paymentId: 'PAY-1', reason: 'echeck_rejected' }, 60_000));
    const rec = await h.waitStatus(t.id, 'payment', 'PAY-1', 'voided');
    const payments = await h.entities(t.realmId, 'Payment');
    expect(payments).toHaveLength(1);
    expect(String(payments[0]?.['PrivateNote'])).toContain(ECHECK_LINE);
    expect(rec.details).toEqual({ voidReason: 'echeck_rejected' });
  });

  it('adds nothing to the memo of a plain void', async () => {
    const t = await h.tenant();
    await h.publish(event(t.id, 'invoice.sent', invoiceData()));
    await h.publish(event(t.id, 'payment.accepted', paymentData()));
    await h.waitStatus(t.id, 'payment', 'PAY-1', 'synced');
    await h.publish(event(t.id, 'payment.voided', { paymentId: 'PAY-1' }, 60_000));
    const rec = await h.waitStatus(t.id, 'payment', 'PAY-1', 'voided');
    expect(rec.details).toBeNull();
    expect(String((await h.entities(t.realmId, 'Payment'))[0]?.['PrivateNote'])).not.toContain('eCheck');
  });
});
