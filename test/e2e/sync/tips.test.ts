import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { event, type Harness, invoiceData, paymentData, startHarness, type Tenant } from '../../support/harness.js';

type Row = Record<string, unknown>;

// A payment that includes a tip (17hats): the invoice ends paid and the tip lands where the company's books
// expect it — QBO's gratuity when its tips setting is on, else the tenant's tips item — never as credit.
describe('tips', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('tips');
  });
  afterAll(async () => {
    await h.close();
  });

  const tipsOn = (t: Tenant) =>
    h.admin(
      `/realms/${t.realmId}/preferences`,
      { OtherPrefs: { NameValue: [{ Name: 'SalesFormsPrefs.AllowGratuity', Value: 'true' }] } },
      'PUT',
    );
  const johnBrown = async (t: Tenant) =>
    (await h.entities(t.realmId, 'Customer')).find((c) => c['DisplayName'] === 'John Brown') as Row;

  it("records the tip on QBO's gratuity line when the company's tips setting is on; the invoice is paid", async () => {
    const t = await h.tenant();
    await tipsOn(t);
    await h.publish(event(t.id, 'invoice.sent', invoiceData()));
    await h.publish(event(t.id, 'payment.accepted', paymentData({ amount: '400.00', tip: '30.00' })));
    const pay = await h.waitStatus(t.id, 'payment', 'PAY-1', 'synced');
    const [payment] = await h.entities(t.realmId, 'Payment');
    const [invoice] = await h.entities(t.realmId, 'Invoice');
    expect(payment).toMatchObject({ Id: pay.qboId, TotalAmt: 370, UnappliedAmt: 0 });
    expect(invoice).toMatchObject({ Balance: 0 });
    const receipts = await h.entities(t.realmId, 'SalesReceipt');
    expect(receipts).toHaveLength(1);
    expect(receipts[0]).toMatchObject({
      TotalAmt: 30,
      TxnDate: '2026-03-05',
      DepositToAccountRef: { value: t.seeded.accounts.checking },
      PaymentMethodRef: { value: t.seeded.paymentMethods.creditCard },
      Line: [{ Amount: 30, SalesItemLineDetail: { ItemRef: { value: 'GRATUITY_ITEM_ID' } } }, expect.anything()],
    });
    expect(pay.details).toMatchObject({
      appliedAmount: '370.00',
      tip: { amount: '30.00', qboId: receipts[0]?.['Id'], item: 'GRATUITY_ITEM_ID' },
    });
    expect((await johnBrown(t))['Balance']).toBe(0);
  });

  it('parks a tipped payment with a clear reason while tips are off and unmapped, and syncs once a tips item is mapped', async () => {
    const t = await h.tenant();
    await h.publish(event(t.id, 'invoice.sent', invoiceData()));
    await h.publish(event(t.id, 'payment.accepted', paymentData({ amount: '400.00', tip: '30.00' })));
    const parked = await h.waitStatus(t.id, 'payment', 'PAY-1', 'needs_mapping');
    expect(parked.details).toEqual({ missing: [{ kind: 'item', key: 'tips', label: 'Tips' }] });
    expect(parked.reason).toContain("QuickBooks' tips setting is off for this company");
    expect(parked.reason).toContain("Mappings → Items (key 'tips')");
    expect(await h.entities(t.realmId, 'Payment')).toHaveLength(0);

    await h.map(t.id, 'item', 'tips', t.seeded.items.consultation);
    await h.waitStatus(t.id, 'payment', 'PAY-1', 'synced');
    expect((await h.entities(t.realmId, 'Payment'))[0]).toMatchObject({ TotalAmt: 370, UnappliedAmt: 0 });
    expect((await h.entities(t.realmId, 'Invoice'))[0]).toMatchObject({ Balance: 0 });
    const [receipt] = await h.entities(t.realmId, 'SalesReceipt');
    expect(receipt).toMatchObject({
      TotalAmt: 30,
      Line: [
        { Amount: 30, SalesItemLineDetail: { ItemRef: { value: t.seeded.items.consultation } } },
        expect.anything(),
      ],
    });
    expect((await johnBrown(t))['Balance']).toBe(0);
  });

  it('voids the tip with its payment', async () => {
    const t = await h.tenant();
    await tipsOn(t);
    await h.publish(event(t.id, 'invoice.sent', invoiceData()));
    await h.publish(event(t.id, 'payment.accepted', paymentData({ amount: '400.00', tip: '30.00' })));
    await h.waitStatus(t.id, 'payment', 'PAY-1', 'synced');
    await h.publish(event(t.id, 'payment.voided', { paymentId: 'PAY-1' }, 60_000));
    await h.waitStatus(t.id, 'payment', 'PAY-1', 'voided');
    expect((await h.entities(t.realmId, 'SalesReceipt'))[0]).toMatchObject({ TotalAmt: 0 });
    expect((await h.entities(t.realmId, 'Invoice'))[0]).toMatchObject({ Balance: 370 });
  });
});
