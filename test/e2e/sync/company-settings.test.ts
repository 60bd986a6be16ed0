import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { event, type Harness, invoiceData, startHarness } from '../../support/harness.js';

describe('company settings read from QuickBooks', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('company-settings');
  });
  afterAll(async () => {
    await h.close();
  });

  it('with custom transaction numbers off, sends no DocNumber and records that QuickBooks numbered the invoice', async () => {
    const t = await h.tenant();
    await h.admin(`/realms/${t.realmId}/preferences`, { SalesFormsPrefs: { CustomTxnNumbers: false } }, 'PUT');
    await h.publish(event(t.id, 'invoice.sent', invoiceData()));
    const rec = await h.waitStatus(t.id, 'invoice', 'INV-1', 'synced');
    const [inv] = await h.entities(t.realmId, 'Invoice');
    expect(inv?.['DocNumber']).toBe('1001');
    expect(rec.docNumber).toBe('1001');
    expect(rec.details).toMatchObject({ numberedByQbo: { billingNumber: 'INV-1001', qboNumber: '1001' } });
  });

  it('with custom transaction numbers on, the billing number is used and nothing is flagged', async () => {
    const t = await h.tenant();
    await h.publish(event(t.id, 'invoice.sent', invoiceData()));
    const rec = await h.waitStatus(t.id, 'invoice', 'INV-1', 'synced');
    expect(rec.docNumber).toBe('INV-1001');
    expect(rec.details).not.toHaveProperty('numberedByQbo');
  });
});
