// A billing workload for chaos runs, built from a seeded PRNG, with the exact QBO state it must produce.
// Amounts are integer cents (bigint) end to end; QBO's numbers are converted to cents before comparing.
import type { DomainEventInput } from '@qbo-sync/contracts';
import { customer, event, invoiceData, paymentData, refundData } from '../../support/harness.js';

/** mulberry32: small, fast and good enough to make a run's timing and amounts replayable from one seed. */
export function prng(seed: number): { next(): number; int(min: number, max: number): number } {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (min, max) => min + Math.floor(next() * (max - min + 1)) };
}

/** A seed from CHAOS_SEED (to replay a failure) or a fresh one; printed by the suites. */
export function chaosSeed(): number {
  const fromEnv = process.env.CHAOS_SEED;
  return fromEnv ? Number.parseInt(fromEnv, 10) : Math.floor(Math.random() * 2 ** 31);
}

export const cents = (c: bigint): string => {
  const sign = c < 0n ? '-' : '';
  const abs = c < 0n ? -c : c;
  return `${sign}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
};

export interface PlannedCustomer {
  id: string;
  displayName: string;
}
export interface PlannedInvoice {
  id: string;
  number: string;
  customerId: string;
  totalCents: bigint;
}
export interface PlannedPayment {
  id: string;
  invoiceId: string;
  reference: string;
  amountCents: bigint;
}
export interface PlannedRefund {
  id: string;
  paymentId: string;
  amountCents: bigint;
}

export interface Workload {
  customers: PlannedCustomer[];
  invoices: PlannedInvoice[];
  payments: PlannedPayment[];
  refunds: PlannedRefund[];
  /** In publishing order: each invoice, then (interleaved) payments and refunds after their parents. */
  events: DomainEventInput[];
}

export interface WorkloadShape {
  customers: number;
  invoices: number;
  /** Every `paymentEvery`-th invoice gets a payment (full or partial, by the PRNG). */
  paymentEvery: number;
  refunds: number;
  /** Distinguishes runs inside one tenant-free namespace (document numbers must not collide across suites). */
  tag: string;
}

export function buildWorkload(tenantId: string, seed: number, shape: WorkloadShape): Workload {
  const rnd = prng(seed);
  const customers: PlannedCustomer[] = [];
  const billingCustomers = Array.from({ length: shape.customers }, (_, i) => {
    const id = `C-${i + 1}`;
    const c = customer(id, { firstName: 'Chaos', lastName: `Client${shape.tag}${i + 1}` });
    customers.push({ id, displayName: `Chaos Client${shape.tag}${i + 1}` });
    return c;
  });
  const invoices: PlannedInvoice[] = [];
  const payments: PlannedPayment[] = [];
  const refunds: PlannedRefund[] = [];
  const events: DomainEventInput[] = [];
  for (let i = 1; i <= shape.invoices; i++) {
    const c = billingCustomers[(i - 1) % billingCustomers.length];
    if (!c) throw new Error('no customers');
    const qty = BigInt(rnd.int(1, 6));
    const unit = BigInt(rnd.int(40, 900)) * 25n; // $10.00 .. $225.00 in quarter steps
    const packs = BigInt(rnd.int(0, 12));
    const labor = qty * unit;
    const pack = packs * 250n;
    const total = labor + pack;
    const id = `INV-${i}`;
    const number = `${shape.tag}-${1000 + i}`;
    const lines = [
      {
        id: 'L1',
        itemId: 'ITM-LABOR',
        description: 'Moving labor',
        quantity: String(qty),
        unitPrice: cents(unit),
        amount: cents(labor),
      },
      ...(packs > 0n
        ? [
            {
              id: 'L2',
              itemId: 'ITM-PACK',
              description: 'Packing materials',
              quantity: String(packs),
              unitPrice: '2.50',
              amount: cents(pack),
            },
          ]
        : []),
    ];
    invoices.push({ id, number, customerId: c.id, totalCents: total });
    events.push(
      event(
        tenantId,
        'invoice.sent',
        invoiceData({
          id,
          number,
          customer: c,
          lines,
          totals: { subtotal: cents(total), tax: '0.00', total: cents(total) },
        }),
      ),
    );
    if (i % shape.paymentEvery === 0) {
      const amount = rnd.next() < 0.5 ? total : total / 2n;
      const p: PlannedPayment = {
        id: `PAY-${i}`,
        invoiceId: id,
        reference: `ch-${shape.tag}-${i}`,
        amountCents: amount,
      };
      payments.push(p);
      events.push(
        event(
          tenantId,
          'payment.accepted',
          paymentData({ id: p.id, invoiceId: id, customer: c, amount: cents(amount), reference: p.reference }),
        ),
      );
    }
  }
  for (let r = 0; r < shape.refunds && r < payments.length; r++) {
    const p = payments[Math.floor((r * payments.length) / Math.max(1, shape.refunds))];
    if (!p) continue;
    const c = billingCustomers.find((b) => b.id === invoices.find((inv) => inv.id === p.invoiceId)?.customerId);
    const amount = BigInt(rnd.int(1, Number(p.amountCents / 100n))) * 100n;
    const refund: PlannedRefund = { id: `REF-${r + 1}`, paymentId: p.id, amountCents: amount };
    refunds.push(refund);
    events.push(
      event(
        tenantId,
        'refund.issued',
        refundData({ id: refund.id, paymentId: p.id, customer: c, amount: cents(amount) }),
      ),
    );
  }
  return { customers, invoices, payments, refunds, events };
}

/** Every sync record the workload must end with: one per customer, invoice, payment and refund. */
export const expectedRecords = (w: Workload) =>
  w.customers.length + w.invoices.length + w.payments.length + w.refunds.length;
