import type { Payment } from '@qbo-sync/contracts';
import { fitPaymentRefNum } from './doc-number.js';
import type { PaymentRefs } from './mapping.js';
import { markerFor, noteWithMarker } from './marker.js';
import { centsToQboAmount, formatCents, toCents } from './money.js';
import type { Ref } from './qbo-types.js';

/** The tip part of a payment in cents (0 without a tip). */
export function tipCentsOf(payment: Payment): bigint {
  return payment.tip ? toCents(payment.tip) : 0n;
}

/**
 * The payment as QBO's Payment records it: the amount without the tip, which is posted on its own
 * (buildTipReceiptPayload) so that it never stays as unapplied credit on the customer.
 */
export function paymentWithoutTip(payment: Payment): Payment {
  if (!payment.tip) return payment;
  const { tip: _tip, ...rest } = payment;
  return { ...rest, amount: formatCents(toCents(payment.amount) - toCents(payment.tip)) };
}

export type QboTipReceiptBody = {
  CustomerRef: Ref;
  TxnDate: string;
  DepositToAccountRef: Ref;
  PaymentMethodRef: Ref;
  PaymentRefNum?: string;
  CurrencyRef?: Ref;
  PrivateNote: string;
  Line: {
    Amount: number;
    DetailType: 'SalesItemLineDetail';
    Description: string;
    SalesItemLineDetail: { ItemRef: Ref };
  }[];
};

/**
 * A payment's tip as a sales receipt, the form QBO records tips on (Intuit: gratuity is a SalesItemLine with
 * ItemRef GRATUITY_ITEM_ID when the company's tips setting is on; else the tenant's tips item). Deposited
 * where the payment is, same method and date, carrying the payment's marker with a "tip" line.
 */
export function buildTipReceiptPayload(input: {
  tenantId: string;
  payment: Payment;
  customerRef: Ref;
  refs: PaymentRefs & { tipItem: Ref };
  multiCurrency?: boolean;
}): QboTipReceiptBody {
  const { payment } = input;
  const body: QboTipReceiptBody = {
    CustomerRef: input.customerRef,
    TxnDate: payment.receivedOn,
    DepositToAccountRef: input.refs.depositAccount,
    PaymentMethodRef: input.refs.paymentMethod,
    PrivateNote: noteWithMarker(markerFor(input.tenantId, 'payment', payment.id), `Tip of payment ${payment.id}`),
    Line: [
      {
        Amount: centsToQboAmount(tipCentsOf(payment)),
        DetailType: 'SalesItemLineDetail',
        Description: `Tip${payment.invoiceId ? ` on invoice ${payment.invoiceId}` : ''}`,
        SalesItemLineDetail: { ItemRef: input.refs.tipItem },
      },
    ],
  };
  if (payment.reference) body.PaymentRefNum = fitPaymentRefNum(payment.reference);
  if (input.multiCurrency) body.CurrencyRef = { value: payment.currency };
  return body;
}
