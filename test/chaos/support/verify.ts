// The "nothing lost, nothing doubled" check: the exact QBO objects a workload must have produced, read
// through the sandbox's inspection API, and every sync record green.
import { expect } from '@jest/globals';
import { isMarkedAs, qboAmountToCents } from '@qbo-sync/sync-core';
import { waitFor } from '@qbo-sync/testkit';
import type { Harness, Tenant } from '../../support/harness.js';
import { expectedRecords, type Workload } from './workload.js';

type Row = Record<string, unknown>;
const ref = (v: unknown) => (v as { value?: string } | undefined)?.value;
const amount = (v: unknown) => qboAmountToCents(v as number);

/** Sync records of a tenant by "entityType/status" (e.g. `invoice/synced: 12`). */
export async function recordStates(h: Harness, tenantId: string): Promise<Record<string, number>> {
  const rows = await h.db.sql<{ key: string; n: number }[]>`
    select entity_type || '/' || status as key, count(*)::int as n
    from sync_records where tenant_id = ${tenantId} group by 1 order by 1`;
  return Object.fromEntries(rows.map((r) => [r.key, r.n]));
}

export async function syncedCount(h: Harness, tenantId: string, entityType?: string): Promise<number> {
  const [row] = await h.db.sql<{ n: number }[]>`
    select count(*)::int as n from sync_records
    where tenant_id = ${tenantId} and status = 'synced'
      and (${entityType ?? null}::text is null or entity_type = ${entityType ?? null})`;
  return row?.n ?? 0;
}

/** Waits until every record of the workload is synced; on timeout the message lists the states seen. */
export async function waitAllSynced(h: Harness, tenantId: string, w: Workload, timeoutMs: number): Promise<void> {
  const want = expectedRecords(w);
  let last: Record<string, number> = {};
  try {
    await waitFor(
      async () => {
        last = await recordStates(h, tenantId);
        return Object.entries(last).every(([k]) => k.endsWith('/synced')) && (await syncedCount(h, tenantId)) === want;
      },
      { timeoutMs, intervalMs: 200, what: `${want} sync records to be synced` },
    );
  } catch (err) {
    throw new Error(
      `${err instanceof Error ? err.message : String(err)}; states: ${JSON.stringify(last)}; queues: ${await queueReport(h)}`,
    );
  }
}

/**
 * Exactly one QBO object per billing object, with the right amounts and links, and every sync record
 * synced and pointing at it. `customersBefore` are the Ids of customers the seeded company already had.
 */
export async function assertExactlyOnce(h: Harness, t: Tenant, w: Workload, customersBefore: Set<string>) {
  const records = await h.db.sql<{ entity_type: string; external_id: string; status: string; qbo_id: string | null }[]>`
    select entity_type, external_id, status, qbo_id from sync_records where tenant_id = ${t.id}`;
  expect(records.filter((r) => r.status !== 'synced')).toEqual([]);
  expect(records).toHaveLength(expectedRecords(w));
  const qboIdOf = new Map(records.map((r) => [`${r.entity_type}:${r.external_id}`, r.qbo_id]));

  // Customers: one per billing customer, none extra (a second create under a disambiguated name included).
  const created = (await h.entities(t.realmId, 'Customer')).filter((c) => !customersBefore.has(String(c['Id'])));
  expect(created.map((c) => c['DisplayName']).sort()).toEqual(w.customers.map((c) => c.displayName).sort());
  const customerIdOf = new Map<string, string>();
  for (const c of w.customers) {
    const qbo = created.find((x) => x['DisplayName'] === c.displayName) as Row;
    expect(qboIdOf.get(`customer:${c.id}`)).toBe(qbo['Id']);
    customerIdOf.set(c.id, String(qbo['Id']));
  }

  const refundedOf = (paymentId: string) =>
    w.refunds.filter((r) => r.paymentId === paymentId).reduce((s, r) => s + r.amountCents, 0n);

  // Invoices: one per billing invoice, the right customer and total, and the balance its payments leave.
  const invoices = await h.entities(t.realmId, 'Invoice');
  expect(invoices.map((i) => i['DocNumber']).sort()).toEqual(w.invoices.map((i) => i.number).sort());
  const invoiceIdOf = new Map<string, string>();
  for (const inv of w.invoices) {
    const qbo = invoices.find((x) => x['DocNumber'] === inv.number) as Row;
    // A refund is linked to its payment and taken off the payment's invoice application (planRefundLink).
    const paid = w.payments
      .filter((p) => p.invoiceId === inv.id)
      .reduce((s, p) => s + p.amountCents - refundedOf(p.id), 0n);
    expect({
      id: inv.id,
      qboId: qbo['Id'],
      customer: ref(qbo['CustomerRef']),
      total: amount(qbo['TotalAmt']),
      balance: amount(qbo['Balance']),
    }).toEqual({
      id: inv.id,
      qboId: qboIdOf.get(`invoice:${inv.id}`),
      customer: customerIdOf.get(inv.customerId),
      total: inv.totalCents,
      balance: inv.totalCents - paid,
    });
    invoiceIdOf.set(inv.id, String(qbo['Id']));
  }

  // Payments: one per billing payment, its amount applied to its invoice, less its refund (linked to it).
  const payments = await h.entities(t.realmId, 'Payment');
  expect(payments.map((p) => p['PaymentRefNum']).sort()).toEqual(w.payments.map((p) => p.reference).sort());
  for (const pay of w.payments) {
    const qbo = payments.find((x) => x['PaymentRefNum'] === pay.reference) as Row;
    const links = ((qbo['Line'] ?? []) as Row[]).map((l) => [
      amount(l['Amount']),
      (l['LinkedTxn'] as Row[])[0]?.['TxnId'],
    ]);
    const refunds = w.refunds.filter((r) => r.paymentId === pay.id);
    const toInvoice = pay.amountCents - refundedOf(pay.id);
    expect({ id: pay.id, qboId: qbo['Id'], total: amount(qbo['TotalAmt']), links }).toEqual({
      id: pay.id,
      qboId: qboIdOf.get(`payment:${pay.id}`),
      total: pay.amountCents,
      links: [
        ...(toInvoice > 0n ? [[toInvoice, invoiceIdOf.get(pay.invoiceId)]] : []),
        ...refunds.map((r) => [r.amountCents, qboIdOf.get(`refund:${r.id}`)]),
      ],
    });
  }

  // Refunds: one A/R expense each.
  const purchases = await h.entities(t.realmId, 'Purchase');
  expect(purchases).toHaveLength(w.refunds.length);
  for (const r of w.refunds) {
    const mine = purchases.filter((p) =>
      isMarkedAs(p['PrivateNote'] as string | undefined, { tenantId: t.id, entityType: 'refund', externalId: r.id }),
    );
    expect(mine.map((p) => [p['Id'], amount(p['TotalAmt'])])).toEqual([[qboIdOf.get(`refund:${r.id}`), r.amountCents]]);
  }
}

/** Job counts per queue and the reasons of failed jobs: what a timeout message needs to be diagnosed. */
export async function queueReport(h: Harness): Promise<string> {
  const parts: string[] = [];
  for (const [name, queue] of Object.entries(h.producer.queues)) {
    const counts = await queue.getJobCounts('active', 'waiting', 'delayed', 'prioritized', 'failed', 'completed');
    const failed = await queue.getFailed(0, 9);
    parts.push(
      `${name} ${JSON.stringify(counts)}${failed.map((j) => ` [failed ${j.id}: ${j.failedReason}]`).join('')}`,
    );
  }
  return parts.join('; ');
}
