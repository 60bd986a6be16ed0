import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  customer,
  event,
  type Harness,
  invoiceData,
  paymentData,
  startHarness,
  type Tenant,
} from '../../support/harness.js';

// The manual sync window and replays filter by what the billing system's user sees — the document's own
// date, its customer, its job or case — not only by when our record last changed.
describe('sync windows by document date, customer and job', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('windows');
  });
  afterAll(async () => {
    await h.close();
  });

  const adminPost = async (path: string, body: unknown) => {
    const res = await fetch(`${h.apiUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };
  const statusOf = async (t: Tenant, type: string, id: string) => (await h.record(t.id, type, id))?.status;

  async function threeInvoices(t: Tenant) {
    await h.publish(
      event(t.id, 'invoice.sent', invoiceData({ id: 'INV-FEB', number: 'F-1', issueDate: '2026-02-10' })),
    );
    await h.publish(
      event(
        t.id,
        'invoice.sent',
        invoiceData({ id: 'INV-MAR', number: 'M-1', issueDate: '2026-03-05', jobId: 'CASE-7' }),
      ),
    );
    await h.publish(
      event(
        t.id,
        'invoice.sent',
        invoiceData({
          id: 'INV-MAR2',
          number: 'M-2',
          issueDate: '2026-03-20',
          jobId: 'CASE-9',
          customer: customer('C-2', { firstName: 'Ann', lastName: 'Lee' }),
        }),
      ),
    );
    for (const id of ['INV-FEB', 'INV-MAR', 'INV-MAR2']) await h.waitStatus(t.id, 'invoice', id, 'needs_sync');
  }

  it('syncs only the invoices dated in the window, of the customer asked for', async () => {
    const t = await h.tenant({ autoSync: false });
    await threeInvoices(t);
    const res = await adminPost(`/admin/tenants/${t.id}/sync`, {
      entityType: 'invoice',
      documentDateFrom: '2026-03-01',
      documentDateTo: '2026-03-31',
      customerId: 'C-1',
      note: 'March invoices of C-1',
    });
    expect(res).toEqual({ status: 200, json: { queued: 1 } });
    await h.waitStatus(t.id, 'invoice', 'INV-MAR', 'synced');
    expect(await statusOf(t, 'invoice', 'INV-FEB')).toBe('needs_sync');
    expect(await statusOf(t, 'invoice', 'INV-MAR2')).toBe('needs_sync');
    expect((await h.entities(t.realmId, 'Invoice')).map((i) => i['DocNumber'])).toEqual(['M-1']);
  });

  it("syncs a job's invoice and the payments of that invoice, and nothing else", async () => {
    const t = await h.tenant({ autoSync: false });
    await threeInvoices(t);
    await h.publish(
      event(
        t.id,
        'payment.accepted',
        paymentData({
          id: 'PAY-MAR2',
          invoiceId: 'INV-MAR2',
          customer: customer('C-2', { firstName: 'Ann', lastName: 'Lee' }),
        }),
      ),
    );
    await h.publish(event(t.id, 'payment.accepted', paymentData({ id: 'PAY-FEB', invoiceId: 'INV-FEB' })));
    await h.waitStatus(t.id, 'payment', 'PAY-MAR2', 'needs_sync');
    await h.waitStatus(t.id, 'payment', 'PAY-FEB', 'needs_sync');
    const res = await adminPost(`/admin/tenants/${t.id}/sync`, { jobId: 'CASE-9', note: 'case 9' });
    expect(res).toEqual({ status: 200, json: { queued: 2 } });
    await h.waitStatus(t.id, 'payment', 'PAY-MAR2', 'synced');
    expect(await statusOf(t, 'invoice', 'INV-MAR2')).toBe('synced');
    expect(await statusOf(t, 'payment', 'PAY-FEB')).toBe('needs_sync');
    expect(await statusOf(t, 'invoice', 'INV-MAR')).toBe('needs_sync');
  });

  it('replays failures by payment date only', async () => {
    const t = await h.tenant();
    await h.map(t.id, 'payment_method', 'card', '999999');
    await h.publish(event(t.id, 'invoice.sent', invoiceData()));
    await h.publish(
      event(t.id, 'payment.accepted', paymentData({ id: 'PAY-A', amount: '100.00', receivedOn: '2026-03-02' })),
    );
    await h.publish(
      event(t.id, 'payment.accepted', paymentData({ id: 'PAY-B', amount: '100.00', receivedOn: '2026-04-02' })),
    );
    await h.waitStatus(t.id, 'payment', 'PAY-A', 'failed');
    await h.waitStatus(t.id, 'payment', 'PAY-B', 'failed');
    await h.map(t.id, 'payment_method', 'card', t.seeded.paymentMethods.creditCard);
    const res = await adminPost(`/admin/tenants/${t.id}/replay`, {
      status: 'failed',
      documentDateFrom: '2026-04-01',
      documentDateTo: '2026-04-30',
      note: 'April payments after the method was fixed',
    });
    expect(res).toEqual({ status: 200, json: { replayed: 1 } });
    await h.waitStatus(t.id, 'payment', 'PAY-B', 'synced');
    expect(await statusOf(t, 'payment', 'PAY-A')).toBe('failed');
  });

  it('refuses a window that ends before it starts, naming the field', async () => {
    const t = await h.tenant({ autoSync: false });
    const res = await adminPost(`/admin/tenants/${t.id}/sync`, {
      documentDateFrom: '2026-03-31',
      documentDateTo: '2026-03-01',
      note: 'backwards window',
    });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.json)).toContain('documentDateTo');
  });
});
