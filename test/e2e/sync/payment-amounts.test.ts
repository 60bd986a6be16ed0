import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { event, type Harness, invoiceData, paymentData, startHarness } from '../../support/harness.js';

type Row = Record<string, unknown>;
const links = (p: Row | undefined) =>
  ((p?.['Line'] ?? []) as Row[]).map((l) => [l['Amount'], (l['LinkedTxn'] as Row[])[0]?.['TxnId']]);

/** A 100.00 invoice: one labour line. */
const invoice100 = (over: Record<string, unknown> = {}) =>
  invoiceData({
    lines: [
      { id: 'L1', itemId: 'ITM-LABOR', description: 'Moving labor', quantity: '1', unitPrice: '100', amount: '100.00' },
    ],
    totals: { subtotal: '100.00', tax: '0.00', total: '100.00' },
    ...over,
  });

describe('payment amounts after faults: exactly what the billing system says', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('payamounts');
  });
  afterAll(async () => {
    await h.close();
  });

  it('applies the full amount of a payment adopted after an unheard create and a throttled retry', async () => {
    const t = await h.tenant();
    await h.admin(`/realms/${t.realmId}/limits`, { retryAfterSeconds: 1 }, 'PUT');
    await h.publish(event(t.id, 'invoice.sent', invoice100()));
    const inv = await h.waitStatus(t.id, 'invoice', 'INV-1', 'synced');
    // The create commits but its answer is lost; the client's retry is throttled, so the job defers and
    // the next run finds the payment by our marker (adopts it) instead of creating it.
    await h.admin(`/realms/${t.realmId}/faults`, {
      rules: [
        { kind: 'commit-then-drop', times: 1, match: { method: 'POST', entity: 'payment', operation: 'create' } },
        { kind: 'throttle', times: 1, match: { method: 'POST', entity: 'payment', operation: 'create' } },
      ],
    });
    await h.publish(event(t.id, 'payment.accepted', paymentData({ amount: '60.00' })));
    const pay = await h.waitStatus(t.id, 'payment', 'PAY-1', 'synced', 20_000);
    const payments = await h.entities(t.realmId, 'Payment');
    expect(payments).toHaveLength(1);
    expect(payments[0]).toMatchObject({ Id: pay.qboId, TotalAmt: 60, UnappliedAmt: 0 });
    expect(links(payments[0])).toEqual([[60, inv.qboId]]);
    expect((await h.entities(t.realmId, 'Invoice'))[0]).toMatchObject({ TotalAmt: 100, Balance: 40 });
  }, 30_000);

  it('applies the full amount of a payment adopted after every try of its create went unheard', async () => {
    const t = await h.tenant();
    await h.publish(event(t.id, 'invoice.sent', invoice100()));
    const inv = await h.waitStatus(t.id, 'invoice', 'INV-1', 'synced');
    await h.admin(`/realms/${t.realmId}/faults`, {
      kind: 'commit-then-drop',
      times: 3,
      match: { method: 'POST', entity: 'payment', operation: 'create' },
    });
    await h.publish(event(t.id, 'payment.accepted', paymentData({ amount: '60.00' })));
    const pay = await h.waitStatus(t.id, 'payment', 'PAY-1', 'synced', 20_000);
    const payments = await h.entities(t.realmId, 'Payment');
    expect(payments).toHaveLength(1);
    expect(payments[0]).toMatchObject({ Id: pay.qboId, TotalAmt: 60, UnappliedAmt: 0 });
    expect(links(payments[0])).toEqual([[60, inv.qboId]]);
    expect((await h.entities(t.realmId, 'Invoice'))[0]).toMatchObject({ TotalAmt: 100, Balance: 40 });
  }, 30_000);

  it('posts a payment on a synced invoice with one QBO request: customer and open balance come from our records', async () => {
    const t = await h.tenant();
    await h.publish(event(t.id, 'invoice.sent', invoice100()));
    const inv = await h.waitStatus(t.id, 'invoice', 'INV-1', 'synced');
    expect(inv.details).toMatchObject({ total: '100.00', qboCustomerId: expect.any(String) });
    await h.admin(`/realms/${t.realmId}/stats`, undefined, 'DELETE');
    await h.publish(event(t.id, 'payment.accepted', paymentData({ amount: '60.00' })));
    const pay = await h.waitStatus(t.id, 'payment', 'PAY-1', 'synced');
    expect(pay.details).toEqual({
      appliedTo: 'INV-1',
      appliedAmount: '60.00',
      qbo: expect.objectContaining({ applied: '60.00' }),
    });
    expect(((await h.admin(`/realms/${t.realmId}/stats`)) as { requests: number }).requests).toBe(1);

    // A second payment larger than what is open by our records: QBO's balance is read, the rest stays credit.
    await h.admin(`/realms/${t.realmId}/stats`, undefined, 'DELETE');
    await h.publish(event(t.id, 'payment.accepted', paymentData({ id: 'PAY-2', amount: '50.00', reference: 'p2' })));
    const pay2 = await h.waitStatus(t.id, 'payment', 'PAY-2', 'synced');
    expect(pay2.details).toEqual({
      appliedTo: 'INV-1',
      appliedAmount: '40.00',
      qbo: expect.objectContaining({ applied: '40.00' }),
    });
    expect(((await h.admin(`/realms/${t.realmId}/stats`)) as { requests: number }).requests).toBe(2);
    const byId = new Map((await h.entities(t.realmId, 'Payment')).map((p) => [p['Id'], p]));
    expect(byId.get(pay2.qboId)).toMatchObject({ TotalAmt: 50, UnappliedAmt: 10 });
    expect(links(byId.get(pay2.qboId))).toEqual([[40, inv.qboId]]);
    expect((await h.entities(t.realmId, 'Invoice'))[0]).toMatchObject({ Balance: 0 });
  }, 30_000);

  it('re-reads the balance when QBO refuses an application our records thought fits (a payment entered by hand)', async () => {
    const t = await h.tenant();
    await h.publish(event(t.id, 'invoice.sent', invoice100()));
    const inv = await h.waitStatus(t.id, 'invoice', 'INV-1', 'synced');
    // Someone records 70.00 against the invoice directly in QuickBooks.
    const realm = await h.qbo.forTenant(t.id);
    const customerId = (inv.details as { qboCustomerId: string }).qboCustomerId;
    await realm.createPayment(
      {
        CustomerRef: { value: customerId },
        TotalAmt: 70,
        Line: [{ Amount: 70, LinkedTxn: [{ TxnId: inv.qboId as string, TxnType: 'Invoice' }] }],
      },
      { tenantId: t.id, entity: 'payment', externalId: 'by-hand', version: '1', operation: 'create' },
    );
    await h.publish(event(t.id, 'payment.accepted', paymentData({ amount: '60.00' })));
    const pay = await h.waitStatus(t.id, 'payment', 'PAY-1', 'synced');
    expect(pay.details).toEqual({
      appliedTo: 'INV-1',
      appliedAmount: '30.00',
      qbo: expect.objectContaining({ applied: '30.00' }),
    });
    const ours = (await h.entities(t.realmId, 'Payment')).find((p) => p['Id'] === pay.qboId);
    expect(ours).toMatchObject({ TotalAmt: 60, UnappliedAmt: 30 });
    expect(links(ours)).toEqual([[30, inv.qboId]]);
    expect((await h.entities(t.realmId, 'Invoice'))[0]).toMatchObject({ Balance: 0 });
    expect(await h.entities(t.realmId, 'Payment')).toHaveLength(2);
  }, 30_000);
});
