import { centsToQboAmount, minCents, qboAmountToCents } from './money.js';
import { unappliedCents } from './payment-payload.js';
import type { QboPayment, QboPaymentLine, QboPaymentLinesUpdate } from './qbo-types.js';

/** QBO's TxnType for a Purchase with PaymentType Cash (what a refund is posted as). */
export const REFUND_TXN_TYPE = 'Expense';

export type RefundLinkPlan =
  | { action: 'linked'; linkedCents: bigint }
  | { action: 'skip'; reason: 'other_customer' | 'nothing_left' }
  | {
      action: 'update';
      update: QboPaymentLinesUpdate;
      /** What the payment now applies to the refund expense. */
      linkedCents: bigint;
      /** Taken off the payment's invoice applications (those invoices are open again by this much). */
      reopenedCents: bigint;
    };

/**
 * Links a refund expense (Purchase against A/R) to the payment it refunds, the way QuickBooks does it in
 * "Receive payment": the payment gets a line applying the refund amount to the expense, so the payment
 * shows the refund and neither stays an open A/R item (Intuit: "Record a refund for an overpayment or
 * credit"; Payment `Line.LinkedTxn.TxnType` may be `Expense`, qbo-facts §6). The payment's total does not
 * change: the line is paid from its unapplied credit first, then by applying that much less to its
 * invoices (latest line first) — money handed back no longer pays the invoice, so the invoice is open
 * again by that amount. Lines are all-or-nothing in QBO: every other line is resent.
 */
export function planRefundLink(input: {
  payment: QboPayment;
  purchaseQboId: string;
  /** The QBO customer of the refund expense; QBO links only transactions of one customer. */
  customerId: string;
  refundCents: bigint;
}): RefundLinkPlan {
  const lines = input.payment.Line ?? [];
  const existing = lines.find((l) =>
    l.LinkedTxn.some((t) => t.TxnId === input.purchaseQboId && (t.TxnType === 'Expense' || t.TxnType === 'Check')),
  );
  if (existing) return { action: 'linked', linkedCents: qboAmountToCents(existing.Amount) };
  if (input.payment.CustomerRef && input.payment.CustomerRef.value !== input.customerId) {
    return { action: 'skip', reason: 'other_customer' };
  }
  const invoiceCents = lines
    .filter((l) => l.LinkedTxn.some((t) => t.TxnType === 'Invoice'))
    .reduce((s, l) => s + qboAmountToCents(l.Amount), 0n);
  const free = unappliedCents(input.payment);
  const linked = minCents(input.refundCents, free + invoiceCents);
  if (linked <= 0n) return { action: 'skip', reason: 'nothing_left' };
  let toReopen = linked > free ? linked - free : 0n;
  const reopenedCents = toReopen;
  const kept: QboPaymentLine[] = [];
  for (const l of [...lines].reverse()) {
    let cents = qboAmountToCents(l.Amount);
    if (toReopen > 0n && l.LinkedTxn.some((t) => t.TxnType === 'Invoice')) {
      const cut = minCents(cents, toReopen);
      cents -= cut;
      toReopen -= cut;
      if (cents === 0n) continue;
    }
    kept.unshift({
      Amount: centsToQboAmount(cents),
      LinkedTxn: l.LinkedTxn.map((t) => ({ TxnId: t.TxnId, TxnType: t.TxnType })),
    });
  }
  return {
    action: 'update',
    linkedCents: linked,
    reopenedCents,
    update: {
      Id: input.payment.Id,
      SyncToken: input.payment.SyncToken,
      sparse: true,
      Line: [
        ...kept,
        { Amount: centsToQboAmount(linked), LinkedTxn: [{ TxnId: input.purchaseQboId, TxnType: REFUND_TXN_TYPE }] },
      ],
    },
  };
}
