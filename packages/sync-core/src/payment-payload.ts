import type { Payment, Refund } from '@qbo-sync/contracts';
import { fitDocNumber, fitPaymentRefNum } from './doc-number.js';
import type { PaymentRefs, RefundRefs } from './mapping.js';
import { markerFor, noteWithMarker } from './marker.js';
import { centsToQboAmount, minCents, qboAmountToCents, toCents } from './money.js';
import type {
  QboPayment,
  QboPaymentBody,
  QboPaymentLine,
  QboPaymentLinesUpdate,
  QboPurchaseBody,
  Ref,
} from './qbo-types.js';

/**
 * A received payment. Linked to the QBO invoice when there is one (applying at most the invoice's open
 * balance; the rest stays as customer credit), otherwise an unapplied payment: a deposit waiting for
 * its invoice.
 */
export function buildPaymentPayload(input: {
  tenantId: string;
  payment: Payment;
  customerRef: Ref;
  refs: PaymentRefs;
  invoice?: { qboId: string; balanceCents?: bigint };
  multiCurrency?: boolean;
  /** Lines the QBO payment has that are not ours to change (refund expenses linked to it): resent as they are. */
  keptLines?: readonly QboPaymentLine[];
}): QboPaymentBody {
  const { payment } = input;
  const kept = input.keptLines ?? [];
  const amount = toCents(payment.amount) - kept.reduce((s, l) => s + qboAmountToCents(l.Amount), 0n);
  const body: QboPaymentBody = {
    CustomerRef: input.customerRef,
    TotalAmt: centsToQboAmount(toCents(payment.amount)),
    TxnDate: payment.receivedOn,
    PaymentMethodRef: input.refs.paymentMethod,
    DepositToAccountRef: input.refs.depositAccount,
    PrivateNote: noteWithMarker(markerFor(input.tenantId, 'payment', payment.id), payment.memo),
  };
  if (payment.reference) body.PaymentRefNum = fitPaymentRefNum(payment.reference);
  if (input.multiCurrency) body.CurrencyRef = { value: payment.currency };
  if (input.invoice) {
    const applied = input.invoice.balanceCents === undefined ? amount : minCents(amount, input.invoice.balanceCents);
    if (applied > 0n) {
      body.Line = [
        { Amount: centsToQboAmount(applied), LinkedTxn: [{ TxnId: input.invoice.qboId, TxnType: 'Invoice' }] },
      ];
    }
  }
  if (kept.length > 0) body.Line = [...(body.Line ?? []), ...kept];
  return body;
}

/** A QBO payment's lines that link refund expenses (Expense/Check): a payment update must keep them. */
export function refundLinesOf(payment: QboPayment): QboPaymentLine[] {
  return (payment.Line ?? [])
    .filter((l) => l.LinkedTxn.some((t) => t.TxnType === 'Expense' || t.TxnType === 'Check'))
    .map((l) => ({
      Amount: centsToQboAmount(qboAmountToCents(l.Amount)),
      LinkedTxn: l.LinkedTxn.map((t) => ({ TxnId: t.TxnId, TxnType: t.TxnType })),
    }));
}

/** What a QBO payment already applies to one invoice (it counts as open balance when its lines are resent). */
export function linkedToInvoiceCents(payment: QboPayment, invoiceQboId: string): bigint {
  let cents = 0n;
  for (const line of payment.Line ?? []) {
    if (line.LinkedTxn.some((t) => t.TxnType === 'Invoice' && t.TxnId === invoiceQboId))
      cents += qboAmountToCents(line.Amount);
  }
  return cents;
}

/**
 * An invoice's open balance as far as our own records tell: its total minus what our other payments and
 * deposits apply to it. Undefined when the total is not known (an invoice synced before we kept it).
 */
export function knownOpenCents(input: {
  totalCents: bigint | undefined;
  appliedByOthers: readonly string[];
}): bigint | undefined {
  if (input.totalCents === undefined) return undefined;
  let open = input.totalCents;
  for (const a of input.appliedByOthers) open -= toCents(a);
  return open;
}

/**
 * How a payment is applied to its invoice. When our records say the whole amount fits into the invoice's
 * open balance, it is applied in full without asking QBO (QBO refuses an over-application, and that
 * refusal sends us back here with `balanceCents` read from QBO). Otherwise QBO's balance must be read
 * first: the payment applies at most that balance plus what it already applies itself, and the rest stays
 * unapplied credit.
 */
export function planPaymentApplication(input: {
  amountCents: bigint;
  knownOpenCents?: bigint | undefined;
  /** From QBO: the invoice's Balance plus what this payment already applies to it. */
  balanceCents?: bigint | undefined;
}): { appliedCents: bigint } | { readBalance: true } {
  if (input.balanceCents !== undefined) {
    const applied = minCents(input.amountCents, input.balanceCents);
    return { appliedCents: applied > 0n ? applied : 0n };
  }
  if (input.knownOpenCents !== undefined && input.amountCents <= input.knownOpenCents) {
    return { appliedCents: input.amountCents };
  }
  return { readBalance: true };
}

/** What is still unapplied on a QBO payment: UnappliedAmt when QBO reports it, else total − lines. */
export function unappliedCents(payment: QboPayment): bigint {
  if (payment.UnappliedAmt !== undefined) return qboAmountToCents(payment.UnappliedAmt);
  const lines = (payment.Line ?? []).reduce((s, l) => s + qboAmountToCents(l.Amount), 0n);
  return qboAmountToCents(payment.TotalAmt ?? 0) - lines;
}

/**
 * Applies an earlier unapplied deposit to an invoice. Payment lines are all-or-nothing in QBO, so the
 * update resends every existing line plus the new one. Undefined when there is nothing to apply or the
 * deposit is already linked to that invoice (a re-run is a no-op).
 */
export function buildApplyDepositUpdate(input: {
  payment: QboPayment;
  invoiceQboId: string;
  invoiceBalanceCents: bigint;
}): { update: QboPaymentLinesUpdate; appliedCents: bigint } | undefined {
  const lines = input.payment.Line ?? [];
  if (lines.some((l) => l.LinkedTxn.some((t) => t.TxnType === 'Invoice' && t.TxnId === input.invoiceQboId))) {
    return undefined;
  }
  const applied = minCents(unappliedCents(input.payment), input.invoiceBalanceCents);
  if (applied <= 0n) return undefined;
  return {
    appliedCents: applied,
    update: {
      Id: input.payment.Id,
      SyncToken: input.payment.SyncToken,
      sparse: true,
      Line: [
        ...lines.map((l) => ({
          Amount: centsToQboAmount(qboAmountToCents(l.Amount)),
          LinkedTxn: l.LinkedTxn.map((t) => ({ TxnId: t.TxnId, TxnType: t.TxnType })),
        })),
        { Amount: centsToQboAmount(applied), LinkedTxn: [{ TxnId: input.invoiceQboId, TxnType: 'Invoice' }] },
      ],
    },
  };
}

/**
 * A refund of money received against A/R, as QBO's own recipe records it (qbo-facts §7): an expense
 * (Purchase, PaymentType Cash) paid from the refund bank account to the customer, with one line
 * against Accounts Receivable — which QBO only accepts with the customer named.
 */
export function buildRefundPurchasePayload(input: {
  tenantId: string;
  refund: Refund;
  customerRef: Ref;
  refs: RefundRefs;
  multiCurrency?: boolean;
}): QboPurchaseBody {
  const { refund } = input;
  const amount = centsToQboAmount(toCents(refund.amount));
  const body: QboPurchaseBody = {
    PaymentType: 'Cash',
    AccountRef: input.refs.refundBank,
    EntityRef: { ...input.customerRef, type: 'Customer' },
    TxnDate: refund.issuedOn,
    PrivateNote: noteWithMarker(
      markerFor(input.tenantId, 'refund', refund.id),
      [refund.reason && `Reason: ${refund.reason}`, refund.memo?.trim()].filter(Boolean).join('\n'),
    ),
    TotalAmt: amount,
    Line: [
      {
        DetailType: 'AccountBasedExpenseLineDetail',
        Amount: amount,
        Description: `Refund of payment ${refund.paymentId}`,
        AccountBasedExpenseLineDetail: { AccountRef: input.refs.accountsReceivable, CustomerRef: input.customerRef },
      },
    ],
  };
  if (refund.reference) body.DocNumber = fitDocNumber(refund.reference);
  if (input.multiCurrency) body.CurrencyRef = { value: refund.currency };
  return body;
}
