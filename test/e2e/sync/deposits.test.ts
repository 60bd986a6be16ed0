import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { waitFor } from '@qbo-sync/testkit';
import { event, type Harness, invoiceData, paymentData, startHarness, type Tenant } from '../../support/harness.js';

type Row = Record<string, unknown>;
const links = (p: Row | undefined) =>
  ((p?.['Line'] ?? []) as Row[]).map((l) => [l['Amount'], (l['LinkedTxn'] as Row[])[0]?.['TxnId']]);

const JOB = 'JOB-7';
/** A deposit: a payment with the job's id and no invoice id. */
const deposit = (id: string, amount: string, receivedOn = '2026-02-20') =>
  paymentData({ id, invoiceId: undefined, jobId: JOB, amount, reference: id.toLowerCase(), receivedOn });

describe('deposits: applied to the job invoice whatever the order, exactly once, under faults', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('deposits');
  });
  afterAll(async () => {
    await h.close();
  });

  /** Waits for the deposit to be recorded as applied, then returns it with its QBO payment. */
  async function applied(t: Tenant, id: string, timeoutMs = 15_000) {
    const rec = await waitFor(
      async () => {
        const r = await h.record(t.id, 'payment', id);
        return (r?.details as Row | null)?.['appliedTo'] ? r : undefined;
      },
      { timeoutMs, what: `deposit ${id} to be applied` },
    );
    const qbo = (await h.entities(t.realmId, 'Payment')).find((p) => p['Id'] === rec.qboId);
    return { rec, qbo };
  }

  async function qboInvoice(t: Tenant) {
    const invoices = await h.entities(t.realmId, 'Invoice');
    expect(invoices).toHaveLength(1);
    return invoices[0] as Row;
  }

  it('deposit first, then the invoice: applied when the invoice syncs', async () => {
    const t = await h.tenant();
    await h.publish(event(t.id, 'payment.accepted', deposit('DEP-1', '100.00')));
    await h.waitStatus(t.id, 'payment', 'DEP-1', 'synced');
    await h.publish(event(t.id, 'invoice.sent', invoiceData({ jobId: JOB }), 60_000));
    const inv = await h.waitStatus(t.id, 'invoice', 'INV-1', 'synced');
    const { rec, qbo } = await applied(t, 'DEP-1');
    expect(rec.details).toEqual({ appliedTo: 'INV-1', appliedAmount: '100.00' });
    expect(qbo).toMatchObject({ TotalAmt: 100, UnappliedAmt: 0 });
    expect(links(qbo)).toEqual([[100, inv.qboId]]);
    expect(await qboInvoice(t)).toMatchObject({ TotalAmt: 370, Balance: 270 });
  });

  it('invoice first, then the deposit: applied as soon as the deposit syncs', async () => {
    const t = await h.tenant();
    await h.publish(event(t.id, 'invoice.sent', invoiceData({ jobId: JOB })));
    const inv = await h.waitStatus(t.id, 'invoice', 'INV-1', 'synced');
    await h.admin(`/realms/${t.realmId}/stats`, undefined, 'DELETE');
    await h.publish(event(t.id, 'payment.accepted', deposit('DEP-1', '100.00'), 60_000));
    const { rec, qbo } = await applied(t, 'DEP-1');
    // The deposit's create and its application: what is open and the deposit's lines come from our records.
    expect(((await h.admin(`/realms/${t.realmId}/stats`)) as { requests: number }).requests).toBe(2);
    expect(rec.details).toEqual({ appliedTo: 'INV-1', appliedAmount: '100.00' });
    expect(qbo).toMatchObject({ TotalAmt: 100, UnappliedAmt: 0 });
    expect(links(qbo)).toEqual([[100, inv.qboId]]);
    expect(await qboInvoice(t)).toMatchObject({ Balance: 270 });
    expect(await h.entities(t.realmId, 'Payment')).toHaveLength(1);
  });

  it('close-out carrying deposits already sent: oldest first, each at most what is open, the rest stays credit', async () => {
    const t = await h.tenant();
    await h.publish(event(t.id, 'payment.accepted', deposit('DEP-2', '100.00', '2026-02-25')));
    await h.publish(event(t.id, 'payment.accepted', deposit('DEP-1', '300.00', '2026-02-20')));
    await h.waitStatus(t.id, 'payment', 'DEP-1', 'synced');
    await h.waitStatus(t.id, 'payment', 'DEP-2', 'synced');
    // The close-out lists the deposits again (same ids, no invoice id) and a final payment on the invoice.
    const final = paymentData({ id: 'PAY-FINAL', invoiceId: 'INV-1', jobId: JOB, amount: '20.00', reference: 'final' });
    await h.publish(
      event(
        t.id,
        'job.closed_out',
        {
          jobId: JOB,
          invoice: invoiceData(),
          payments: [deposit('DEP-2', '100.00', '2026-02-25'), deposit('DEP-1', '300.00', '2026-02-20'), final],
        },
        60_000,
      ),
    );
    const inv = await h.waitStatus(t.id, 'invoice', 'INV-1', 'synced');
    const dep1 = await applied(t, 'DEP-1');
    const dep2 = await applied(t, 'DEP-2');
    const fin = await h.waitStatus(t.id, 'payment', 'PAY-FINAL', 'synced');
    expect(dep1.rec.details).toEqual({ appliedTo: 'INV-1', appliedAmount: '300.00' });
    expect(dep2.rec.details).toEqual({ appliedTo: 'INV-1', appliedAmount: '70.00' });
    expect(links(dep1.qbo)).toEqual([[300, inv.qboId]]);
    expect(dep2.qbo).toMatchObject({ TotalAmt: 100, UnappliedAmt: 30 });
    expect(links(dep2.qbo)).toEqual([[70, inv.qboId]]);
    // Nothing was open for the final payment: it stays customer credit.
    expect(fin.details).toEqual({
      appliedTo: 'INV-1',
      appliedAmount: '0.00',
      qbo: expect.objectContaining({ applied: '0.00' }),
    });
    const finQbo = (await h.entities(t.realmId, 'Payment')).find((p) => p['Id'] === fin.qboId);
    expect(finQbo).toMatchObject({ TotalAmt: 20, UnappliedAmt: 20 });
    expect(await qboInvoice(t)).toMatchObject({ TotalAmt: 370, Balance: 0 });
    expect(await h.entities(t.realmId, 'Payment')).toHaveLength(3);
  });

  it('a throttle while applying defers the application (not lost, not failed) and it ends exact', async () => {
    const t = await h.tenant();
    await h.admin(`/realms/${t.realmId}/limits`, { retryAfterSeconds: 1 }, 'PUT');
    await h.publish(event(t.id, 'payment.accepted', deposit('DEP-1', '100.00')));
    await h.waitStatus(t.id, 'payment', 'DEP-1', 'synced');
    await h.admin(`/realms/${t.realmId}/faults`, {
      kind: 'throttle',
      times: 2,
      match: { method: 'POST', entity: 'payment', operation: 'update' },
    });
    await h.publish(event(t.id, 'invoice.sent', invoiceData({ jobId: JOB }), 60_000));
    const inv = await h.waitStatus(t.id, 'invoice', 'INV-1', 'synced');
    const { rec, qbo } = await applied(t, 'DEP-1', 20_000);
    expect(rec.details).toEqual({ appliedTo: 'INV-1', appliedAmount: '100.00' });
    expect(links(qbo)).toEqual([[100, inv.qboId]]);
    expect(qbo).toMatchObject({ UnappliedAmt: 0 });
    expect(await qboInvoice(t)).toMatchObject({ Balance: 270 });
    const stats = (await h.admin(`/realms/${t.realmId}/stats`)) as { throttled429: number };
    expect(stats.throttled429).toBe(2);
    expect((await h.attempts(rec.id)).map((a) => a.outcome)).toEqual(['applied', 'synced']);
  }, 30_000);

  it('5xx on the application retries with backoff; the deposit is applied once, exact', async () => {
    const t = await h.tenant();
    await h.publish(event(t.id, 'payment.accepted', deposit('DEP-1', '100.00')));
    await h.waitStatus(t.id, 'payment', 'DEP-1', 'synced');
    // Three 503s: the client's own retries are spent, so the deposits.apply attempt fails and BullMQ backs off.
    await h.admin(`/realms/${t.realmId}/faults`, {
      kind: 'http5xx',
      status: 503,
      times: 3,
      match: { method: 'POST', entity: 'payment', operation: 'update' },
    });
    await h.publish(event(t.id, 'invoice.sent', invoiceData({ jobId: JOB }), 60_000));
    const inv = await h.waitStatus(t.id, 'invoice', 'INV-1', 'synced');
    const { rec, qbo } = await applied(t, 'DEP-1', 20_000);
    expect(rec.details).toEqual({ appliedTo: 'INV-1', appliedAmount: '100.00' });
    expect(links(qbo)).toEqual([[100, inv.qboId]]);
    expect(await qboInvoice(t)).toMatchObject({ Balance: 270 });
  }, 30_000);

  it('an application QBO committed unheard, mid-way through two deposits, is recorded, not applied twice', async () => {
    const t = await h.tenant();
    await h.publish(event(t.id, 'payment.accepted', deposit('DEP-1', '100.00', '2026-02-20')));
    await h.publish(event(t.id, 'payment.accepted', deposit('DEP-2', '50.00', '2026-02-21')));
    await h.waitStatus(t.id, 'payment', 'DEP-1', 'synced');
    await h.waitStatus(t.id, 'payment', 'DEP-2', 'synced');
    // The first deposit's application commits in QBO, every answer is lost; the retry must not apply it again.
    await h.admin(`/realms/${t.realmId}/faults`, {
      kind: 'commit-then-drop',
      times: 3,
      match: { method: 'POST', entity: 'payment', operation: 'update' },
    });
    await h.publish(event(t.id, 'invoice.sent', invoiceData({ jobId: JOB }), 60_000));
    const inv = await h.waitStatus(t.id, 'invoice', 'INV-1', 'synced');
    const dep1 = await applied(t, 'DEP-1', 20_000);
    const dep2 = await applied(t, 'DEP-2', 20_000);
    expect(dep1.rec.details).toEqual({ appliedTo: 'INV-1', appliedAmount: '100.00' });
    expect(dep2.rec.details).toEqual({ appliedTo: 'INV-1', appliedAmount: '50.00' });
    expect(dep1.qbo).toMatchObject({ TotalAmt: 100, UnappliedAmt: 0 });
    expect(links(dep1.qbo)).toEqual([[100, inv.qboId]]);
    expect(links(dep2.qbo)).toEqual([[50, inv.qboId]]);
    expect(await qboInvoice(t)).toMatchObject({ Balance: 220 });
    expect((await h.attempts(dep1.rec.id)).filter((a) => a.outcome === 'applied')).toHaveLength(1);
  }, 30_000);

  /** Holds the realm's matching payment writes `ms` in the sandbox; resolves once the first one is held. */
  async function holdPaymentWrites(t: Tenant, operation: 'update' | 'void', ms: number) {
    const { rules } = (await h.admin(`/realms/${t.realmId}/faults`, {
      kind: 'latency',
      latencyMs: ms,
      match: { method: 'POST', entity: 'payment', operation },
    })) as { rules: { id: number }[] };
    const id = rules.at(-1)?.id;
    return {
      held: () =>
        waitFor(
          async () => {
            const now = (await h.admin(`/realms/${t.realmId}/faults`)) as { rules: { id: number; fired: number }[] };
            return (now.rules.find((r) => r.id === id)?.fired ?? 0) > 0;
          },
          { what: `a payment ${operation} to be held in the sandbox` },
        ),
      release: () => h.admin(`/realms/${t.realmId}/faults`, undefined, 'DELETE'),
    };
  }

  /** The deposit voided, in our record and in QBO, and the invoice's balance whole again, nothing left running. */
  async function expectDepositVoided(t: Tenant, id: string) {
    const done = waitFor(
      async () => {
        const [open] = await h.db.sql<{ n: number }[]>`
          select count(*)::int as n from inbox_events where tenant_id = ${t.id} and processed_at is null`;
        const counts = await h.producer.queues['deposits.apply'].getJobCounts(
          'active',
          'waiting',
          'delayed',
          'prioritized',
        );
        const rec = await h.record(t.id, 'payment', id);
        return open?.n === 0 && Object.values(counts).every((n) => n === 0) && rec?.status === 'voided';
      },
      { timeoutMs: 20_000, what: `deposit ${id} to be voided and every job to finish` },
    );
    await done.catch(async (err: Error) => {
      const r = await h.record(t.id, 'payment', id);
      throw new Error(`${err.message}; the deposit is ${r?.status} (${r?.reasonCode}) ${JSON.stringify(r?.details)}`);
    });
    const rec = await h.record(t.id, 'payment', id);
    const qbo = (await h.entities(t.realmId, 'Payment')).find((p) => p['Id'] === rec?.qboId);
    expect(qbo).toMatchObject({ TotalAmt: 0, Line: [] });
    expect(String(qbo?.['PrivateNote'])).toMatch(/^Voided/);
    expect(await qboInvoice(t)).toMatchObject({ TotalAmt: 370, Balance: 370 });
  }

  it('a deposit voided while its application is being written: the void waits for it, then voids it', async () => {
    const t = await h.tenant();
    await h.publish(event(t.id, 'payment.accepted', deposit('DEP-1', '100.00')));
    await h.waitStatus(t.id, 'payment', 'DEP-1', 'synced');
    const hold = await holdPaymentWrites(t, 'update', 3_000);
    await h.publish(event(t.id, 'invoice.sent', invoiceData({ jobId: JOB }), 60_000));
    await hold.held();
    await h.publish(event(t.id, 'payment.voided', { paymentId: 'DEP-1', reason: 'voided' }, 120_000));
    await expectDepositVoided(t, 'DEP-1');
  }, 45_000);

  it('a deposit applied while its void is being written: the void still lands, the application is not left', async () => {
    const t = await h.tenant();
    await h.publish(event(t.id, 'payment.accepted', deposit('DEP-1', '100.00')));
    await h.waitStatus(t.id, 'payment', 'DEP-1', 'synced');
    const hold = await holdPaymentWrites(t, 'void', 3_000);
    await h.publish(event(t.id, 'payment.voided', { paymentId: 'DEP-1', reason: 'voided' }, 120_000));
    await hold.held();
    await h.publish(event(t.id, 'invoice.sent', invoiceData({ jobId: JOB }), 60_000));
    await h.waitStatus(t.id, 'invoice', 'INV-1', 'synced');
    await expectDepositVoided(t, 'DEP-1');
  }, 45_000);

  it('the sweep queues an application whose job was lost (Redis lost it, or it was never queued)', async () => {
    const t = await h.tenant();
    const worker = h.app.workers.get('deposits.apply');
    if (!worker) throw new Error('no deposits.apply worker');
    await worker.pause(true);
    try {
      await h.publish(event(t.id, 'payment.accepted', deposit('DEP-1', '100.00')));
      await h.waitStatus(t.id, 'payment', 'DEP-1', 'synced');
      await h.publish(event(t.id, 'invoice.sent', invoiceData({ jobId: JOB }), 60_000));
      await h.waitStatus(t.id, 'invoice', 'INV-1', 'synced');
      const queue = h.producer.queues['deposits.apply'];
      await waitFor(async () => (await queue.getJobCounts('prioritized', 'waiting'))['prioritized'] ?? 0, {
        what: 'the application to be queued',
      });
      for (const job of await queue.getJobs(['prioritized', 'waiting', 'delayed'])) await job.remove();
    } finally {
      worker.resume();
    }
    const { rec, qbo } = await applied(t, 'DEP-1');
    expect(rec.details).toEqual({ appliedTo: 'INV-1', appliedAmount: '100.00' });
    expect(qbo).toMatchObject({ TotalAmt: 100, UnappliedAmt: 0 });
    expect((await qboInvoice(t))['Balance']).toBe(270);
  }, 30_000);
});
