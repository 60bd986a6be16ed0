// Drift end to end: a person changes an invoice in QuickBooks (the sandbox's "as a person" admin API), Intuit's
// signed webhook reaches the API, the worker compares and flags or heals by the tenant's policy; the CDC sweep
// finds the same when the webhook is lost; support accepts QBO's version or pushes ours.
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { listAudit } from '@qbo-sync/db/repositories/audit';
import { countWebhookEvents, getCdcCursor } from '@qbo-sync/db/repositories/drift';
import { waitFor } from '@qbo-sync/testkit';
import {
  event,
  type Harness,
  invoiceData,
  paymentData,
  startCallbackReceiver,
  startHarness,
  type Tenant,
} from '../../support/harness.js';

const VERIFIER = 'drift-test-verifier-token';
type Row = Record<string, unknown>;

describe('drift: invoices changed in QuickBooks by someone else', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('drift', { env: { QBO_WEBHOOK_VERIFIER_TOKEN: VERIFIER } });
    await h.admin(
      '/webhooks',
      {
        url: `${h.apiUrl}/v1/qbo/webhooks`,
        verifierToken: VERIFIER,
        format: 'cloudevents',
        batchMs: 20,
        retryDelaysMs: [200, 400],
      },
      'PUT',
    );
  });
  afterAll(async () => {
    await h.close();
  });

  const asPerson = (t: Tenant, entity: string, id: string, act: Row) =>
    h.admin(`/realms/${t.realmId}/as-person/${entity}/${id}`, act);
  const qboInvoices = (t: Tenant) => h.entities(t.realmId, 'Invoice');
  const customerBalance = async (t: Tenant, id: string) =>
    (await h.entities(t.realmId, 'Customer')).find((c) => c['Id'] === id)?.['Balance'];
  const adminApi = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${h.apiUrl}${path}`, {
      method,
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    return { status: res.status, json: (await res.json()) as Row };
  };
  /** Sends a webhook body the way Intuit does (or forged, with another token). */
  const sendWebhook = async (body: unknown, token = VERIFIER) => {
    const raw = typeof body === 'string' ? body : JSON.stringify(body);
    const signature = createHmac('sha256', token).update(raw).digest('base64');
    const res = await fetch(`${h.apiUrl}/v1/qbo/webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'intuit-signature': signature },
      body: raw,
    });
    return { status: res.status, json: (await res.json()) as Row };
  };
  const cloudEvent = (realmId: string, type: string, id: string, eventId = `evt-${Math.random()}`) => [
    {
      specversion: '1.0',
      id: eventId,
      source: 'intuit.test',
      type,
      time: new Date().toISOString(),
      intuitentityid: id,
      intuitaccountid: realmId,
    },
  ];
  /** Every qbo.change job has run: nothing waiting, delayed or active. */
  const changesSettled = async () => {
    const c = await h.producer.queues['qbo.change'].getJobCounts('waiting', 'prioritized', 'active', 'delayed');
    return Object.values(c).every((n) => n === 0);
  };
  /** The notification of our invoice's create has arrived and been handled (a later read would see any change). */
  const webhooksHandled = (tenantId: string) =>
    waitFor(async () => {
      const n = await countWebhookEvents(h.db.db, tenantId);
      return n >= 1 && (await changesSettled()) ? n : undefined;
    });
  /** Every change the sandbox has seen so far was delivered and handled (an empty qbo.change queue alone can
   * be the moment before a webhook arrives). */
  const allWebhooksHandled = async () => {
    await h.admin('/webhooks/flush', {});
    await waitFor(async () => {
      const { stats } = (await h.admin('/webhooks')) as { stats: { deliveries: { outcome: string }[] } };
      return stats.deliveries.every((d) => d.outcome !== 'pending') && (await changesSettled());
    });
  };
  const syncedInvoice = async (t: Tenant, over: Row = {}, id = 'INV-1') => {
    await h.publish(event(t.id, 'invoice.sent', invoiceData({ id, number: `${id}-N`, ...over })));
    return h.waitStatus(t.id, 'invoice', id, 'synced');
  };

  it('heals an invoice deleted in QuickBooks (default policy): re-created with a new id, the balance right', async () => {
    const t = await h.tenant();
    const first = await syncedInvoice(t);
    const customerId = String(((await qboInvoices(t))[0]?.['CustomerRef'] as Row | undefined)?.['value']);
    expect(await customerBalance(t, customerId)).toBe(370);
    await asPerson(t, 'Invoice', first.qboId ?? '', { action: 'delete' });
    const healed = await waitFor(
      async () => {
        const r = await h.record(t.id, 'invoice', 'INV-1');
        return r?.status === 'synced' && r.qboId !== first.qboId ? r : undefined;
      },
      { what: 'the deleted invoice re-created' },
    );
    const invoices = await qboInvoices(t);
    expect(invoices).toHaveLength(1);
    expect(invoices[0]).toMatchObject({ Id: healed.qboId, TotalAmt: 370, DocNumber: 'INV-1-N' });
    expect(healed.qboId).not.toBe(first.qboId);
    expect(await customerBalance(t, customerId)).toBe(370);
    const attempts = await h.attempts(healed.id);
    expect(attempts.filter((a) => a.outcome === 'drift').map((a) => a.faultCode)).toEqual(['DRIFT_DELETED']);
  });

  it('flags a deletion when the policy says flag (record, status API, callback); push ours re-creates it', async () => {
    const receiver = await startCallbackReceiver();
    const t = await h.tenant({ driftPolicy: { deleted: 'flag', edited: 'flag' }, callbackUrl: receiver.url });
    const first = await syncedInvoice(t);
    await asPerson(t, 'Invoice', first.qboId ?? '', { action: 'delete' });
    const flagged = await h.waitStatus(t.id, 'invoice', 'INV-1', 'drift');
    expect(flagged.reasonCode).toBe('DRIFT_DELETED');
    expect(flagged.qboId).toBeNull();
    expect(flagged.reason).toMatch(/was deleted in QuickBooks/);
    expect(await qboInvoices(t)).toHaveLength(0);
    // The billing system sees it too.
    const status = await fetch(`${h.apiUrl}/v1/sync-status/invoice/INV-1`, { headers: { 'x-api-key': t.apiKey } });
    expect(await status.json()).toMatchObject({ status: 'drift', drift: { kind: 'deleted', action: 'flag' } });
    const hit = await waitFor(() => receiver.hits.find((x) => x.json['status'] === 'drift'), {
      what: 'the drift callback',
    });
    expect(hit.json).toMatchObject({ reasonCode: 'DRIFT_DELETED', details: { drift: { kind: 'deleted' } } });
    await receiver.close();
    const pushed = await adminApi('POST', `/admin/tenants/${t.id}/sync-records/invoice/INV-1/drift/push`);
    expect(pushed).toMatchObject({ status: 200, json: { action: 'pushed' } });
    const back = await h.waitStatus(t.id, 'invoice', 'INV-1', 'synced');
    expect((await qboInvoices(t)).map((i) => [i['Id'], i['TotalAmt']])).toEqual([[back.qboId, 370]]);
  });

  it('re-creates on replay an invoice deleted in QuickBooks that nobody noticed (webhook lost)', async () => {
    const t = await h.tenant();
    const first = await syncedInvoice(t);
    await webhooksHandled(t.id);
    await h.admin('/webhooks', { enabled: false }, 'PUT');
    try {
      await asPerson(t, 'Invoice', first.qboId ?? '', { action: 'delete' });
    } finally {
      await h.admin('/webhooks', { enabled: true }, 'PUT');
    }
    expect((await h.record(t.id, 'invoice', 'INV-1'))?.status).toBe('synced');
    const replay = await adminApi('POST', `/admin/tenants/${t.id}/sync-records/invoice/INV-1/replay`);
    expect(replay.status).toBe(200);
    const back = await waitFor(async () => {
      const r = await h.record(t.id, 'invoice', 'INV-1');
      return r?.status === 'synced' && r.qboId !== first.qboId ? r : undefined;
    });
    expect((await qboInvoices(t)).map((i) => [i['Id'], i['TotalAmt']])).toEqual([[back.qboId, 370]]);
    expect((await h.attempts(back.id)).filter((a) => a.outcome === 'drift')).toHaveLength(0);
  });

  async function editTotal(t: Tenant, qboId: string, amount: number) {
    const inv = (await qboInvoices(t)).find((i) => i['Id'] === qboId);
    const lines = ((inv?.['Line'] ?? []) as Row[]).filter((l) => l['DetailType'] === 'SalesItemLineDetail');
    const [firstLine, ...rest] = lines;
    const detail = firstLine?.['SalesItemLineDetail'] as Row;
    await asPerson(t, 'Invoice', qboId, {
      action: 'edit',
      patch: {
        Line: [
          { ...firstLine, Amount: amount, SalesItemLineDetail: { ...detail, Qty: 1, UnitPrice: amount } },
          ...rest,
        ],
      },
    });
  }

  it("flags an amount edited in QuickBooks with old → new; accepting QBO's version clears it", async () => {
    const t = await h.tenant();
    const first = await syncedInvoice(t);
    await editTotal(t, first.qboId ?? '', 410);
    const flagged = await h.waitStatus(t.id, 'invoice', 'INV-1', 'drift');
    expect(flagged.reasonCode).toBe('DRIFT_EDITED');
    expect(flagged.reason).toContain('total 370.00 → 420.00');
    expect((flagged.details as { drift: Row }).drift).toMatchObject({
      kind: 'edited',
      action: 'flag',
      changes: expect.arrayContaining([{ field: 'total', old: '370.00', new: '420.00' }]),
    });
    // Support finds it by status, and the overview counts it.
    const list = await adminApi('GET', `/admin/tenants/${t.id}/sync-records?status=drift`);
    expect((list.json['records'] as Row[]).map((r) => r['externalId'])).toEqual(['INV-1']);
    const summary = await fetch(`${h.apiUrl}/v1/sync-status`, { headers: { 'x-api-key': t.apiKey } });
    const counts = (await summary.json()) as { allSynced: boolean; total: { byStatus: Row } };
    expect(counts).toMatchObject({ allSynced: false, total: { byStatus: { drift: 1 } } });
    const accepted = await adminApi('POST', `/admin/tenants/${t.id}/sync-records/invoice/INV-1/drift/accept`);
    expect(accepted).toMatchObject({ status: 200, json: { action: 'accepted', status: 'synced' } });
    const rec = await h.record(t.id, 'invoice', 'INV-1');
    expect(rec?.status).toBe('synced');
    // Who accepted what is in the audit log.
    const audit = await listAudit(h.db.db, { tenantId: t.id, action: 'record.drift_accept', limit: 5 });
    expect(audit.entries.map((e) => [e.result, e.target])).toEqual([
      ['ok', { entityType: 'invoice', externalId: 'INV-1', kind: 'edited' }],
    ]);
    // QBO keeps its 420.00; a later look at it (a CDC sweep) does not flag it again.
    expect((await qboInvoices(t))[0]?.['TotalAmt']).toBe(420);
    const job = await adminApi('POST', `/admin/tenants/${t.id}/cdc-sweep`);
    await waitFor(
      async () => (await h.producer.queues['qbo.cdc-sweep'].getJobState(String(job.json['jobId']))) === 'completed',
    );
    expect((await h.record(t.id, 'invoice', 'INV-1'))?.status).toBe('synced');
  });

  it('pushes ours over an edited invoice: QuickBooks is restored with its current SyncToken', async () => {
    const t = await h.tenant();
    const first = await syncedInvoice(t);
    await editTotal(t, first.qboId ?? '', 410);
    await h.waitStatus(t.id, 'invoice', 'INV-1', 'drift');
    const pushed = await adminApi('POST', `/admin/tenants/${t.id}/sync-records/invoice/INV-1/drift/push`);
    expect(pushed.status).toBe(200);
    const back = await h.waitStatus(t.id, 'invoice', 'INV-1', 'synced');
    const [inv] = await qboInvoices(t);
    expect(inv).toMatchObject({ Id: first.qboId, TotalAmt: 370 });
    expect(back.syncToken).toBe(inv?.['SyncToken']);
  });

  it('finds the same drift with the CDC sweep, within one run, when the webhook was lost', async () => {
    const t = await h.tenant({ driftPolicy: { deleted: 'flag', edited: 'flag' } });
    const first = await syncedInvoice(t);
    // The notification of our own create has arrived; the edit's never will.
    await webhooksHandled(t.id);
    await allWebhooksHandled();
    const before = await countWebhookEvents(h.db.db, t.id);
    await h.admin('/webhooks', { enabled: false }, 'PUT');
    try {
      await editTotal(t, first.qboId ?? '', 410);
    } finally {
      await h.admin('/webhooks', { enabled: true }, 'PUT');
    }
    expect(await countWebhookEvents(h.db.db, t.id)).toBe(before);
    const job = await adminApi('POST', `/admin/tenants/${t.id}/cdc-sweep`);
    expect(job.status).toBe(200);
    const flagged = await h.waitStatus(t.id, 'invoice', 'INV-1', 'drift');
    expect(flagged.reason).toContain('total 370.00 → 420.00');
    // One run, no failed attempt before it, and it compared the changed invoice.
    const jobId = String(job.json['jobId']);
    await waitFor(async () => (await h.producer.queues['qbo.cdc-sweep'].getJobState(jobId)) === 'completed');
    const sweep = await h.producer.queues['qbo.cdc-sweep'].getJob(jobId);
    expect(sweep?.returnvalue).toMatch(/^checked [1-9]/);
    expect(sweep?.stacktrace ?? []).toHaveLength(0);
    expect((await getCdcCursor(h.db.db, t.id))?.lastRunAt).not.toBeNull();
  });

  it('refuses a forged webhook (401, nothing stored), acts once on a replayed or repeated one, ignores unknown realms', async () => {
    const t = await h.tenant({ driftPolicy: { deleted: 'flag', edited: 'flag' } });
    const first = await syncedInvoice(t);
    await allWebhooksHandled();
    const stored = await countWebhookEvents(h.db.db, t.id);
    const deletion = cloudEvent(t.realmId, 'qbo.invoice.deleted.v1', first.qboId ?? '', 'forged-1');
    const forged = await sendWebhook(deletion, 'not-the-verifier-token');
    expect(forged).toMatchObject({ status: 401, json: { error: { code: 'invalid_webhook_signature' } } });
    const unsigned = await fetch(`${h.apiUrl}/v1/qbo/webhooks`, { method: 'POST', body: JSON.stringify(deletion) });
    expect(unsigned.status).toBe(401);
    expect(await countWebhookEvents(h.db.db, t.id)).toBe(stored);
    expect((await h.record(t.id, 'invoice', 'INV-1'))?.status).toBe('synced');

    // An Intuit delivery sent again byte for byte (a replay) is acknowledged and changes nothing.
    const delivered = (
      (await h.admin('/webhooks')) as { stats: { deliveries: { body: string; signature: string }[] } }
    ).stats.deliveries.find((d) => d.body.includes(t.realmId));
    expect(delivered).toBeDefined();
    const replayed = await fetch(`${h.apiUrl}/v1/qbo/webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'intuit-signature': delivered?.signature ?? '' },
      body: delivered?.body ?? '',
    });
    expect(await replayed.json()).toMatchObject({ accepted: 0 });

    // The same notification five times at once (Intuit retried it): one drift check, one drift.
    await asPerson(t, 'Invoice', first.qboId ?? '', { action: 'void' });
    const voidNote = cloudEvent(t.realmId, 'qbo.invoice.voided.v1', first.qboId ?? '', 'repeat-1');
    const answers = await Promise.all(Array.from({ length: 5 }, () => sendWebhook(voidNote)));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(answers.reduce((n, a) => n + Number(a.json['accepted']), 0)).toBeLessThanOrEqual(1);
    const flagged = await h.waitStatus(t.id, 'invoice', 'INV-1', 'drift');
    expect(flagged.reasonCode).toBe('DRIFT_VOIDED');
    await waitFor(changesSettled);
    expect((await h.attempts(flagged.id)).filter((a) => a.outcome === 'drift')).toHaveLength(1);
    // A voided invoice cannot be pushed over.
    const push = await adminApi('POST', `/admin/tenants/${t.id}/sync-records/invoice/INV-1/drift/push`);
    expect(push).toMatchObject({ status: 409, json: { error: { code: 'cannot_push_voided' } } });

    // A company nobody here is connected to: acknowledged, ignored, counted.
    const unknown = await sendWebhook(cloudEvent('9130999999999999', 'qbo.invoice.updated.v1', '1'));
    expect(unknown).toMatchObject({ status: 200, json: { received: 1, accepted: 0 } });
    const metrics = await (await fetch(`${h.apiUrl}/metrics`)).text();
    expect(metrics).toMatch(/qbo_sync_qbo_webhook_changes_total\{[^}]*result="unknown_realm"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/qbo_sync_qbo_webhook_changes_total\{[^}]*result="refused_signature"[^}]*\} [1-9]/);
  });

  it('reads the legacy eventNotifications format too', async () => {
    const t = await h.tenant({ driftPolicy: { deleted: 'flag', edited: 'flag' } });
    const first = await syncedInvoice(t);
    await h.admin('/webhooks', { format: 'legacy' }, 'PUT');
    try {
      await asPerson(t, 'Invoice', first.qboId ?? '', { action: 'delete' });
      await h.waitStatus(t.id, 'invoice', 'INV-1', 'drift');
    } finally {
      await h.admin('/webhooks', { format: 'cloudevents' }, 'PUT');
    }
  });

  it('heals payments by policy: one unapplied in QuickBooks is re-applied, one deleted is re-created', async () => {
    const t = await h.tenant({ driftPolicy: { deleted: 'heal', edited: 'heal' } });
    await syncedInvoice(t);
    await h.publish(event(t.id, 'payment.accepted', paymentData({ invoiceId: 'INV-1' }), 60_000));
    const paid = await h.waitStatus(t.id, 'payment', 'PAY-1', 'synced');
    const balance = async () => (await qboInvoices(t))[0]?.['Balance'];
    expect(await balance()).toBe(0);
    await webhooksHandled(t.id);

    // Unapplied in QuickBooks: the payment's lines removed, the invoice open again.
    await asPerson(t, 'Payment', paid.qboId ?? '', { action: 'edit', patch: { Line: [] } });
    await waitFor(
      async () => (await h.attempts(paid.id)).some((a) => a.faultCode === 'DRIFT_UNAPPLIED') && (await balance()) === 0,
      { what: 'the payment re-applied' },
    );
    const reapplied = await h.waitStatus(t.id, 'payment', 'PAY-1', 'synced');
    expect(reapplied.qboId).toBe(paid.qboId);

    // Deleted in QuickBooks: created anew and applied again.
    await asPerson(t, 'Payment', paid.qboId ?? '', { action: 'delete' });
    const again = await waitFor(async () => {
      const r = await h.record(t.id, 'payment', 'PAY-1');
      return r?.status === 'synced' && r.qboId !== paid.qboId ? r : undefined;
    });
    const payments = await h.entities(t.realmId, 'Payment');
    expect(payments.map((p) => [p['Id'], p['TotalAmt'], p['UnappliedAmt']])).toEqual([[again.qboId, 370, 0]]);
    expect(await balance()).toBe(0);
  });

  it('never calls our own updates drift: an invoice changed in billing and resynced, a payment applied to it', async () => {
    const t = await h.tenant();
    const first = await syncedInvoice(t);
    const updated = invoiceData({ id: 'INV-1', number: 'INV-1-N' });
    updated.lines = [
      { id: 'L1', itemId: 'ITM-LABOR', description: 'Moving labor', quantity: '4', unitPrice: '120', amount: '480.00' },
    ] as typeof updated.lines;
    updated.totals = { subtotal: '480.00', tax: '0.00', total: '480.00' };
    await h.publish(event(t.id, 'invoice.updated', updated, 60_000));
    await waitFor(async () => {
      const r = await h.record(t.id, 'invoice', 'INV-1');
      return r?.status === 'synced' && r.syncedHash !== first.syncedHash ? r : undefined;
    });
    await h.publish(event(t.id, 'payment.accepted', paymentData({ invoiceId: 'INV-1', amount: '100.00' }), 120_000));
    await h.waitStatus(t.id, 'payment', 'PAY-1', 'synced');
    // Intuit told us about every one of those writes (create, update, the payment and the invoice it linked).
    await waitFor(async () => (await countWebhookEvents(h.db.db, t.id)) >= 4 && (await changesSettled()), {
      what: 'webhooks for our own writes handled',
    });
    for (const [type, id] of [
      ['invoice', 'INV-1'],
      ['payment', 'PAY-1'],
    ] as const) {
      const r = await h.record(t.id, type, id);
      expect(r?.status).toBe('synced');
      expect((await h.attempts(r?.id ?? 0)).filter((a) => a.outcome === 'drift')).toHaveLength(0);
    }
  });
});
