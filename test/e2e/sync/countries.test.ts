import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { event, type Harness, invoiceData, paymentData, startHarness, type Tenant } from '../../support/harness.js';
import { adminApi } from '../../support/qbo-api.js';

type Row = Record<string, unknown>;

const line = (id: string, amount: string, taxCode?: string, description = `Service ${id}`) => ({
  id,
  itemId: 'ITM-LABOR',
  description,
  quantity: '1',
  unitPrice: amount,
  amount,
  ...(taxCode ? { taxCode } : {}),
});

/** QBO's sales lines as [amount, tax code id]. */
const taxedLines = (inv: Row | undefined) =>
  ((inv?.['Line'] ?? []) as Row[])
    .filter((l) => l['DetailType'] === 'SalesItemLineDetail')
    .map((l) => [l['Amount'], ((l['SalesItemLineDetail'] as Row)['TaxCodeRef'] as Row | undefined)?.['value']]);

describe('Canadian and UK companies: a tax code on every line, matched by name', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('countries');
  });
  afterAll(async () => {
    await h.close();
  });

  const qboInvoice = async (t: Tenant, invoiceId: string) => {
    const rec = await h.waitStatus(t.id, 'invoice', invoiceId, 'synced');
    return (await h.entities(t.realmId, 'Invoice')).find((i) => i['Id'] === rec.qboId);
  };

  it('posts a Canadian invoice with HST and GST/QST lines matched to QBO tax codes by name; QBO computes the tax and the totals agree', async () => {
    const t = await h.tenant({}, { country: 'CA' });
    await h.map(t.id, 'deposit_account', 'CAD', t.seeded.accounts.checking);
    const data = invoiceData({
      currency: 'CAD',
      // Named as in QuickBooks, case and spacing aside.
      lines: [line('L1', '100.00', 'HST ON'), line('L2', '33.33', 'gst/qst  qc')],
      // HST 13 % of 100.00 = 13.00; GST 5 % of 33.33 = 1.67; QST 9.975 % of 33.33 = 3.32.
      totals: { subtotal: '133.33', tax: '17.99', total: '151.32' },
    });
    await h.publish(event(t.id, 'invoice.sent', data));
    const inv = await qboInvoice(t, 'INV-1');
    expect(inv).toMatchObject({
      TotalAmt: 151.32,
      GlobalTaxCalculation: 'TaxExcluded',
      TxnTaxDetail: { TotalTax: 17.99 },
    });
    // No US-style tax line on the sales-tax item, and every line carries its code.
    expect(taxedLines(inv)).toEqual([
      [100, t.seeded.taxCodes['HST ON']],
      [33.33, t.seeded.taxCodes['GST/QST QC']],
    ]);
    await h.publish(event(t.id, 'payment.accepted', paymentData({ amount: '151.32', currency: 'CAD' })));
    await h.waitStatus(t.id, 'payment', 'PAY-1', 'synced');
    expect((await h.entities(t.realmId, 'Invoice'))[0]).toMatchObject({ Balance: 0 });
  });

  it('parks a tax rate named unlike any QBO code as needs_mapping, and a mapping overrides the name', async () => {
    const t = await h.tenant({}, { country: 'CA' });
    const data = invoiceData({
      currency: 'CAD',
      lines: [line('L1', '200.00', 'Ontario HST')],
      totals: { subtotal: '200.00', tax: '26.00', total: '226.00' },
    });
    await h.publish(event(t.id, 'invoice.sent', data));
    const parked = await h.waitStatus(t.id, 'invoice', 'INV-1', 'needs_mapping');
    expect(parked.reasonCode).toBe('MISSING_MAPPING');
    expect(parked.details).toEqual({ missing: [{ kind: 'tax_code', key: 'Ontario HST' }] });
    expect(parked.reason).toContain(
      "Tax code 'Ontario HST' is not mapped to a QuickBooks tax code, and no QuickBooks tax code has that name.",
    );
    const codes = await adminApi(h, 'GET', `/admin/tenants/${t.id}/qbo/tax-codes`);
    const hst = (codes.body['items'] as Row[]).find((c) => c['name'] === 'HST ON');
    expect(hst).toMatchObject({ id: t.seeded.taxCodes['HST ON'], active: true });
    const put = await adminApi(h, 'PUT', `/admin/tenants/${t.id}/mappings/tax_code/Ontario%20HST`, {
      qboId: hst?.['id'],
    });
    expect(put.status).toBe(200);
    const inv = await qboInvoice(t, 'INV-1');
    expect(inv).toMatchObject({ TotalAmt: 226, TxnTaxDetail: { TotalTax: 26 } });
  });

  it('parks a UK invoice line without a tax code with a reason saying so, and resumes once lines without one have a code', async () => {
    const t = await h.tenant({}, { country: 'GB' });
    const data = invoiceData({
      currency: 'GBP',
      lines: [line('L1', '250.00', undefined, 'Removal'), line('L2', '10.00', '5.0% R')],
      totals: { subtotal: '260.00', tax: '50.50', total: '310.50' },
    });
    await h.publish(event(t.id, 'invoice.sent', data));
    const parked = await h.waitStatus(t.id, 'invoice', 'INV-1', 'needs_mapping');
    expect(parked.reasonCode).toBe('TAX_CODE_REQUIRED');
    expect(parked.details).toEqual({ missing: [{ kind: 'tax_code', key: '(none)', label: "'Removal' (line L1)" }] });
    expect(parked.reason).toContain(
      "Invoice 'Removal' (line L1) has no tax code, and QuickBooks companies in Canada and the United Kingdom need one on every line",
    );
    expect(await h.entities(t.realmId, 'Invoice')).toHaveLength(0);

    // Support chooses the code for lines without one (or the billing system re-sends with codes).
    const put = await adminApi(h, 'PUT', `/admin/tenants/${t.id}/mappings/tax_code/${encodeURIComponent('(none)')}`, {
      qboId: t.seeded.taxCodes['20.0% S'],
    });
    expect(put.status).toBe(200);
    const inv = await qboInvoice(t, 'INV-1');
    expect(inv).toMatchObject({ TotalAmt: 310.5, TxnTaxDetail: { TotalTax: 50.5 } });
    expect(taxedLines(inv)).toEqual([
      [250, t.seeded.taxCodes['20.0% S']],
      [10, t.seeded.taxCodes['5.0% R']],
    ]);
  });
});
