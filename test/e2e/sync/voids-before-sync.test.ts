import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { waitFor } from '@qbo-sync/testkit';
import { event, type Harness, invoiceData, paymentData, startHarness } from '../../support/harness.js';

describe('a void that overtakes its original: posted and voided (the audit trail), or skipped by setting', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('voidsfirst');
  });
  afterAll(async () => {
    await h.close();
  });

  it('invoice.voided before invoice.sent: waits for the invoice, then posts it and voids it; the void sticks', async () => {
    const t = await h.tenant();
    await h.publish(event(t.id, 'invoice.voided', { invoiceId: 'INV-1' }, 60_000));
    const waiting = await h.waitStatus(t.id, 'invoice', 'INV-1', 'waiting');
    expect(waiting.reasonCode).toBe('VOID_BEFORE_ORIGINAL');
    expect(waiting.reason).toContain('posted to QuickBooks and voided there');
    expect(await h.entities(t.realmId, 'Invoice')).toHaveLength(0);

    // The original arrives late (older occurredAt).
    await h.publish(event(t.id, 'invoice.sent', invoiceData()));
    const rec = await h.waitStatus(t.id, 'invoice', 'INV-1', 'voided');
    const invoices = await h.entities(t.realmId, 'Invoice');
    expect(invoices).toHaveLength(1);
    expect(invoices[0]).toMatchObject({ Id: rec.qboId, DocNumber: 'INV-1001', TotalAmt: 0, Balance: 0 });
    expect(String(invoices[0]?.['PrivateNote'])).toMatch(/^Voided/);
    expect(rec).toMatchObject({ docNumber: 'INV-1001', qboUrl: `${h.sandbox.url}/app/invoice?txnId=${rec.qboId}` });

    // Anything later about it changes nothing: the void sticks.
    await h.publish(event(t.id, 'invoice.updated', invoiceData({ memo: 'changed' }), 120_000));
    await waitFor(async () => (await h.attempts(rec.id)).some((a) => a.outcome === 'noop'));
    expect((await h.record(t.id, 'invoice', 'INV-1'))?.status).toBe('voided');
    expect(await h.entities(t.realmId, 'Invoice')).toHaveLength(1);
  });

  it('posted, then the void committed unheard: the retry adopts the voided invoice, one object in QBO', async () => {
    const t = await h.tenant();
    await h.publish(event(t.id, 'invoice.voided', { invoiceId: 'INV-1' }, 60_000));
    await h.waitStatus(t.id, 'invoice', 'INV-1', 'waiting');
    await h.admin(`/realms/${t.realmId}/faults`, {
      kind: 'commit-then-drop',
      times: 3,
      match: { method: 'POST', entity: 'invoice', operation: 'void' },
    });
    await h.publish(event(t.id, 'invoice.sent', invoiceData()));
    const rec = await h.waitStatus(t.id, 'invoice', 'INV-1', 'voided', 20_000);
    const invoices = await h.entities(t.realmId, 'Invoice');
    expect(invoices).toHaveLength(1);
    expect(invoices[0]).toMatchObject({ Id: rec.qboId, DocNumber: 'INV-1001', TotalAmt: 0 });
    expect(rec.writeStartedAt).toBeNull();
  }, 30_000);

  it('a void of an invoice parked on a missing mapping posts and voids it once the mapping exists', async () => {
    const t = await h.tenant({}, { mappings: false });
    await h.map(t.id, 'item', 'ITM-LABOR', t.seeded.items.movingLabor);
    await h.publish(event(t.id, 'invoice.sent', invoiceData()));
    await h.waitStatus(t.id, 'invoice', 'INV-1', 'needs_mapping');
    await h.publish(event(t.id, 'invoice.voided', { invoiceId: 'INV-1' }, 60_000));
    await waitFor(async () => (await h.record(t.id, 'invoice', 'INV-1'))?.pendingJob === 'invoice.void', {
      what: 'the void to park on the mapping',
    });
    expect(await h.entities(t.realmId, 'Invoice')).toHaveLength(0);
    await h.map(t.id, 'item', 'ITM-PACK', t.seeded.items.packingMaterials);
    const rec = await h.waitStatus(t.id, 'invoice', 'INV-1', 'voided');
    const invoices = await h.entities(t.realmId, 'Invoice');
    expect(invoices).toHaveLength(1);
    expect(invoices[0]).toMatchObject({ Id: rec.qboId, TotalAmt: 0 });
  });

  /** Runs `fn` with the invoice.sync queue paused (its jobs wait), so other queues' jobs run first. */
  async function withInvoiceSyncPaused(fn: () => Promise<void>): Promise<void> {
    const queue = h.producer.queues['invoice.sync'];
    await queue.pause();
    try {
      await fn();
    } finally {
      await queue.resume();
    }
  }
  /** Waits until the event's job run has ended for good (its inbox row is marked processed). */
  async function processed(tenantId: string, e: { id: string }) {
    await waitFor(
      async () => {
        const [row] = await h.db.sql<{ done: boolean }[]>`
          select processed_at is not null as done from inbox_events where tenant_id = ${tenantId} and event_id = ${e.id}`;
        return row?.done;
      },
      { what: `event ${e.id} to be processed` },
    );
  }
  /** Every event of the tenant through a finished run, and the record in `status`. */
  async function settled(tenantId: string, status: string) {
    return waitFor(
      async () => {
        const [open] = await h.db.sql<{ n: number }[]>`
          select count(*)::int as n from inbox_events where tenant_id = ${tenantId} and processed_at is null`;
        const rec = await h.record(tenantId, 'invoice', 'INV-1');
        return open?.n === 0 && rec?.status === status ? rec : undefined;
      },
      { what: `every event processed and the invoice ${status}` },
    );
  }
  async function expectPostedAndVoided(t: { id: string; realmId: string }) {
    const rec = await settled(t.id, 'voided');
    const invoices = await h.entities(t.realmId, 'Invoice');
    expect(invoices).toHaveLength(1);
    expect(invoices[0]).toMatchObject({ Id: rec.qboId, DocNumber: 'INV-1001', TotalAmt: 0 });
    expect(String(invoices[0]?.['PrivateNote'])).toMatch(/^Voided/);
    // Its customer exists in QBO too, as for any invoice posted.
    const customers = await h.entities(t.realmId, 'Customer');
    expect(customers.filter((c) => String(c['Notes'] ?? '').includes(':customer:C-1'))).toHaveLength(1);
  }

  it('draft → sent → voided with the void run first: the void decides on the sent state, posted and voided', async () => {
    const t = await h.tenant();
    await withInvoiceSyncPaused(async () => {
      await h.publish(event(t.id, 'invoice.sent', invoiceData({ status: 'draft' })));
      await h.publish(event(t.id, 'invoice.updated', invoiceData(), 1_000));
      const voided = event(t.id, 'invoice.voided', { invoiceId: 'INV-1' }, 2_000);
      await h.publish(voided);
      // The void's own queue is not held up: it runs while both invoice jobs wait.
      await processed(t.id, voided);
    });
    await expectPostedAndVoided(t);
  });

  it('draft synced (skipped), then sent and voided with the void first: posted and voided', async () => {
    const t = await h.tenant();
    await h.publish(event(t.id, 'invoice.sent', invoiceData({ status: 'draft' })));
    await h.waitStatus(t.id, 'invoice', 'INV-1', 'skipped');
    await withInvoiceSyncPaused(async () => {
      await h.publish(event(t.id, 'invoice.updated', invoiceData(), 1_000));
      await h.publish(event(t.id, 'invoice.voided', { invoiceId: 'INV-1' }, 2_000));
      await h.waitStatus(t.id, 'invoice', 'INV-1', 'voided');
    });
    await expectPostedAndVoided(t);
  });

  it('draft, then its void, then the sent version that happened before the void: posted and voided', async () => {
    const t = await h.tenant();
    await h.publish(event(t.id, 'invoice.sent', invoiceData({ status: 'draft' })));
    await h.waitStatus(t.id, 'invoice', 'INV-1', 'skipped');
    await h.publish(event(t.id, 'invoice.voided', { invoiceId: 'INV-1' }, 2_000));
    const draftVoided = await h.waitStatus(t.id, 'invoice', 'INV-1', 'voided');
    expect(draftVoided.qboId).toBeNull();
    // Delivered late: it happened before the void, so the void applies to the sent invoice.
    await h.publish(event(t.id, 'invoice.updated', invoiceData(), 1_000));
    await waitFor(async () => (await h.record(t.id, 'invoice', 'INV-1'))?.qboId ?? undefined, {
      what: 'the late sent version to be posted and voided',
    });
    await expectPostedAndVoided(t);
  });

  it('a draft voided stays unposted, however its events arrive', async () => {
    const t = await h.tenant();
    await withInvoiceSyncPaused(async () => {
      await h.publish(event(t.id, 'invoice.sent', invoiceData({ status: 'draft' })));
      const voided = event(t.id, 'invoice.voided', { invoiceId: 'INV-1' }, 2_000);
      await h.publish(voided);
      await processed(t.id, voided);
    });
    const rec = await settled(t.id, 'voided');
    expect(rec.qboId).toBeNull();
    expect(rec.reason).toContain('draft');
    // A version sent after the void changes nothing: the void is final.
    await h.publish(event(t.id, 'invoice.updated', invoiceData(), 3_000));
    await settled(t.id, 'voided');
    expect(await h.entities(t.realmId, 'Invoice')).toHaveLength(0);
  });

  it('payment.voided before payment.accepted: posted unapplied and voided; its invoice is untouched', async () => {
    const t = await h.tenant();
    await h.publish(event(t.id, 'invoice.sent', invoiceData()));
    await h.waitStatus(t.id, 'invoice', 'INV-1', 'synced');
    await h.publish(event(t.id, 'payment.voided', { paymentId: 'PAY-1', reason: 'echeck_rejected' }, 60_000));
    await h.waitStatus(t.id, 'payment', 'PAY-1', 'waiting');
    await h.publish(event(t.id, 'payment.accepted', paymentData()));
    const rec = await h.waitStatus(t.id, 'payment', 'PAY-1', 'voided');
    const payments = await h.entities(t.realmId, 'Payment');
    expect(payments).toHaveLength(1);
    expect(payments[0]).toMatchObject({ Id: rec.qboId, TotalAmt: 0, PaymentRefNum: 'ch_0001', Line: [] });
    expect((await h.entities(t.realmId, 'Invoice'))[0]).toMatchObject({ Balance: 370 });
  });

  it('a payment voided while it waits for its invoice is posted and voided without waiting', async () => {
    const t = await h.tenant();
    await h.publish(event(t.id, 'payment.accepted', paymentData()));
    await h.waitStatus(t.id, 'payment', 'PAY-1', 'waiting');
    await h.publish(event(t.id, 'payment.voided', { paymentId: 'PAY-1', reason: 'echeck_rejected' }, 60_000));
    const rec = await h.waitStatus(t.id, 'payment', 'PAY-1', 'voided');
    expect(rec.waitingFor).toBeNull();
    expect(await h.entities(t.realmId, 'Payment')).toEqual([expect.objectContaining({ Id: rec.qboId, TotalAmt: 0 })]);
    expect(await h.entities(t.realmId, 'Invoice')).toHaveLength(0);
  });

  it('voidsBeforeSync: skip posts neither the invoice nor the payment, and the late originals change nothing', async () => {
    const t = await h.tenant({ voidsBeforeSync: 'skip' });
    await h.publish(event(t.id, 'invoice.voided', { invoiceId: 'INV-1' }, 60_000));
    await h.publish(event(t.id, 'payment.voided', { paymentId: 'PAY-1', reason: 'echeck_rejected' }, 60_000));
    await h.waitStatus(t.id, 'invoice', 'INV-1', 'voided');
    await h.waitStatus(t.id, 'payment', 'PAY-1', 'voided');
    await h.publish(event(t.id, 'invoice.sent', invoiceData()));
    await h.publish(event(t.id, 'payment.accepted', paymentData()));
    for (const [type, id] of [
      ['invoice', 'INV-1'],
      ['payment', 'PAY-1'],
    ] as const) {
      const rec = await h.waitStatus(t.id, type, id, 'voided');
      await waitFor(async () => (await h.attempts(rec.id)).some((a) => a.outcome === 'noop'), {
        what: `the late ${type} event to run`,
      });
      expect((await h.record(t.id, type, id))?.status).toBe('voided');
    }
    expect(await h.entities(t.realmId, 'Invoice')).toHaveLength(0);
    expect(await h.entities(t.realmId, 'Payment')).toHaveLength(0);
  });
});
