import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { event, type Harness, invoiceData, paymentData, startHarness } from '../../support/harness.js';

// Tenant setting syncInvoicesWhen: paid (CaseEasy's model): an invoice reaches QuickBooks only once the billing
// system says it is paid, and its payments follow it.
describe('sync invoices only once paid', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('when-paid');
  });
  afterAll(async () => {
    await h.close();
  });

  it('holds a sent invoice and its payment until the invoice is paid, then syncs both', async () => {
    const t = await h.tenant({ syncInvoicesWhen: 'paid' });
    await h.publish(event(t.id, 'invoice.sent', invoiceData()));
    const held = await h.waitStatus(t.id, 'invoice', 'INV-1', 'skipped');
    expect(held.reasonCode).toBe('UNPAID_INVOICE');
    expect(held.reason).toContain('syncInvoicesWhen: paid');
    await h.publish(event(t.id, 'payment.accepted', paymentData()));
    await h.waitStatus(t.id, 'payment', 'PAY-1', 'waiting');
    expect(await h.entities(t.realmId, 'Invoice')).toHaveLength(0);

    await h.publish(event(t.id, 'invoice.updated', invoiceData({ status: 'paid' }), 60_000));
    await h.waitStatus(t.id, 'invoice', 'INV-1', 'synced');
    await h.waitStatus(t.id, 'payment', 'PAY-1', 'synced');
    expect((await h.entities(t.realmId, 'Invoice'))[0]).toMatchObject({ TotalAmt: 370, Balance: 0 });
  });

  it('never posts an invoice voided unpaid', async () => {
    const t = await h.tenant({ syncInvoicesWhen: 'paid' });
    await h.publish(event(t.id, 'invoice.sent', invoiceData()));
    await h.waitStatus(t.id, 'invoice', 'INV-1', 'skipped');
    await h.publish(event(t.id, 'invoice.voided', { invoiceId: 'INV-1' }, 60_000));
    const rec = await h.waitStatus(t.id, 'invoice', 'INV-1', 'voided');
    expect(rec.reason).toContain('voided unpaid');
    expect(await h.entities(t.realmId, 'Invoice')).toHaveLength(0);
  });

  it('syncs sent invoices at once with the default (when sent)', async () => {
    const t = await h.tenant();
    await h.publish(event(t.id, 'invoice.sent', invoiceData()));
    await h.waitStatus(t.id, 'invoice', 'INV-1', 'synced');
  });
});
