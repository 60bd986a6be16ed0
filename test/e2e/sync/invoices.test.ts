import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { requestManualSync } from '@qbo-sync/db/repositories/sync-records';
import { event, type Harness, invoiceData, startHarness } from '../../support/harness.js';

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

  it('processes the same event delivered 5 times once', async () => {
    const t = await h.tenant();
    const e = event(t.id, 'invoice.sent', invoiceData({ id: 'INV-5X', number: 'INV-5X' }));
    for (let i = 0; i < 5; i++) await h.publish(e);
    await Promise.all([h.publish(e), h.publish(e)]);
    const rec = await h.waitStatus(t.id, 'invoice', 'INV-5X', 'synced');
    const invoices = await h.entities(t.realmId, 'Invoice');
    expect(invoices.map((i) => i['DocNumber'])).toEqual(['INV-5X']);
    expect((await h.attempts(rec.id)).filter((a) => a.outcome === 'synced')).toHaveLength(1);
    const customers = (await h.entities(t.realmId, 'Customer')).filter((c) => c['DisplayName'] === 'John Brown');
    expect(customers).toHaveLength(1);
  });

  it('skips drafts until they are sent', async () => {
    const t = await h.tenant();
    await h.publish(event(t.id, 'invoice.sent', invoiceData({ status: 'draft' })));
    const skipped = await h.waitStatus(t.id, 'invoice', 'INV-1', 'skipped');
    expect(skipped).toMatchObject({ reasonCode: 'DRAFT', qboId: null });
    expect(skipped.reason).toContain('draft');
    expect(await h.entities(t.realmId, 'Invoice')).toHaveLength(0);
    await h.publish(event(t.id, 'invoice.updated', invoiceData({ status: 'sent' }), 60_000));
    const rec = await h.waitStatus(t.id, 'invoice', 'INV-1', 'synced');
    expect(await h.entities(t.realmId, 'Invoice')).toHaveLength(1);
    expect(rec.statusVersion).toBe(skipped.statusVersion + 1);
  });

  it('shortens invoice numbers over 21 characters to first 5 + "..." + last 13', async () => {
    const t = await h.tenant();
    await h.publish(event(t.id, 'invoice.sent', invoiceData({ number: 'MOVE-2026-BOSTON-000123456' })));
    const rec = await h.waitStatus(t.id, 'invoice', 'INV-1', 'synced');
    expect(rec.docNumber).toBe('MOVE-...TON-000123456');
    expect((await h.entities(t.realmId, 'Invoice')).map((i) => i['DocNumber'])).toEqual(['MOVE-...TON-000123456']);
  });

  it('posts tax as a line on the mapped sales-tax item so the total matches to the cent', async () => {
    const t = await h.tenant();
    await h.publish(
      event(t.id, 'invoice.sent', invoiceData({ totals: { subtotal: '370.00', tax: '29.61', total: '399.61' } })),
    );
    await h.waitStatus(t.id, 'invoice', 'INV-1', 'synced');
    const [inv] = await h.entities(t.realmId, 'Invoice');
    expect(inv?.['TotalAmt']).toBe(399.61);
    const taxLine = ((inv?.['Line'] ?? []) as Record<string, unknown>[]).find((l) => l['Description'] === 'Sales tax');
    expect(taxLine).toMatchObject({
      Amount: 29.61,
      SalesItemLineDetail: { ItemRef: { value: t.seeded.items.consultation } },
    });
  });

  it('refuses at ingest an invoice whose total is not its lines plus tax, naming the difference', async () => {
    const t = await h.tenant();
    const e = event(
      t.id,
      'invoice.sent',
      invoiceData({ totals: { subtotal: '370.00', tax: '0.00', total: '370.05' } }),
    );
    const res = await h.post(t.id, '/v1/events', e);
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toContain('difference 0.05');
    expect(await h.record(t.id, 'invoice', 'INV-1')).toBeUndefined();
  });

  it('fails an invoice whose line is not quantity × unit price, naming the line, and posts nothing', async () => {
    const t = await h.tenant();
    const data = invoiceData({ totals: { subtotal: '370.05', tax: '0.00', total: '370.05' } });
    data.lines = data.lines.map((l) => (l.id === 'L2' ? { ...l, amount: '10.05' } : l));
    await h.publish(event(t.id, 'invoice.sent', data));
    const rec = await h.waitStatus(t.id, 'invoice', 'INV-1', 'failed');
    expect(rec.reasonCode).toBe('TOTALS_MISMATCH');
    expect(rec.reason).toContain('line L2 says 10.05 but quantity × unit price is 10.00');
    expect(rec.details).toMatchObject({ lines: [{ lineId: 'L2', amount: '10.05', computed: '10.00' }] });
    expect(await h.entities(t.realmId, 'Invoice')).toHaveLength(0);
  });

  it('leaves balance-forward lines out', async () => {
    const t = await h.tenant();
    const data = invoiceData();
    data.lines = [
      ...data.lines,
      {
        id: 'BF',
        kind: 'balance_forward',
        itemId: 'PRIOR',
        description: 'Balance forward',
        quantity: '1',
        unitPrice: '100',
        amount: '100.00',
      },
    ] as typeof data.lines;
    data.totals = { subtotal: '470.00', tax: '0.00', total: '470.00' };
    await h.publish(event(t.id, 'invoice.sent', data));
    await h.waitStatus(t.id, 'invoice', 'INV-1', 'synced');
    const [inv] = await h.entities(t.realmId, 'Invoice');
    expect(inv?.['TotalAmt']).toBe(370);
    expect(
      ((inv?.['Line'] ?? []) as Record<string, unknown>[]).filter((l) => l['DetailType'] === 'SalesItemLineDetail'),
    ).toHaveLength(2);
  });

  it('sends tax codes per line', async () => {
    const t = await h.tenant();
    const data = invoiceData();
    data.lines = data.lines.map((l) => ({ ...l, taxCode: l.id === 'L1' ? 'NON' : 'TAX' })) as typeof data.lines;
    await h.publish(event(t.id, 'invoice.sent', data));
    await h.waitStatus(t.id, 'invoice', 'INV-1', 'synced');
    const [inv] = await h.entities(t.realmId, 'Invoice');
    const codes = ((inv?.['Line'] ?? []) as Record<string, unknown>[])
      .filter((l) => l['DetailType'] === 'SalesItemLineDetail')
      .map((l) => ((l['SalesItemLineDetail'] as Record<string, unknown>)['TaxCodeRef'] as { value: string }).value);
    expect(codes).toEqual(['NON', 'TAX']);
  });

  it('records invoices as needs_sync when auto-sync is off, and syncs them when a person asks', async () => {
    const t = await h.tenant({ autoSync: false });
    await h.publish(event(t.id, 'invoice.sent', invoiceData()));
    const parked = await h.waitStatus(t.id, 'invoice', 'INV-1', 'needs_sync');
    expect(parked).toMatchObject({ reasonCode: 'AUTO_SYNC_OFF', qboId: null });
    expect(parked.reason).toContain('Automatic sync is off');
    expect(await h.entities(t.realmId, 'Invoice')).toHaveLength(0);
    await requestManualSync(h.db.db, t.id);
    const rec = await h.waitStatus(t.id, 'invoice', 'INV-1', 'synced');
    expect((await h.entities(t.realmId, 'Invoice')).map((i) => i['Id'])).toEqual([rec.qboId]);
  });

  it('bills a representative to the parent customer itself by default', async () => {
    const t = await h.tenant();
    const rep = {
      id: 'R-7',
      firstName: 'Ann',
      lastName: 'Lee',
      parent: { id: 'P-7', companyName: 'Lee Law LLP', email: 'billing@lee-law.example' },
    };
    await h.publish(event(t.id, 'invoice.sent', invoiceData({ customer: rep })));
    const rec = await h.waitStatus(t.id, 'invoice', 'INV-1', 'synced');
    const customers = await h.entities(t.realmId, 'Customer');
    const parent = customers.find((c) => c['DisplayName'] === 'Lee Law LLP');
    expect(customers.some((c) => String(c['DisplayName']).startsWith('Ann Lee'))).toBe(false);
    const [inv] = await h.entities(t.realmId, 'Invoice');
    expect(inv).toMatchObject({ Id: rec.qboId, CustomerRef: { value: parent?.['Id'] } });
  });
});
