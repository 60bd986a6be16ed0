import { describe, expect, it } from '@jest/globals';
import type { Payment } from '@qbo-sync/contracts';
import { describeMissing, MappingTable, resolvePaymentMappings } from './mapping.js';
import { buildTipReceiptPayload, paymentWithoutTip, tipCentsOf } from './tips.js';

const payment: Payment = {
  id: 'PAY-1',
  invoiceId: 'INV-1',
  customer: { id: 'C-1', firstName: 'Jo' },
  amount: '115.10',
  tip: '15.05',
  currency: 'USD',
  receivedOn: '2026-03-05',
  method: 'card',
};
const table = (rows: { kind: string; externalKey: string; qboId: string }[]) => new MappingTable(rows);
const base = [
  { kind: 'payment_method', externalKey: 'card', qboId: '1' },
  { kind: 'deposit_account', externalKey: 'USD', qboId: '2' },
];

describe('tips', () => {
  it('splits the tip off the amount to the cent', () => {
    expect(tipCentsOf(payment)).toBe(1505n);
    expect(paymentWithoutTip(payment)).toMatchObject({ amount: '100.05' });
    expect(paymentWithoutTip(payment)).not.toHaveProperty('tip');
    const { tip: _tip, ...plain } = payment;
    expect(paymentWithoutTip(plain)).toBe(plain);
  });

  it("goes to QBO's gratuity when the tips setting is on, else to the mapped tips item", () => {
    expect(resolvePaymentMappings(payment, table(base), { allowGratuity: true })).toMatchObject({
      ok: true,
      refs: { tipItem: { value: 'GRATUITY_ITEM_ID' } },
    });
    expect(
      resolvePaymentMappings(payment, table([...base, { kind: 'item', externalKey: 'tips', qboId: '9' }])),
    ).toMatchObject({ ok: true, refs: { tipItem: { value: '9' } } });
  });

  it('names what to do when tips are off and no tips item is mapped', () => {
    const r = resolvePaymentMappings(payment, table(base));
    expect(r).toEqual({ ok: false, missing: [{ kind: 'item', key: 'tips', label: 'Tips' }] });
    if (!r.ok) {
      const text = describeMissing(r.missing, 'payment');
      expect(text).toContain('tips setting is off');
      expect(text).toContain("Mappings → Items (key 'tips')");
    }
  });

  it('needs nothing for a payment without a tip', () => {
    const { tip: _tip, ...plain } = payment;
    expect(resolvePaymentMappings(plain, table(base))).toEqual({
      ok: true,
      refs: { paymentMethod: { value: '1' }, depositAccount: { value: '2' } },
    });
  });

  it('builds the tip receipt deposited where the payment is, carrying our marker', () => {
    const body = buildTipReceiptPayload({
      tenantId: 't1',
      payment,
      customerRef: { value: '7' },
      refs: { paymentMethod: { value: '1' }, depositAccount: { value: '2' }, tipItem: { value: 'GRATUITY_ITEM_ID' } },
    });
    expect(body).toMatchObject({
      CustomerRef: { value: '7' },
      TxnDate: '2026-03-05',
      DepositToAccountRef: { value: '2' },
      Line: [{ Amount: 15.05, SalesItemLineDetail: { ItemRef: { value: 'GRATUITY_ITEM_ID' } } }],
    });
    expect(body.PrivateNote.startsWith('qbo-sync:t1:payment:PAY-1\n')).toBe(true);
  });
});
