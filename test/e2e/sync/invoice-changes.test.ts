import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { QboInvoice } from '@qbo-sync/qbo-client';
import { waitFor } from '@qbo-sync/testkit';
import { event, type Harness, invoiceData, startHarness } from '../../support/harness.js';

type Row = Record<string, unknown>;
const itemLines = (inv: Row | undefined) =>
  ((inv?.['Line'] ?? []) as Row[]).filter((l) => l['DetailType'] === 'SalesItemLineDetail').map((l) => l['Amount']);

describe('invoice updates, voids, DocNumber collisions and timeouts', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('invchg');
  });
  afterAll(async () => {
    await h.close();
  });

  /** A synced INV-1, then edited by someone in QuickBooks: the SyncToken our record holds is stale. */
  async function syncedThenEditedInQbo(t: { id: string }) {
    await h.publish(event(t.id, 'invoice.sent', invoiceData()));
    const first = await h.waitStatus(t.id, 'invoice', 'INV-1', 'synced');
    const realm = await h.qbo.forTenant(t.id);
    const current = await realm.getInvoice(first.qboId ?? '');
    await realm.updateInvoice(
      { Id: current.Id, SyncToken: current.SyncToken, CustomerMemo: { value: 'edited in QuickBooks' } },
      { tenantId: t.id, entity: 'test-edit', externalId: 'INV-1', version: '1', operation: 'update' },
    );
    return first;
  }

  it('voids an invoice edited in QuickBooks since it synced: the stale SyncToken is re-read and the void re-sent', async () => {
    const t = await h.tenant();
    const first = await syncedThenEditedInQbo(t);
    // QBO answers a repeated requestid with its first response, a stale-object fault included: the void sent
    // again with the fresh SyncToken must be a new request, or it stays stale for ever.
    await h.publish(event(t.id, 'invoice.voided', { invoiceId: 'INV-1' }, 60_000));
    const rec = await h.waitStatus(t.id, 'invoice', 'INV-1', 'voided');
    const [inv] = await h.entities(t.realmId, 'Invoice');
    expect(inv).toMatchObject({ Id: first.qboId, TotalAmt: 0 });
    expect(String(inv?.['PrivateNote'])).toMatch(/^Voided/);
    expect(rec.syncToken).toBe(inv?.['SyncToken']);
  });

  it('re-syncs an updated invoice with the SyncToken, re-reading it when QBO says it is stale', async () => {
    const t = await h.tenant();
    const first = await syncedThenEditedInQbo(t);
    const updated = invoiceData();
    updated.lines = [
      { id: 'L1', itemId: 'ITM-LABOR', description: 'Moving labor', quantity: '5', unitPrice: '120', amount: '600.00' },
    ] as typeof updated.lines;
    updated.totals = { subtotal: '600.00', tax: '0.00', total: '600.00' };
    await h.publish(event(t.id, 'invoice.updated', updated, 60_000));
    const rec = await waitFor(async () => {
      const r = await h.record(t.id, 'invoice', 'INV-1');
      return r?.status === 'synced' && r.syncedHash !== first.syncedHash ? r : undefined;
    });
    const invoices = await h.entities(t.realmId, 'Invoice');
    expect(invoices).toHaveLength(1);
    expect(invoices[0]).toMatchObject({ Id: first.qboId, TotalAmt: 600 });
    expect(itemLines(invoices[0])).toEqual([600]);
    expect(rec.syncToken).toBe(invoices[0]?.['SyncToken']);
    const stats = (await h.admin(`/realms/${t.realmId}/stats`)) as { faultsByCode: Record<string, number> };
    expect(stats.faultsByCode['5010']).toBeGreaterThanOrEqual(1);
  });

  it('voids the QBO invoice on invoice.voided', async () => {
    const t = await h.tenant();
    await h.publish(event(t.id, 'invoice.sent', invoiceData()));
    const synced = await h.waitStatus(t.id, 'invoice', 'INV-1', 'synced');
    await h.publish(event(t.id, 'invoice.voided', { invoiceId: 'INV-1' }, 60_000));
    const rec = await h.waitStatus(t.id, 'invoice', 'INV-1', 'voided');
    expect(rec.qboId).toBe(synced.qboId);
    const [inv] = await h.entities(t.realmId, 'Invoice');
    expect(inv).toMatchObject({ Id: synced.qboId, TotalAmt: 0, Balance: 0 });
    expect(String(inv?.['PrivateNote'])).toMatch(/^Voided/);
  });

  it('marks an invoice voided before it synced, and never posts it (setting voidsBeforeSync: skip)', async () => {
    const t = await h.tenant({ voidsBeforeSync: 'skip' });
    await h.publish(event(t.id, 'invoice.voided', { invoiceId: 'INV-1' }));
    await h.waitStatus(t.id, 'invoice', 'INV-1', 'voided');
    await h.publish(event(t.id, 'invoice.sent', invoiceData(), -60_000));
    const rec = await h.waitStatus(t.id, 'invoice', 'INV-1', 'voided');
    // The late invoice.sent ran (a no-op attempt) and changed nothing.
    await waitFor(async () => (await h.attempts(rec.id)).some((a) => a.outcome === 'noop'));
    expect((await h.record(t.id, 'invoice', 'INV-1'))?.status).toBe('voided');
    expect(await h.entities(t.realmId, 'Invoice')).toHaveLength(0);
  });

  async function createInQbo(
    tenantId: string,
    customerId: string,
    itemId: string,
    docNumber: string,
    note?: string,
  ): Promise<QboInvoice> {
    const realm = await h.qbo.forTenant(tenantId);
    return realm.createInvoice(
      {
        CustomerRef: { value: customerId },
        DocNumber: docNumber,
        Line: [
          {
            DetailType: 'SalesItemLineDetail',
            Amount: 99,
            SalesItemLineDetail: { ItemRef: { value: itemId }, Qty: 1, UnitPrice: 99 },
          },
        ],
        ...(note ? { PrivateNote: note } : {}),
      },
      { tenantId, entity: 'test-setup', externalId: docNumber, version: '1', operation: 'create' },
    );
  }

  it('adopts an existing QBO invoice with the same DocNumber when it carries our external id', async () => {
    const t = await h.tenant();
    const seededCustomer = t.seeded.customers[0]?.id ?? '';
    const existing = await createInQbo(
      t.id,
      seededCustomer,
      t.seeded.items.storage,
      'INV-2001',
      `qbo-sync:${t.id}:invoice:INV-1\nBilling invoice INV-2001`,
    );
    await h.publish(event(t.id, 'invoice.sent', invoiceData({ number: 'INV-2001' })));
    const rec = await h.waitStatus(t.id, 'invoice', 'INV-1', 'synced');
    expect(rec.qboId).toBe(existing.Id);
    const invoices = await h.entities(t.realmId, 'Invoice');
    expect(invoices).toHaveLength(1);
    expect(invoices[0]).toMatchObject({ Id: existing.Id, DocNumber: 'INV-2001', TotalAmt: 370 });
    expect(itemLines(invoices[0])).toEqual([360, 10]);
  });

  it('reports a conflict for a foreign QBO invoice with the same DocNumber and leaves it alone', async () => {
    const t = await h.tenant();
    const seededCustomer = t.seeded.customers[0]?.id ?? '';
    const foreign = await createInQbo(
      t.id,
      seededCustomer,
      t.seeded.items.storage,
      'INV-3001',
      'typed in by the bookkeeper',
    );
    await h.publish(event(t.id, 'invoice.sent', invoiceData({ number: 'INV-3001' })));
    const rec = await h.waitStatus(t.id, 'invoice', 'INV-1', 'conflict');
    expect(rec).toMatchObject({
      reasonCode: 'DOC_NUMBER_CONFLICT',
      qboId: null,
      details: { docNumber: 'INV-3001', qboId: foreign.Id },
    });
    expect(rec.reason).toContain('Invoice number INV-3001 is already used');
    const invoices = await h.entities(t.realmId, 'Invoice');
    expect(invoices).toHaveLength(1);
    expect(invoices[0]).toMatchObject({ Id: foreign.Id, TotalAmt: 99, PrivateNote: 'typed in by the bookkeeper' });
  });

  it('ends with exactly one invoice when QBO commits and the connection drops before the answer', async () => {
    const t = await h.tenant();
    await h.admin(`/realms/${t.realmId}/faults`, {
      kind: 'commit-then-drop',
      times: 1,
      match: { method: 'POST', entity: 'invoice', operation: 'create' },
    });
    await h.publish(event(t.id, 'invoice.sent', invoiceData()));
    const rec = await h.waitStatus(t.id, 'invoice', 'INV-1', 'synced');
    const invoices = await h.entities(t.realmId, 'Invoice');
    expect(invoices).toHaveLength(1);
    expect(invoices[0]).toMatchObject({ Id: rec.qboId, TotalAmt: 370 });
    const stats = (await h.admin(`/realms/${t.realmId}/stats`)) as { requestIdReplays: number };
    expect(stats.requestIdReplays).toBeGreaterThanOrEqual(1);
  });
});
