// A seeded, multi-tenant billing workload for the chaos command: invoices with updates and voids, drafts
// (some sent and voided, in any order), payments (some delivered before their invoices), deposits with job
// close-outs (some delivered after, some voided during the close-out), refunds, customer updates,
// re-deliveries and, by shape, deliveries shuffled across stories. It only builds events; what QBO must end with is computed
// from the events alone by model.ts, so the generator's intentions are never trusted by the checker.
import type { DomainEventInput } from '@qbo-sync/contracts';
import { cents, prng } from './workload.js';

export interface TenantWorkload {
  tenantId: string;
  /** Unique events, each once (what the model is computed from). */
  events: DomainEventInput[];
  /** What is sent, in order: the events, locally reordered, plus re-deliveries of some of them. */
  deliveries: DomainEventInput[];
  /** Which stories were generated, for the report. */
  stories: Record<string, number>;
}

export interface ScenarioShape {
  /** Unique events per tenant (re-deliveries come on top). */
  eventsPerTenant: number;
  /** Share of events delivered a second time (0.2 = 20 %). */
  duplicateRate: number;
  /**
   * Deliveries shuffled across stories: each moves up to this many places (0 = story order only). Nothing in
   * the model depends on delivery order, so any order must end the same.
   */
  shuffleWindow?: number;
}

interface CustomerData {
  id: string;
  displayName: string;
  firstName: string;
  lastName: string;
  email: string;
  phone?: string;
}

const DAY = 86_400_000;

/** One tenant's workload; `tenantIndex` keeps ids and document numbers readable in reports. */
export function buildTenantWorkload(
  tenantId: string,
  tenantIndex: number,
  seed: number,
  shape: ScenarioShape,
): TenantWorkload {
  const rnd = prng(seed ^ Math.imul(tenantIndex + 1, 0x9e3779b1));
  // occurredAt: a week ago plus one second per logical event, so later changes win and nothing is in the future.
  const base = Date.now() - 7 * DAY;
  let clock = 0;
  const at = () => new Date(base + clock++ * 1000).toISOString();
  let eventSeq = 0;
  const ev = (type: string, data: unknown): DomainEventInput =>
    ({
      id: `evt-${tenantIndex}-${++eventSeq}`,
      type,
      version: 1,
      tenantId,
      occurredAt: at(),
      data,
    }) as DomainEventInput;

  const customerCount = Math.max(3, Math.round(shape.eventsPerTenant / 30));
  const customers: CustomerData[] = Array.from({ length: customerCount }, (_, i) => ({
    id: `C-${i + 1}`,
    displayName: `Chaos Client ${tenantIndex}-${i + 1}`,
    firstName: 'Chaos',
    lastName: `Client ${tenantIndex}-${i + 1}`,
    email: `client${i + 1}@t${tenantIndex}.example.com`,
  }));
  const custData = (c: CustomerData) => ({ ...c });
  let invoiceSeq = 0;
  let paymentSeq = 0;
  let refundSeq = 0;
  let jobSeq = 0;
  const stories: Record<string, number> = {};
  const events: DomainEventInput[] = [];
  const deliveries: DomainEventInput[] = [];
  /** Adds a story: its events in logical order, delivered in `order` (indexes into them). */
  const story = (name: string, evs: DomainEventInput[], order?: number[]) => {
    stories[name] = (stories[name] ?? 0) + 1;
    events.push(...evs);
    const seq = order ? order.map((i) => evs[i] as DomainEventInput) : evs;
    deliveries.push(...seq);
  };

  const lines = (qty: bigint, unit: bigint, packs: bigint) => {
    const labor = qty * unit;
    const out: Record<string, string>[] = [
      {
        id: 'L1',
        itemId: 'ITM-LABOR',
        description: 'Moving labor',
        quantity: String(qty),
        unitPrice: cents(unit),
        amount: cents(labor),
      },
    ];
    if (packs > 0n)
      out.push({
        id: 'L2',
        itemId: 'ITM-PACK',
        description: 'Packing materials',
        quantity: String(packs),
        unitPrice: '2.50',
        amount: cents(packs * 250n),
      });
    return { lines: out, total: labor + packs * 250n };
  };
  const invoice = (
    c: CustomerData,
    number: string,
    id: string,
    qty: bigint,
    unit: bigint,
    packs: bigint,
    extra = {},
  ) => {
    const l = lines(qty, unit, packs);
    return {
      data: {
        id,
        number,
        status: 'sent',
        issueDate: '2026-11-20',
        dueDate: '2026-12-20',
        currency: 'USD',
        customer: custData(c),
        lines: l.lines,
        totals: { subtotal: cents(l.total), tax: '0.00', total: cents(l.total) },
        ...extra,
      } as Record<string, unknown>,
      total: l.total,
    };
  };
  const newInvoice = (c: CustomerData) => {
    const n = ++invoiceSeq;
    return {
      id: `INV-${n}`,
      number: `T${tenantIndex}-${1000 + n}`,
      qty: BigInt(rnd.int(1, 6)),
      unit: BigInt(rnd.int(40, 900)) * 25n,
      packs: BigInt(rnd.int(0, 8)),
      c,
    };
  };
  const payment = (c: CustomerData, amount: bigint, over: Record<string, unknown>) => {
    const id = `PAY-${++paymentSeq}`;
    return {
      id,
      amount,
      data: {
        id,
        customer: custData(c),
        amount: cents(amount),
        currency: 'USD',
        receivedOn: '2026-11-25',
        method: rnd.next() < 0.5 ? 'card' : 'check',
        reference: `ch-${tenantIndex}-${paymentSeq}`,
        ...over,
      },
    };
  };
  const pick = <T>(xs: T[]): T => xs[rnd.int(0, xs.length - 1)] as T;
  /** A story's delivery order with `a` moved just before `b` (something arriving before its parent). */
  const before = (n: number, a: number, b: number) => {
    const order = Array.from({ length: n }, (_, i) => i).filter((i) => i !== a);
    order.splice(order.indexOf(b), 0, a);
    return order;
  };

  // Every customer first gets a plain invoice, so every customer must exist in QBO whatever else happens.
  const plain = (c: CustomerData) => {
    const inv = newInvoice(c);
    const v1 = invoice(c, inv.number, inv.id, inv.qty, inv.unit, inv.packs);
    const evs = [ev('invoice.sent', v1.data)];
    if (rnd.next() < 0.35) {
      // Updates only add work, so a payment taken against the first version always fits the last one.
      const v2 = invoice(c, inv.number, inv.id, inv.qty + 1n, inv.unit, inv.packs + 1n, { memo: 'revised' });
      evs.push(ev('invoice.updated', v2.data));
    }
    if (rnd.next() >= 0.6) return story('invoice', evs);
    const split = rnd.next() < 0.2;
    const amounts = split ? [v1.total / 4n, v1.total / 3n] : [rnd.next() < 0.5 ? v1.total : v1.total / 2n];
    const pays = amounts.map((a) => payment(c, a, { invoiceId: inv.id }));
    const payIdx = evs.length;
    for (const p of pays) evs.push(ev('payment.accepted', p.data));
    let name = split ? 'invoice+2 payments' : 'invoice+payment';
    let order = evs.map((_, i) => i);
    if (rnd.next() < 0.3) {
      order = before(evs.length, payIdx, 0);
      name += ' (payment first)';
    }
    const paid = pays[0];
    if (paid && rnd.next() < 0.25) {
      const amount = BigInt(rnd.int(1, Math.max(1, Number(paid.amount / 100n)))) * 100n;
      evs.push(
        ev('refund.issued', {
          id: `REF-${++refundSeq}`,
          paymentId: paid.id,
          customer: custData(c),
          amount: cents(amount < paid.amount ? amount : paid.amount),
          currency: 'USD',
          issuedOn: '2026-11-28',
        }),
      );
      const refundIdx = evs.length - 1;
      name += '+refund';
      if (rnd.next() < 0.2) {
        order.splice(order.indexOf(payIdx), 0, refundIdx);
        name += ' (refund first)';
      } else order.push(refundIdx);
    }
    story(name, evs, order);
  };

  for (const c of customers) plain(c);
  while (events.length < shape.eventsPerTenant) {
    const r = rnd.next();
    const c = pick(customers);
    if (r < 0.45) plain(c);
    else if (r < 0.53) {
      // A draft, later sent: only the sent version reaches QBO.
      const inv = newInvoice(c);
      const d = invoice(c, inv.number, inv.id, inv.qty, inv.unit, inv.packs, { status: 'draft' });
      const s = invoice(c, inv.number, inv.id, inv.qty, inv.unit, inv.packs + 1n);
      story('draft then sent', [ev('invoice.sent', d.data), ev('invoice.updated', s.data)]);
    } else if (r < 0.57) {
      const inv = newInvoice(c);
      const d = invoice(c, inv.number, inv.id, inv.qty, inv.unit, inv.packs, { status: 'draft' });
      story('draft only', [ev('invoice.sent', d.data)]);
    } else if (r < 0.61) {
      // Drafted, sent, voided: posted and voided (its number accounted for), whichever job runs first; a
      // draft voided without being sent is never posted. Delivered in any order.
      const inv = newInvoice(c);
      const d = invoice(c, inv.number, inv.id, inv.qty, inv.unit, inv.packs, { status: 'draft' });
      const s = invoice(c, inv.number, inv.id, inv.qty, inv.unit, inv.packs);
      const sent = rnd.next() < 0.75;
      const evs = [ev('invoice.sent', d.data)];
      if (sent) evs.push(ev('invoice.updated', s.data));
      evs.push(ev('invoice.voided', { invoiceId: inv.id }));
      const orders = sent
        ? [
            [0, 1, 2],
            [2, 0, 1],
            [0, 2, 1],
            [1, 2, 0],
          ]
        : [
            [0, 1],
            [1, 0],
          ];
      const order = orders[rnd.int(0, orders.length - 1)] as number[];
      story(sent ? 'draft, sent, voided' : 'draft voided', evs, order);
    } else if (r < 0.67) {
      const inv = newInvoice(c);
      const v1 = invoice(c, inv.number, inv.id, inv.qty, inv.unit, inv.packs);
      const evs = [ev('invoice.sent', v1.data)];
      if (rnd.next() < 0.3) {
        const v2 = invoice(c, inv.number, inv.id, inv.qty + 1n, inv.unit, inv.packs);
        evs.push(ev('invoice.updated', v2.data));
      }
      evs.push(ev('invoice.voided', { invoiceId: inv.id }));
      if (rnd.next() < 0.3) story('void overtakes invoice', evs, before(evs.length, evs.length - 1, 0));
      else story('invoice voided', evs);
    } else if (r < 0.87) {
      // A job: deposits before the invoice exists, then the close-out with the invoice and a final payment.
      const jobId = `JOB-${++jobSeq}`;
      const inv = newInvoice(c);
      const v = invoice(c, inv.number, inv.id, inv.qty, inv.unit, inv.packs, { jobId });
      const depositCount = rnd.int(1, 2);
      const deposits = Array.from({ length: depositCount }, () =>
        payment(c, v.total / BigInt(2 + depositCount + 1), { jobId }),
      );
      const evs = deposits.map((d) => ev('payment.accepted', d.data));
      const finals = rnd.next() < 0.7 ? [payment(c, v.total / 4n, { invoiceId: inv.id, jobId })] : [];
      evs.push(ev('job.closed_out', { jobId, invoice: v.data, payments: finals.map((f) => f.data) }));
      if (rnd.next() < 0.25) {
        // A deposit refunded at close-out: its void arrives while the close-out applies it (just before or
        // after the close-out is delivered).
        const voided = deposits[rnd.int(0, deposits.length - 1)] as { id: string };
        evs.push(ev('payment.voided', { paymentId: voided.id, reason: 'voided' }));
        const closeOut = evs.length - 2;
        const order = rnd.next() < 0.5 ? evs.map((_, i) => i) : before(evs.length, evs.length - 1, closeOut);
        story('deposit voided during close-out', evs, order);
      } else if (rnd.next() < 0.2) story('deposit after close-out', evs, before(evs.length, evs.length - 1, 0));
      else story('deposits + close-out', evs);
    } else {
      // A customer's contact details change (display name kept: QBO names are what invoices resolve by).
      const v = (c.phone ? Number(c.phone.slice(-2)) : 0) + 1;
      c.email = `client${c.id.slice(2)}.v${v}@t${tenantIndex}.example.com`;
      c.phone = `555-01${String(v).padStart(2, '0')}`;
      story('customer updated', [ev('customer.updated', custData(c))]);
    }
  }

  // Shuffled deliveries: each moves a random distance within the window, so stories interleave and arrive
  // out of order across one another (queues then run them in yet another order).
  const window = shape.shuffleWindow ?? 0;
  if (window > 0) {
    const keyed = deliveries.map((e, i) => ({ e, key: i + rnd.next() * window }));
    keyed.sort((a, b) => a.key - b.key);
    deliveries.splice(0, deliveries.length, ...keyed.map((k) => k.e));
  }

  // Re-deliveries: a share of the events is sent again a little later (a billing system retrying).
  const out = [...deliveries];
  const dupCount = Math.round(events.length * shape.duplicateRate);
  for (let k = 0; k < dupCount; k++) {
    const i = rnd.int(0, deliveries.length - 1);
    const e = deliveries[i] as DomainEventInput;
    const pos = Math.min(out.length, out.indexOf(e) + rnd.int(1, 200));
    out.splice(pos, 0, e);
  }
  return { tenantId, events, deliveries: out, stories };
}
