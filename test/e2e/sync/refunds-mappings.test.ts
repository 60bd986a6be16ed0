import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { jobIdFor } from '@qbo-sync/contracts';
import { deleteMapping, getMapping } from '@qbo-sync/db/repositories/mappings';
import { waitFor } from '@qbo-sync/testkit';
import { event, type Harness, invoiceData, paymentData, refundData, startHarness } from '../../support/harness.js';

type Row = Record<string, unknown>;

describe('refunds and mappings end to end', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('refunds');
  });
  afterAll(async () => {
    await h.close();
  });

  it('holds a refund until its payment syncs, then posts an A/R expense for the customer', async () => {
    const t = await h.tenant();
    await h.publish(event(t.id, 'refund.issued', refundData()));
    const waiting = await h.waitStatus(t.id, 'refund', 'REF-1', 'waiting');
    expect(waiting).toMatchObject({ reasonCode: 'WAITING_FOR_PAYMENT', waitingFor: 'payment:PAY-1' });

    await h.publish(event(t.id, 'payment.accepted', paymentData()));
    await h.waitStatus(t.id, 'payment', 'PAY-1', 'waiting');
    await h.publish(event(t.id, 'invoice.sent', invoiceData()));
    await h.waitStatus(t.id, 'payment', 'PAY-1', 'synced');
    const ref = await h.waitStatus(t.id, 'refund', 'REF-1', 'synced');

    const customer = (await h.entities(t.realmId, 'Customer')).find((c) => c['DisplayName'] === 'John Brown');
    const purchases = await h.entities(t.realmId, 'Purchase');
    expect(purchases).toHaveLength(1);
    const p = purchases[0] as Row;
    expect(p).toMatchObject({
      Id: ref.qboId,
      PaymentType: 'Cash',
      TotalAmt: 50,
      AccountRef: { value: t.seeded.accounts.checking },
      EntityRef: { value: customer?.['Id'], type: 'Customer' },
    });
    const lines = p['Line'] as Row[];
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      DetailType: 'AccountBasedExpenseLineDetail',
      Amount: 50,
      AccountBasedExpenseLineDetail: { AccountRef: { value: t.seeded.accounts.accountsReceivable } },
    });
    expect(String(p['PrivateNote'])).toContain(`qbo-sync:${t.id}:refund:REF-1`);
    expect(ref.qboUrl).toBe(`${h.sandbox.url}/app/expense?txnId=${ref.qboId}`);
  });

  it('parks an invoice with an unmapped item as needs_mapping and syncs it by itself once mapped', async () => {
    const t = await h.tenant();
    const data = invoiceData();
    data.lines = [
      ...data.lines,
      { id: 'L3', itemId: 'ITM-TAPE', description: 'Packing tape', quantity: '2', unitPrice: '4.5', amount: '9.00' },
      { id: 'L4', itemId: 'ITM-CRATE', quantity: '1', unitPrice: '11', amount: '11.00' },
    ] as typeof data.lines;
    data.totals = { subtotal: '390.00', tax: '0.00', total: '390.00' };
    const sent = event(t.id, 'invoice.sent', data);
    await h.publish(sent);
    const parked = await h.waitStatus(t.id, 'invoice', 'INV-1', 'needs_mapping');
    expect(parked.reasonCode).toBe('MISSING_MAPPING');
    // bull-board agrees with the console: the job is in Failed (no retry spent) with the reason and a link.
    const queue = h.producer.queues['invoice.sync'];
    const jobId = jobIdFor('invoice.sync', { tenantId: t.id, entityId: 'INV-1', eventId: sent.id });
    await waitFor(async () => (await (await queue.getJob(jobId))?.getState()) === 'failed', {
      what: 'the parked sync’s job to be failed',
    });
    const job = await queue.getJob(jobId);
    expect(job?.attemptsMade).toBe(1);
    expect(job?.failedReason).toMatch(
      new RegExp(
        `^needs_mapping \\(MISSING_MAPPING\\): Item 'Packing tape' .* — http://.+/console/records/${t.id}/invoice/INV-1$`,
      ),
    );
    expect(parked.details).toEqual({
      missing: [
        { kind: 'item', key: 'ITM-TAPE', label: 'Packing tape' },
        { kind: 'item', key: 'ITM-CRATE' },
      ],
    });
    expect(parked.reason).toContain("Item 'Packing tape' (billing id ITM-TAPE) is not mapped to a QuickBooks product.");
    expect(await h.entities(t.realmId, 'Invoice')).toHaveLength(0);

    // One mapping is not enough: still parked, now naming only what is left.
    await h.map(t.id, 'item', 'ITM-TAPE', t.seeded.items.packingMaterials);
    const still = await waitFor(async () => {
      const r = await h.record(t.id, 'invoice', 'INV-1');
      return r?.status === 'needs_mapping' && (r.details as { missing: unknown[] }).missing.length === 1
        ? r
        : undefined;
    });
    expect(still.details).toEqual({ missing: [{ kind: 'item', key: 'ITM-CRATE' }] });

    await h.map(t.id, 'item', 'ITM-CRATE', t.seeded.items.storage);
    const rec = await h.waitStatus(t.id, 'invoice', 'INV-1', 'synced');
    const [inv] = await h.entities(t.realmId, 'Invoice');
    expect(inv).toMatchObject({ Id: rec.qboId, TotalAmt: 390 });
    const items = ((inv?.['Line'] ?? []) as Row[])
      .filter((l) => l['DetailType'] === 'SalesItemLineDetail')
      .map((l) => [l['Amount'], ((l['SalesItemLineDetail'] as Row)['ItemRef'] as Row)['value']]);
    expect(items).toEqual([
      [360, t.seeded.items.movingLabor],
      [10, t.seeded.items.packingMaterials],
      [9, t.seeded.items.packingMaterials],
      [11, t.seeded.items.storage],
    ]);
  });

  it('resumes a parked refund by itself once the missing refund account is mapped', async () => {
    const t = await h.tenant();
    await deleteMapping(h.db.db, t.id, 'account', 'refund_bank');
    await h.publish(event(t.id, 'invoice.sent', invoiceData()));
    await h.publish(event(t.id, 'payment.accepted', paymentData()));
    await h.publish(event(t.id, 'refund.issued', refundData()));
    const parked = await h.waitStatus(t.id, 'refund', 'REF-1', 'needs_mapping');
    expect(parked.details).toEqual({ missing: [{ kind: 'account', key: 'refund_bank' }] });
    expect(parked.reason).toContain('the bank account refunds are paid from');
    // The park records the mappings version its run decided with: what the sweep compares to resume it.
    const mappingsVersion = async () =>
      Number(
        (await h.db.sql<{ v: string }[]>`select mappings_version::text as v from tenants where id = ${t.id}`)[0]?.v,
      );
    expect(parked.mappingsVersionSeen).toBe(await mappingsVersion());
    await h.map(t.id, 'account', 'refund_bank', t.seeded.accounts.clientTrust);
    expect(await mappingsVersion()).toBe((parked.mappingsVersionSeen ?? Number.NaN) + 1);
    const ref = await h.waitStatus(t.id, 'refund', 'REF-1', 'synced');
    expect(await h.entities(t.realmId, 'Purchase')).toHaveLength(1);
    expect((await h.entities(t.realmId, 'Purchase'))[0]).toMatchObject({
      Id: ref.qboId,
      AccountRef: { value: t.seeded.accounts.clientTrust },
    });
  });

  it('replays failed syncs through resumeParked (the admin API path) after the cause is fixed', async () => {
    const t = await h.tenant();
    // A mapping to an item QBO does not have: a permanent fault, failed without retries.
    await h.map(t.id, 'item', 'ITM-PACK', '999999');
    await h.publish(event(t.id, 'invoice.sent', invoiceData()));
    const failed = await h.waitStatus(t.id, 'invoice', 'INV-1', 'failed');
    expect(failed.reasonCode).toBe('INVALID_REFERENCE');
    expect(failed.reason).toContain('A mapping points at something that does not exist in QuickBooks.');
    await h.map(t.id, 'item', 'ITM-PACK', t.seeded.items.packingMaterials);
    expect(await h.app.resumeParked(t.id, { status: 'failed' })).toBe(1);
    const rec = await h.waitStatus(t.id, 'invoice', 'INV-1', 'synced');
    expect((await h.entities(t.realmId, 'Invoice')).map((i) => i['Id'])).toEqual([rec.qboId]);
  });

  it('creates missing items in QBO (and maps them) when the tenant opts in, instead of parking', async () => {
    const t = await h.tenant({ createMissingItems: true });
    const data = invoiceData();
    data.lines = [
      ...data.lines,
      {
        id: 'L3',
        itemId: 'ITM-PIANO',
        description: 'Piano: handling',
        quantity: '1',
        unitPrice: '150',
        amount: '150.00',
      },
      {
        id: 'L4',
        itemId: 'ITM-PIANO',
        description: 'Piano: handling',
        quantity: '1',
        unitPrice: '150',
        amount: '150.00',
      },
    ] as typeof data.lines;
    data.totals = { subtotal: '670.00', tax: '0.00', total: '670.00' };
    await h.publish(event(t.id, 'invoice.sent', data));
    const rec = await h.waitStatus(t.id, 'invoice', 'INV-1', 'synced');
    const created = (await h.entities(t.realmId, 'Item')).filter((i) => i['Name'] === 'Piano handling');
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({ Type: 'Service', IncomeAccountRef: { value: expect.any(String) } });
    const mapping = await getMapping(h.db.db, t.id, 'item', 'ITM-PIANO');
    expect(mapping?.qboId).toBe(created[0]?.['Id']);
    const [inv] = await h.entities(t.realmId, 'Invoice');
    expect(inv).toMatchObject({ Id: rec.qboId, TotalAmt: 670 });
  });
});
