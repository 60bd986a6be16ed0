import { z } from 'zod';
import { ExternalId } from './ids.js';
import {
  CurrencyCode,
  formatCents,
  IsoDate,
  MoneyString,
  NonNegativeMoneyString,
  PositiveMoneyString,
  QuantityString,
  toCents,
  UnitPriceString,
  unlessMissing,
} from './money.js';

export const Address = z.strictObject({
  line1: z.string().max(500).optional(),
  line2: z.string().max(500).optional(),
  city: z.string().max(255).optional(),
  region: z.string().max(255).optional(),
  postalCode: z.string().max(30).optional(),
  country: z.string().max(255).optional(),
});

const personFields = {
  id: ExternalId,
  displayName: z.string().trim().min(1).max(400).optional(),
  firstName: z.string().trim().max(100).optional(),
  lastName: z.string().trim().max(100).optional(),
  companyName: z.string().trim().max(100).optional(),
  email: z
    .email({ error: unlessMissing('must be an email address') })
    .max(100)
    .optional(),
  phone: z.string().max(30).optional(),
  active: z.boolean().optional().meta({
    description:
      'false for a customer inactive in the billing system. It is found or created and mapped like an active one (its invoices still post); it never deactivates the QuickBooks customer.',
  }),
};

const hasAName = (c: {
  displayName?: string | undefined;
  firstName?: string | undefined;
  lastName?: string | undefined;
  companyName?: string | undefined;
}) => Boolean(c.displayName || c.firstName || c.lastName || c.companyName);
const NEEDS_A_NAME = 'needs at least one of displayName, firstName, lastName or companyName';

/** The billing account a representative or invoicee bills to; becomes the QBO parent customer. */
export const ParentCustomer = z
  .strictObject(personFields)
  .refine(hasAName, NEEDS_A_NAME)
  .meta({ description: `The billing account that pays; ${NEEDS_A_NAME}.` });

export const Customer = z
  .strictObject({
    ...personFields,
    billingAddress: Address.optional(),
    shippingAddress: Address.optional(),
    parent: ParentCustomer.optional(),
  })
  .refine(hasAName, NEEDS_A_NAME)
  .meta({ description: `A billing-side customer; ${NEEDS_A_NAME}.` });

export const InvoiceStatus = z.enum(['draft', 'sent', 'viewed', 'partially_paid', 'paid', 'overdue', 'void']);

export const InvoiceLine = z.strictObject({
  id: ExternalId,
  /** `item` lines sync; `balance_forward` lines carry an earlier invoice's balance and are not resent. */
  kind: z.enum(['item', 'balance_forward']).default('item'),
  itemId: ExternalId,
  description: z.string().max(4000).optional(),
  quantity: QuantityString,
  unitPrice: UnitPriceString,
  amount: MoneyString,
  taxCode: z.string().min(1).max(100).optional(),
});

export const Invoice = z
  .strictObject({
    id: ExternalId,
    number: z.string().trim().min(1).max(100),
    status: InvoiceStatus,
    issueDate: IsoDate,
    dueDate: IsoDate.optional(),
    currency: CurrencyCode,
    /** Billing-side job/project this invoice closes out; deposits of the same job get applied to it. */
    jobId: ExternalId.optional(),
    customer: Customer,
    lines: z.array(InvoiceLine).min(1, 'an invoice needs at least one line').max(750),
    totals: z.strictObject({ subtotal: MoneyString, tax: NonNegativeMoneyString, total: MoneyString }),
    memo: z.string().max(1000).optional(),
  })
  .check(
    z.superRefine(
      (invoice, ctx) => {
        const mismatch = totalMismatch(invoice);
        if (mismatch) ctx.addIssue({ code: 'custom', path: ['totals', 'total'], message: mismatch });
      },
      // Only once every field is valid: a malformed amount has its own issue, and a sum with it says nothing.
      { when: (payload) => payload.issues.length === 0 },
    ),
  );

/**
 * Why an invoice's total disagrees with its lines, or undefined when it agrees: the item lines plus tax must
 * come to the total (exact cents), or — when balance-forward lines carry an earlier balance — the item
 * lines, that balance and tax. Refused at ingest, so a producer hears it at once instead of a red sync later.
 */
function totalMismatch(invoice: {
  lines: readonly { kind: 'item' | 'balance_forward'; amount: string }[];
  totals: { tax: string; total: string };
}): string | undefined {
  let items = 0n;
  let balanceForward = 0n;
  for (const line of invoice.lines) {
    if (line.kind === 'balance_forward') balanceForward += toCents(line.amount);
    else items += toCents(line.amount);
  }
  const tax = toCents(invoice.totals.tax);
  const total = toCents(invoice.totals.total);
  const computed = items + tax;
  if (computed === total || (balanceForward !== 0n && computed + balanceForward === total)) return undefined;
  const withBalance =
    balanceForward !== 0n ? ` (${formatCents(computed + balanceForward)} with the balance forward)` : '';
  return `the total ${formatCents(total)} is not the line amounts plus tax, ${formatCents(computed)}${withBalance}: difference ${formatCents(total - computed)}. Send the total the lines add up to, or correct the lines`;
}

export const Payment = z
  .strictObject({
    id: ExternalId,
    /** Absent for a deposit taken before the invoice exists. */
    invoiceId: ExternalId.optional(),
    jobId: ExternalId.optional(),
    customer: Customer,
    amount: PositiveMoneyString,
    currency: CurrencyCode,
    receivedOn: IsoDate,
    /** Billing-side payment method key (e.g. "card", "check"), mapped to a QBO PaymentMethod. */
    method: z.string().min(1).max(100),
    reference: z.string().max(100).optional(),
    memo: z.string().max(1000).optional(),
    /**
     * The part of `amount` that is a tip (17hats and the like): the invoice is paid with the rest, and the tip is
     * recorded where the company's books expect it (QBO's tips setting, or a mapped tips item), never as credit.
     */
    tip: PositiveMoneyString.optional(),
  })
  .superRefine((p, ctx) => {
    if (p.tip !== undefined && !tipBelowAmount(p.tip, p.amount)) {
      ctx.addIssue({
        code: 'custom',
        path: ['tip'],
        message: `must be less than amount (${p.amount}): amount is the whole sum received, tip included`,
      });
    }
  });

/** Decimal strings compared as integer cents (never floats). */
function tipBelowAmount(tip: string, amount: string): boolean {
  const cents = (v: string) => {
    const [whole = '0', frac = ''] = v.split('.');
    return BigInt(whole) * 100n + BigInt(frac.padEnd(2, '0').slice(0, 2) || '0');
  };
  return cents(tip) < cents(amount);
}

export const Refund = z.strictObject({
  id: ExternalId,
  paymentId: ExternalId,
  customer: Customer,
  amount: PositiveMoneyString,
  currency: CurrencyCode,
  issuedOn: IsoDate,
  reference: z.string().max(100).optional(),
  memo: z.string().max(1000).optional(),
  /** Why the money went back (e.g. "Damaged in transit"); shown in the QBO expense's memo. */
  reason: z.string().trim().min(1, 'must not be empty when given').max(200).optional(),
});

export type Address = z.infer<typeof Address>;
export type Customer = z.infer<typeof Customer>;
export type ParentCustomer = z.infer<typeof ParentCustomer>;
export type InvoiceStatus = z.infer<typeof InvoiceStatus>;
export type InvoiceLine = z.infer<typeof InvoiceLine>;
export type Invoice = z.infer<typeof Invoice>;
export type Payment = z.infer<typeof Payment>;
export type Refund = z.infer<typeof Refund>;
