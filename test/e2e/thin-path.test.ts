// The thin path through every layer, as a billing system uses it: a signed POST /v1/events over real
// HTTP -> inbox row -> BullMQ job -> worker -> customer + invoice in the (local) QBO company -> sync
// record `synced` with the QBO id and link, readable through GET /v1/sync-status. No component mocked.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { waitFor } from '@qbo-sync/testkit';
import { type Harness, startHarness, type Tenant } from '../support/harness.js';

type Row = Record<string, unknown>;

describe('thin path: POST /v1/events -> QBO invoice -> synced', () => {
  let h: Harness;
  let tenant: Tenant;

  beforeAll(async () => {
    h = await startHarness('e2e');
    tenant = await h.tenant({}, { id: 'acme-movers' });
    await h.map(tenant.id, 'item', 'moving-labor', tenant.seeded.items.movingLabor);
    await h.map(tenant.id, 'item', 'packing-materials', tenant.seeded.items.packingMaterials);
  });
  afterAll(async () => {
    await h?.close();
  });

  const entities = async (entity: string) => (await h.entities(tenant.realmId, entity)) as Row[];

  const event = {
    id: 'evt-inv-1001-sent',
    type: 'invoice.sent',
    version: 1,
    tenantId: 'acme-movers',
    occurredAt: '2026-11-21T10:00:00Z',
    data: {
      id: 'INV-1001',
      number: '1001',
      status: 'sent',
      issueDate: '2026-11-21',
      dueDate: '2026-12-21',
      currency: 'USD',
      customer: { id: 'C-42', firstName: 'Ada', lastName: "O'Brien", email: 'ada.obrien@example.com' },
      lines: [
        {
          id: 'L1',
          itemId: 'moving-labor',
          description: 'Crew of 3, 3 hours',
          quantity: '3',
          unitPrice: '95.00',
          amount: '285.00',
        },
        { id: 'L2', itemId: 'packing-materials', quantity: '12', unitPrice: '2.49', amount: '29.88' },
      ],
      totals: { subtotal: '314.88', tax: '0.00', total: '314.88' },
      memo: 'Move from Elm St to Oak Ave',
    },
  };

  it('syncs the invoice and its customer into QBO and reports synced with the QBO id and link', async () => {
    const res = await h.post(tenant.id, '/v1/events', event);
    expect(res.status).toBe(202);
    expect(((await res.json()) as { status: string }).status).toBe('accepted');

    const status = await waitFor(
      async () => {
        const r = await fetch(`${h.apiUrl}/v1/sync-status/invoice/INV-1001`, {
          headers: { 'x-api-key': tenant.apiKey },
        });
        if (r.status !== 200) return undefined;
        const body = (await r.json()) as { status: string; qboId?: string; qboUrl?: string; docNumber?: string };
        return body.status === 'synced' ? body : undefined;
      },
      { timeoutMs: 20_000, what: 'invoice INV-1001 to be synced' },
    );

    const invoices = await entities('Invoice');
    expect(invoices).toHaveLength(1);
    const invoice = invoices[0] as { Id: string; DocNumber: string; TotalAmt: number; CustomerRef: { value: string } };
    expect(status.qboId).toBe(invoice.Id);
    expect(status.docNumber).toBe('1001');
    expect(invoice.DocNumber).toBe('1001');
    expect(invoice.TotalAmt).toBe(314.88);
    expect(status.qboUrl).toContain(`txnId=${invoice.Id}`);

    const customers = (await entities('Customer')).filter((c) => c.DisplayName === "Ada O'Brien");
    expect(customers).toHaveLength(1);
    expect((customers[0] as { Id: string }).Id).toBe(invoice.CustomerRef.value);

    const inbox = await h.db.sql<{ enqueued_at: Date | null }[]>`
      select enqueued_at from inbox_events where tenant_id = 'acme-movers'`;
    expect(inbox).toHaveLength(1);
    expect(inbox[0]?.enqueued_at).not.toBeNull();
  });

  it('acknowledges a repeat delivery as a duplicate and creates nothing more in QBO', async () => {
    const res = await h.post(tenant.id, '/v1/events', event);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { status: string }).status).toBe('duplicate');
    expect(await entities('Invoice')).toHaveLength(1);
  });
});
