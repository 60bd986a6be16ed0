import type { DomainEventInput } from '@qbo-sync/contracts';
import { formatCents } from '@qbo-sync/sync-core';

// Realistic, reproducible load for benchmarks: a moving company's customers, invoices and payments.
// Pure: the same plan gives the same events. Amounts are integer cents, formatted at the edge.

export interface LoadPlan {
  tenantId: string;
  invoices: number;
  /** Prefix of every id, so a second run is new load rather than duplicates. */
  runId: string;
  seed: number;
  /** Share of invoices that get a payment (0..1). */
  paymentShare: number;
  source: 'live' | 'backfill';
  /** First issue date, YYYY-MM-DD; invoices spread over the following four weeks. */
  startDate: string;
  /** occurredAt of every event (ISO); the API checks its shape and that it is not in the future. */
  occurredAt: string;
}

/** The billing keys `demo setup` maps; anything else would park as needs_mapping. */
export const DEMO_ITEMS = [
  { itemId: 'moving-labor', description: 'Movers, per hour', unitCents: 9500, halfUnits: true, taxCode: 'NON' },
  {
    itemId: 'packing-materials',
    description: 'Boxes, tape and wrap',
    unitCents: 4250,
    halfUnits: false,
    taxCode: 'TAX',
  },
  { itemId: 'storage', description: 'Storage, per month', unitCents: 12000, halfUnits: false, taxCode: 'NON' },
  { itemId: 'consultation', description: 'In-home estimate', unitCents: 7500, halfUnits: false, taxCode: 'NON' },
] as const;
export const DEMO_PAYMENT_METHODS = ['card', 'check', 'cash', 'ach'] as const;

const FIRST = ['Ada', 'Grace', 'Alan', 'Jane', 'John', 'Maria', 'Wei', 'Amara', 'Luis', 'Sofia', 'Noah', 'Priya'];
const LAST = ['Brown', 'Lovelace', 'Hopper', 'Turing', "O'Brien", 'Garcia', 'Chen', 'Okafor', 'Müller', 'Smith'];
const COMPANIES = ['Harbor Design LLC', 'Bayview Dental', 'Northside Books', 'Pine & Co.', 'Lumen Studio'];
const CITIES = [
  { city: 'Oakland', region: 'CA', postalCode: '94607' },
  { city: 'Portland', region: 'OR', postalCode: '97205' },
  { city: 'Austin', region: 'TX', postalCode: '78701' },
  { city: 'Denver', region: 'CO', postalCode: '80202' },
];

/** mulberry32: small, fast, good enough to vary load; not for anything secret. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

type Customer = Extract<DomainEventInput, { type: 'customer.updated' }>['data'];

function makeCustomer(plan: LoadPlan, n: number, rand: () => number): Customer {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)] as T;
  const firstName = pick(FIRST);
  const lastName = pick(LAST);
  const place = pick(CITIES);
  const local = `${firstName}.${lastName}`.toLowerCase().replace(/[^a-z.]/g, '');
  return {
    id: `${plan.runId}-cust-${n}`,
    firstName,
    lastName,
    ...(rand() < 0.2 ? { companyName: pick(COMPANIES) } : {}),
    email: `${local}.${plan.runId}.${n}@example.com`,
    phone: `+1 555 01${String(n % 100).padStart(2, '0')}`,
    billingAddress: { line1: `${1 + Math.floor(rand() * 900)} Main St`, ...place, country: 'US' },
  };
}

/**
 * Events in a valid order: a customer's `customer.updated` before its first invoice, each `invoice.sent`
 * before its payment. About one customer per three invoices, so customers repeat as they do in life.
 */
export function* generateLoad(plan: LoadPlan): Generator<DomainEventInput> {
  const rand = prng(plan.seed);
  const customers: Customer[] = [];
  const poolSize = Math.max(1, Math.ceil(plan.invoices / 3));
  let eventNo = 0;
  const head = () => {
    eventNo += 1;
    return {
      id: `${plan.runId}-evt-${eventNo}`,
      version: 1 as const,
      tenantId: plan.tenantId,
      occurredAt: plan.occurredAt,
      source: plan.source,
    };
  };

  for (let i = 1; i <= plan.invoices; i += 1) {
    const slot = Math.floor(rand() * poolSize);
    let customer = customers[slot];
    if (!customer) {
      customer = makeCustomer(plan, slot + 1, rand);
      customers[slot] = customer;
      yield { ...head(), type: 'customer.updated', data: customer };
    }
    const lineCount = 1 + Math.floor(rand() * DEMO_ITEMS.length);
    const lines = DEMO_ITEMS.slice(0, lineCount).map((item, l) => {
      // Quantities in half units for labour; unit prices are even cents, so qty × price is whole cents.
      const halves = item.halfUnits ? 2 + Math.floor(rand() * 15) : 2 * (1 + Math.floor(rand() * 4));
      const amountCents = (item.unitCents * halves) / 2;
      return {
        id: `l${l + 1}`,
        itemId: item.itemId,
        description: item.description,
        quantity: halves % 2 === 0 ? String(halves / 2) : `${(halves - 1) / 2}.5`,
        unitPrice: formatCents(BigInt(item.unitCents)),
        amount: formatCents(BigInt(amountCents)),
        taxCode: item.taxCode,
        cents: amountCents,
      };
    });
    const totalCents = lines.reduce((sum, l) => sum + l.cents, 0);
    const total = formatCents(BigInt(totalCents));
    const issueDate = addDays(plan.startDate, (i - 1) % 28);
    const invoiceId = `${plan.runId}-inv-${i}`;
    yield {
      ...head(),
      type: 'invoice.sent',
      data: {
        id: invoiceId,
        number: `${plan.runId}-${i}`,
        status: 'sent',
        issueDate,
        dueDate: addDays(issueDate, 14),
        currency: 'USD',
        jobId: `${plan.runId}-job-${i}`,
        customer,
        lines: lines.map(({ cents: _cents, ...line }) => line),
        totals: { subtotal: total, tax: '0.00', total },
      },
    };
    if (rand() < plan.paymentShare) {
      // One in four payments is a part payment (half, rounded down to the cent).
      const partial = rand() < 0.25 && totalCents >= 2;
      const amountCents = partial ? Math.floor(totalCents / 2) : totalCents;
      const method = DEMO_PAYMENT_METHODS[Math.floor(rand() * DEMO_PAYMENT_METHODS.length)] ?? 'card';
      yield {
        ...head(),
        type: 'payment.accepted',
        data: {
          id: `${plan.runId}-pay-${i}`,
          invoiceId,
          jobId: `${plan.runId}-job-${i}`,
          customer,
          amount: formatCents(BigInt(amountCents)),
          currency: 'USD',
          receivedOn: addDays(issueDate, 1 + Math.floor(rand() * 10)),
          method,
          reference: `${plan.runId}-${i}`,
        },
      };
    }
  }
}
