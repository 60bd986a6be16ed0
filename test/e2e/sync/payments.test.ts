import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { requestManualSync } from '@qbo-sync/db/repositories/sync-records';
import { event, type Harness, invoiceData, paymentData, startHarness } from '../../support/harness.js';

type Row = Record<string, unknown>;
const links = (p: Row | undefined) =>
  ((p?.['Line'] ?? []) as Row[]).map((l) => [l['Amount'], (l['LinkedTxn'] as Row[])[0]?.['TxnId']]);

describe('payments, deposits and job close-out end to end', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('payments');
  });
  afterAll(async () => {
    await h.close();
  });

  it('holds a payment that arrives before its invoice as waiting, then links it once the invoice syncs', async () => {
    const t = await h.tenant();
    await h.publish(event(t.id, 'payment.accepted', paymentData()));
    const waiting = await h.waitStatus(t.id, 'payment', 'PAY-1', 'waiting');
    expect(waiting).toMatchObject({
      reasonCode: 'WAITING_FOR_INVOICE',
      waitingFor: 'invoice:INV-1',
      details: { waitingFor: { entityType: 'invoice', externalId: 'INV-1' } },
    });
    expect(await h.entities(t.realmId, 'Payment')).toHaveLength(0);

    await h.publish(event(t.id, 'invoice.sent', invoiceData()));
    const inv = await h.waitStatus(t.id, 'invoice', 'INV-1', 'synced');
    const pay = await h.waitStatus(t.id, 'payment', 'PAY-1', 'synced');
    const [qboPay] = await h.entities(t.realmId, 'Payment');
    expect(qboPay).toMatchObject({
      Id: pay.qboId,
      TotalAmt: 370,
      UnappliedAmt: 0,
      PaymentRefNum: 'ch_0001',
      PaymentMethodRef: { value: t.seeded.paymentMethods.creditCard },
      DepositToAccountRef: { value: t.seeded.accounts.checking },
    });
    expect(links(qboPay)).toEqual([[370, inv.qboId]]);
    expect((await h.entities(t.realmId, 'Invoice'))[0]).toMatchObject({ Balance: 0 });
    expect(pay.qboUrl).toBe(`${h.sandbox.url}/app/recvpayment?txnId=${pay.qboId}`);
    // Woken once by the invoice: one parked attempt, one synced — no polling loop.
    expect((await h.attempts(pay.id)).map((a) => a.outcome)).toEqual(['synced', 'parked']);
  });

  it('posts a deposit unapplied, then at close-out syncs the invoice, its payment and applies the deposit', async () => {
    const t = await h.tenant();
    const deposit = paymentData({
      id: 'DEP-1',
      invoiceId: undefined,
      jobId: 'JOB-7',
      amount: '100.00',
      reference: 'dep-1',
    });
    await h.publish(event(t.id, 'payment.accepted', deposit));
    const dep = await h.waitStatus(t.id, 'payment', 'DEP-1', 'synced');
    expect((await h.entities(t.realmId, 'Payment'))[0]).toMatchObject({
      Id: dep.qboId,
      TotalAmt: 100,
      UnappliedAmt: 100,
      Line: [],
    });

    const finalPayment = paymentData({
      id: 'PAY-FINAL',
      invoiceId: 'INV-1',
      jobId: 'JOB-7',
      amount: '270.00',
      reference: 'final',
    });
    await h.publish(
      event(
        t.id,
        'job.closed_out',
        { jobId: 'JOB-7', invoice: invoiceData({ jobId: 'JOB-7' }), payments: [finalPayment] },
        60_000,
      ),
    );
    const inv = await h.waitStatus(t.id, 'invoice', 'INV-1', 'synced');
    const fin = await h.waitStatus(t.id, 'payment', 'PAY-FINAL', 'synced');
    const depAfter = await h.waitStatus(t.id, 'payment', 'DEP-1', 'synced');
    expect(depAfter.details).toMatchObject({ appliedTo: 'INV-1', appliedAmount: '100.00' });

    const payments = await h.entities(t.realmId, 'Payment');
    expect(payments).toHaveLength(2);
    const byId = new Map(payments.map((p) => [p['Id'], p]));
    expect(byId.get(dep.qboId)).toMatchObject({ TotalAmt: 100, UnappliedAmt: 0 });
    expect(links(byId.get(dep.qboId))).toEqual([[100, inv.qboId]]);
    expect(byId.get(fin.qboId)).toMatchObject({ TotalAmt: 270, UnappliedAmt: 0 });
    expect(links(byId.get(fin.qboId))).toEqual([[270, inv.qboId]]);
    expect((await h.entities(t.realmId, 'Invoice'))[0]).toMatchObject({ Id: inv.qboId, TotalAmt: 370, Balance: 0 });
  });

  it('records payments as needs_sync when payment auto-sync is off, and syncs them on demand', async () => {
    const t = await h.tenant({ autoSyncPayments: false });
    await h.publish(event(t.id, 'invoice.sent', invoiceData()));
    await h.waitStatus(t.id, 'invoice', 'INV-1', 'synced');
    await h.publish(event(t.id, 'payment.accepted', paymentData()));
    const parked = await h.waitStatus(t.id, 'payment', 'PAY-1', 'needs_sync');
    expect(parked.reasonCode).toBe('PAYMENT_AUTO_SYNC_OFF');
    expect(await h.entities(t.realmId, 'Payment')).toHaveLength(0);
    await requestManualSync(h.db.db, t.id, [parked.id]);
    const pay = await h.waitStatus(t.id, 'payment', 'PAY-1', 'synced');
    expect(pay.manualSyncRequestedAt).toBeNull();
    expect(await h.entities(t.realmId, 'Payment')).toHaveLength(1);
  });

  it('voids the QBO payment on payment.voided, reopening the invoice balance', async () => {
    const t = await h.tenant();
    await h.publish(event(t.id, 'invoice.sent', invoiceData()));
    await h.publish(event(t.id, 'payment.accepted', paymentData()));
    const pay = await h.waitStatus(t.id, 'payment', 'PAY-1', 'synced');
    await h.publish(event(t.id, 'payment.voided', { paymentId: 'PAY-1', reason: 'echeck_rejected' }, 60_000));
    const rec = await h.waitStatus(t.id, 'payment', 'PAY-1', 'voided');
    expect(rec.qboId).toBe(pay.qboId);
    expect((await h.entities(t.realmId, 'Payment'))[0]).toMatchObject({ Id: pay.qboId, TotalAmt: 0 });
    expect((await h.entities(t.realmId, 'Invoice'))[0]).toMatchObject({ Balance: 370 });
  });

  it('shortens long payment reference numbers the same way as invoice numbers', async () => {
    const t = await h.tenant();
    await h.publish(
      event(t.id, 'payment.accepted', paymentData({ invoiceId: undefined, reference: 'ch_3PqRsTuVwXyZ0123456789' })),
    );
    const pay = await h.waitStatus(t.id, 'payment', 'PAY-1', 'synced');
    expect(pay.docNumber).toBe('ch_3P...XyZ0123456789');
    expect((await h.entities(t.realmId, 'Payment'))[0]).toMatchObject({ PaymentRefNum: 'ch_3P...XyZ0123456789' });
  });
});
