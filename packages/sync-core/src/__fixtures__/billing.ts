import type { Customer, Invoice, Payment, Refund } from '@qbo-sync/contracts';
import { Invoice as InvoiceSchema, Payment as PaymentSchema, Refund as RefundSchema } from '@qbo-sync/contracts';

export const customer: Customer = {
  id: 'C-1042',
  firstName: 'John',
  lastName: 'Brown',
  email: 'john.brown@example.com',
};

/** A sent invoice: 2 × 60.00 labour (taxable) + 1 × 25.50 materials, 10.00 tax. */
export function invoice(overrides: Partial<Invoice> = {}): Invoice {
  return InvoiceSchema.parse({
    id: 'INV-1',
    number: 'INV-2024-0001',
    status: 'sent',
    issueDate: '2024-05-01',
    dueDate: '2024-05-31',
    currency: 'USD',
    customer,
    lines: [
      {
        id: 'L1',
        itemId: 'ITM-LABOR',
        description: 'Moving labor',
        quantity: '2',
        unitPrice: '60',
        amount: '120.00',
        taxCode: 'TAX',
      },
      { id: 'L2', itemId: 'ITM-7', description: 'Packing tape', quantity: '1', unitPrice: '25.5', amount: '25.50' },
    ],
    totals: { subtotal: '145.50', tax: '10.00', total: '155.50' },
    ...overrides,
  });
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
