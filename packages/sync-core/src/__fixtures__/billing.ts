import type { Customer, Invoice, Payment, Refund } from '@qbo-sync/contracts';
import { Invoice as InvoiceSchema, Payment as PaymentSchema, Refund as RefundSchema } from '@qbo-sync/contracts';
import { formatCents, sumCents } from '../money.js';

export const customer: Customer = {
  id: 'C-1042',
  firstName: 'John',
  lastName: 'Brown',
  email: 'john.brown@example.com',
};

const INVOICE_LINES: Invoice['lines'] = [
  {
    id: 'L1',
    kind: 'item',
    itemId: 'ITM-LABOR',
    description: 'Moving labor',
    quantity: '2',
    unitPrice: '60',
    amount: '120.00',
    taxCode: 'TAX',
  },
  {
    id: 'L2',
    kind: 'item',
    itemId: 'ITM-7',
    description: 'Packing tape',
    quantity: '1',
    unitPrice: '25.5',
    amount: '25.50',
  },
];

/**
 * A sent invoice: 2 × 60.00 labour (taxable) + 1 × 25.50 materials, 10.00 tax. Lines given without totals get
 * the totals they add up to (item lines + 10.00 tax), as the contract requires.
 */
export function invoice(overrides: Partial<Invoice> = {}): Invoice {
  const lines = overrides.lines ?? INVOICE_LINES;
  const items = sumCents(lines.filter((l) => l.kind !== 'balance_forward').map((l) => l.amount));
  const totals = { subtotal: formatCents(items), tax: '10.00', total: formatCents(items + 1000n) };
  return InvoiceSchema.parse({
    id: 'INV-1',
    number: 'INV-2024-0001',
    status: 'sent',
    issueDate: '2024-05-01',
    dueDate: '2024-05-31',
    currency: 'USD',
    customer,
    lines,
    totals,
    ...overrides,
  });
}

/** An invoice as an older stored snapshot may hold it: `overrides` applied without the contract's checks. */
export function unvalidatedInvoice(overrides: Partial<Invoice>): Invoice {
  return { ...invoice(), ...overrides };
}

export function payment(overrides: Partial<Payment> = {}): Payment {
  return PaymentSchema.parse({
    id: 'PAY-1',
    invoiceId: 'INV-1',
    customer,
    amount: '155.50',
    currency: 'USD',
    receivedOn: '2024-05-03',
    method: 'card',
    reference: 'ch_1234',
    ...overrides,
  });
}

export function refund(overrides: Partial<Refund> = {}): Refund {
  return RefundSchema.parse({
    id: 'REF-1',
    paymentId: 'PAY-1',
    customer,
    amount: '20.00',
    currency: 'USD',
    issuedOn: '2024-05-10',
    ...overrides,
  });
}
