import type { z } from 'zod';
import type { Customer, Invoice, Payment } from './entities.js';
import type { DomainEventInput, EventType } from './events.js';

/**
 * One valid example per event type. The docs (OpenAPI examples, docs/ingest.md) and the tests use
 * these, so an example that stops validating fails the contract tests.
 */
export const EXAMPLE_TENANT_ID = 'acme-moving';

const customer = {
  id: 'cust-1001',
  firstName: 'Jane',
  lastName: 'Brown',
  email: 'jane.brown@example.com',
  phone: '+1 415 555 0100',
  billingAddress: { line1: '12 Harbor Way', city: 'Oakland', region: 'CA', postalCode: '94607', country: 'US' },
} satisfies Customer;

const invoice: z.input<typeof Invoice> = {
  id: 'inv-5001',
  number: 'INV-2026-0042',
  status: 'sent',
  issueDate: '2026-03-02',
  dueDate: '2026-03-16',
  currency: 'USD',
  jobId: 'job-77',
  customer,
  lines: [
    {
      id: 'line-1',
      itemId: 'moving-labor',
      description: '3 movers, 4 hours',
      quantity: '12',
      unitPrice: '45.00',
      amount: '540.00',
      taxCode: 'NON',
    },
    {
      id: 'line-2',
      itemId: 'packing-materials',
      description: 'Boxes and tape',
      quantity: '1',
      unitPrice: '80.50',
      amount: '80.50',
      taxCode: 'TAX',
    },
  ],
  totals: { subtotal: '620.50', tax: '7.04', total: '627.54' },
  memo: 'Thank you for moving with Acme.',
};

const payment: z.input<typeof Payment> = {
  id: 'pay-9001',
  invoiceId: 'inv-5001',
  jobId: 'job-77',
  customer,
  amount: '627.54',
  currency: 'USD',
  receivedOn: '2026-03-05',
  method: 'card',
  reference: 'ch_3Nx8',
};

/** A deposit taken before the invoice existed: no invoiceId. */
const deposit: z.input<typeof Payment> = {
  id: 'pay-8999',
  jobId: 'job-77',
  customer,
  amount: '200.00',
  currency: 'USD',
  receivedOn: '2026-02-20',
  method: 'check',
  reference: '1042',
};

type ExampleOf<K extends EventType> = Extract<DomainEventInput, { type: K }>;

export const EXAMPLE_EVENTS: { [K in EventType]: ExampleOf<K> } = {
  'invoice.sent': {
    id: 'evt-0001',
    type: 'invoice.sent',
    version: 1,
    tenantId: EXAMPLE_TENANT_ID,
    occurredAt: '2026-03-02T15:04:05Z',
    data: invoice,
  },
  'invoice.updated': {
    id: 'evt-0002',
    type: 'invoice.updated',
    version: 1,
    tenantId: EXAMPLE_TENANT_ID,
    occurredAt: '2026-03-03T09:00:00-08:00',
    data: { ...invoice, memo: 'Corrected packing materials.' },
  },
  'invoice.voided': {
    id: 'evt-0003',
    type: 'invoice.voided',
    version: 1,
    tenantId: EXAMPLE_TENANT_ID,
    occurredAt: '2026-03-04T10:00:00Z',
    data: { invoiceId: 'inv-5001' },
  },
  'job.closed_out': {
    id: 'evt-0004',
    type: 'job.closed_out',
    version: 1,
    tenantId: EXAMPLE_TENANT_ID,
    occurredAt: '2026-03-05T18:30:00Z',
    data: {
      jobId: 'job-77',
      invoice: { ...invoice, status: 'paid' },
      payments: [deposit, { ...payment, amount: '427.54' }],
    },
  },
  'payment.accepted': {
    id: 'evt-0005',
    type: 'payment.accepted',
    version: 1,
    tenantId: EXAMPLE_TENANT_ID,
    occurredAt: '2026-03-05T18:31:00Z',
    data: payment,
  },
  'payment.voided': {
    id: 'evt-0006',
    type: 'payment.voided',
    version: 1,
    tenantId: EXAMPLE_TENANT_ID,
    occurredAt: '2026-03-08T08:00:00Z',
    data: { paymentId: 'pay-9001', reason: 'echeck_rejected' },
  },
  'refund.issued': {
    id: 'evt-0007',
    type: 'refund.issued',
    version: 1,
    tenantId: EXAMPLE_TENANT_ID,
    occurredAt: '2026-03-09T12:00:00Z',
    data: {
      id: 'ref-301',
      paymentId: 'pay-9001',
      customer,
      amount: '50.00',
      currency: 'USD',
      issuedOn: '2026-03-09',
      memo: 'Damaged lamp',
    },
  },
  'customer.updated': {
    id: 'evt-0008',
    type: 'customer.updated',
    version: 1,
    tenantId: EXAMPLE_TENANT_ID,
    occurredAt: '2026-03-01T11:00:00Z',
    source: 'backfill',
    data: { ...customer, companyName: 'Brown Design LLC', parent: { id: 'cust-1000', companyName: 'Brown Holdings' } },
  },
};
