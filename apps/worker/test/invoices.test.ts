import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { event, type Harness, invoiceData, startHarness } from './harness.js';

describe('invoices end to end', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('invoices');
  });
  afterAll(async () => {
    await h.close();
  });

  it('posts a sent invoice with its customer, lines, amounts, doc number and link', async () => {
    const t = await h.tenant();
    await h.publish(event(t.id, 'invoice.sent', invoiceData()));
    const rec = await h.waitStatus(t.id, 'invoice', 'INV-1', 'synced');
    const invoices = await h.entities(t.realmId, 'Invoice');
    expect(invoices).toHaveLength(1);
    const inv = invoices[0] as Record<string, unknown>;
    expect(inv).toMatchObject({
      Id: rec.qboId,
      DocNumber: 'INV-1001',
      TotalAmt: 370,
      Balance: 370,
      TxnDate: '2026-03-01',
      DueDate: '2026-03-31',
    });
    expect(String(inv['PrivateNote'])).toContain(`qbo-sync:${t.id}:invoice:INV-1`);
    const lines = (inv['Line'] as Record<string, unknown>[]).filter((l) => l['DetailType'] === 'SalesItemLineDetail');
    expect(
      lines.map((l) => [
        l['Amount'],
        (l['SalesItemLineDetail'] as Record<string, unknown>)['Qty'],
        (l['SalesItemLineDetail'] as Record<string, unknown>)['UnitPrice'],
        ((l['SalesItemLineDetail'] as Record<string, { value: string }>)['ItemRef'] as { value: string }).value,
      ]),
    ).toEqual([
      [360, 3, 120, t.seeded.items.movingLabor],
      [10, 4, 2.5, t.seeded.items.packingMaterials],
    ]);
    const customers = (await h.entities(t.realmId, 'Customer')).filter((c) => c['DisplayName'] === 'John Brown');
    expect(customers).toHaveLength(1);
    expect((inv['CustomerRef'] as { value: string }).value).toBe(customers[0]?.['Id']);
    expect(rec).toMatchObject({
      docNumber: 'INV-1001',
      qboUrl: `${h.sandbox.url}/app/invoice?txnId=${rec.qboId}`,
      reason: null,
      reasonCode: null,
    });
    expect(rec.syncToken).toBe(inv['SyncToken']);
    const attempts = await h.attempts(rec.id);
    expect(attempts[0]).toMatchObject({ outcome: 'synced', status: 'synced' });
  });
});
