// What a tenant's QBO company must hold after a set of events, computed from the events alone (a pure
// function: no database, no QBO). Amounts are integer cents. The newest occurredAt of an entity wins, as
// the service promises; an invoice voided in the billing system is voided (or never posted) in QBO.
import type { DomainEventInput } from '@qbo-sync/contracts';
import { minCents, toCents } from '@qbo-sync/sync-core';

type Data = Record<string, unknown>;
type Snap = { at: number; data: Data };

export interface ExpectedCustomer {
  id: string;
  displayName: string;
  email: string | undefined;
}
export interface ExpectedInvoice {
  id: string;
  docNumber: string;
  customerId: string;
  /**
   * open: posted and live; voided: its newest state before the void was sent — posted and voided in QBO (or,
   * by the run's void policy, never posted); draft_voided: voided while a draft — never posted, record voided;
   * draft: never posted (record skipped).
   */
  state: 'open' | 'voided' | 'draft_voided' | 'draft';
  totalCents: bigint;
  /** Total minus every payment and deposit applied to it. */
  balanceCents: bigint;
  jobId: string | undefined;
}
export interface ExpectedPayment {
  id: string;
  customerId: string;
  totalCents: bigint;
  /** invoice id → cents applied; the rest is unapplied credit. */
  applied: Map<string, bigint>;
  unappliedCents: bigint;
  deposit: boolean;
  /** Voided in the billing system: voided in QBO (nothing applied), or by the void policy never posted. */
  voided: boolean;
}
export interface ExpectedRefund {
  id: string;
  customerId: string;
  paymentId: string;
  amountCents: bigint;
}
export interface ExpectedCompany {
  customers: Map<string, ExpectedCustomer>;
  invoices: Map<string, ExpectedInvoice>;
  payments: Map<string, ExpectedPayment>;
  refunds: Map<string, ExpectedRefund>;
}

const newest = (snaps: Snap[] | undefined): Data | undefined =>
  snaps && snaps.length > 0 ? [...snaps].sort((a, b) => a.at - b.at)[snaps.length - 1]?.data : undefined;
const customerOf = (d: Data) => d['customer'] as Data;

export function expectedCompany(events: readonly DomainEventInput[]): ExpectedCompany {
  const invoiceSnaps = new Map<string, Snap[]>();
  const paymentSnaps = new Map<string, Snap[]>();
  const refundSnaps = new Map<string, Snap[]>();
  const customerMentions = new Map<string, Snap[]>();
  const customerUpdates = new Map<string, Snap[]>();
  /** Entity id → when it was first voided (a void decides on the newest state before it). */
  const voidedAt = new Map<string, number>();
  const paymentsVoided = new Set<string>();
  const firstVoid = (id: string, at: number) => voidedAt.set(id, Math.min(at, voidedAt.get(id) ?? at));
  const push = (m: Map<string, Snap[]>, id: string, s: Snap) => m.set(id, [...(m.get(id) ?? []), s]);
  const mention = (c: Data, at: number) => push(customerMentions, String(c['id']), { at, data: c });

  for (const e of events) {
    const at = Date.parse(e.occurredAt);
    const d = e.data as Data;
    switch (e.type) {
      case 'invoice.sent':
      case 'invoice.updated':
        push(invoiceSnaps, String(d['id']), { at, data: d });
        mention(customerOf(d), at);
        break;
      case 'invoice.voided':
        firstVoid(String(d['invoiceId']), at);
        break;
      case 'payment.voided':
        paymentsVoided.add(String(d['paymentId']));
        break;
      case 'job.closed_out': {
        const inv = d['invoice'] as Data;
        push(invoiceSnaps, String(inv['id']), { at, data: inv });
        mention(customerOf(inv), at);
        for (const p of d['payments'] as Data[]) {
          push(paymentSnaps, String(p['id']), { at, data: p });
          mention(customerOf(p), at);
        }
        break;
      }
      case 'payment.accepted':
        push(paymentSnaps, String(d['id']), { at, data: d });
        mention(customerOf(d), at);
        break;
      case 'refund.issued':
        push(refundSnaps, String(d['id']), { at, data: d });
        mention(customerOf(d), at);
        break;
      case 'customer.updated':
        push(customerUpdates, String(d['id']), { at, data: d });
        mention(d, at);
        break;
      default:
        throw new Error(`the chaos model does not know event type ${(e as { type: string }).type}`);
    }
  }

  const invoices = new Map<string, ExpectedInvoice>();
  for (const [id, snaps] of invoiceSnaps) {
    // A voided invoice is decided on its newest state that happened before the void (later ones change nothing).
    const voidAt = voidedAt.get(id);
    const beforeVoid = voidAt === undefined ? [] : snaps.filter((s) => s.at <= voidAt);
    const d = (newest(beforeVoid) ?? newest(snaps)) as Data;
    const draft = d['status'] === 'draft';
    const total = toCents(String((d['totals'] as Data)['total']));
    invoices.set(id, {
      id,
      docNumber: String(d['number']),
      customerId: String(customerOf(d)['id']),
      state: voidAt !== undefined ? (draft ? 'draft_voided' : 'voided') : draft ? 'draft' : 'open',
      totalCents: total,
      balanceCents: total,
      jobId: d['jobId'] as string | undefined,
    });
  }

  const payments = new Map<string, ExpectedPayment>();
  const depositsByJob = new Map<string, { p: ExpectedPayment; at: number }[]>();
  for (const [id, snaps] of paymentSnaps) {
    const d = newest(snaps) as Data;
    const total = toCents(String(d['amount']));
    const invoiceId = d['invoiceId'] as string | undefined;
    const p: ExpectedPayment = {
      id,
      customerId: String(customerOf(d)['id']),
      totalCents: total,
      applied: new Map(),
      unappliedCents: total,
      deposit: !invoiceId,
      voided: paymentsVoided.has(id),
    };
    payments.set(id, p);
    if (p.voided) {
      // A voided payment applies nothing and leaves no credit (QBO zeroes it).
      p.unappliedCents = 0n;
    } else if (invoiceId) {
      const inv = invoices.get(invoiceId);
      if (inv?.state !== 'open')
        throw new Error(`workload error: payment ${id} is for invoice ${invoiceId}, which is not an open invoice`);
      if (total > inv.balanceCents) throw new Error(`workload error: payment ${id} exceeds invoice ${invoiceId}`);
      p.applied.set(invoiceId, total);
      p.unappliedCents = 0n;
      inv.balanceCents -= total;
    } else if (d['jobId']) {
      const at = Math.min(...snaps.map((s) => s.at));
      const list = depositsByJob.get(String(d['jobId'])) ?? [];
      list.push({ p, at });
      depositsByJob.set(String(d['jobId']), list);
    }
  }
  // Deposits: applied, oldest first, to the job's open invoice up to its balance; without one they stay credit.
  for (const [jobId, deposits] of depositsByJob) {
    const inv = [...invoices.values()].find((i) => i.jobId === jobId && i.state === 'open');
    if (!inv) continue;
    for (const { p } of deposits.sort((a, b) => a.at - b.at)) {
      const amount = minCents(p.totalCents, inv.balanceCents);
      if (amount <= 0n) continue;
      p.applied.set(inv.id, amount);
      p.unappliedCents -= amount;
      inv.balanceCents -= amount;
    }
  }

  const refunds = new Map<string, ExpectedRefund>();
  for (const [id, snaps] of refundSnaps) {
    const d = newest(snaps) as Data;
    refunds.set(id, {
      id,
      customerId: String(customerOf(d)['id']),
      paymentId: String(d['paymentId']),
      amountCents: toCents(String(d['amount'])),
    });
  }

  // Customers: every customer some posted object (or a customer.updated) refers to.
  const needed = new Set<string>([
    ...[...invoices.values()].filter((i) => i.state === 'open' || i.state === 'voided').map((i) => i.customerId),
    ...[...payments.values()].map((p) => p.customerId),
    ...[...refunds.values()].map((r) => r.customerId),
    ...customerUpdates.keys(),
  ]);
  const customers = new Map<string, ExpectedCustomer>();
  for (const id of needed) {
    const latest = newest(customerUpdates.get(id)) ?? newest(customerMentions.get(id)) ?? {};
    const any = newest(customerMentions.get(id)) ?? {};
    customers.set(id, {
      id,
      displayName: String(latest['displayName'] ?? any['displayName']),
      email: (latest['email'] as string | undefined) ?? undefined,
    });
  }
  return { customers, invoices, payments, refunds };
}

/** Sync records the events must leave, with the status each must end in. */
export function expectedRecordStatuses(m: ExpectedCompany): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const c of m.customers.values()) out.set(`customer:${c.id}`, ['synced']);
  for (const i of m.invoices.values())
    out.set(`invoice:${i.id}`, i.state === 'open' ? ['synced'] : i.state === 'draft' ? ['skipped'] : ['voided']);
  for (const p of m.payments.values()) out.set(`payment:${p.id}`, p.voided ? ['voided'] : ['synced']);
  for (const r of m.refunds.values()) out.set(`refund:${r.id}`, ['synced']);
  return out;
}
