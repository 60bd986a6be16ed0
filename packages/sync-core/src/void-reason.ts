/** Why a billing system voided a payment (`payment.voided` data.reason). */
export type PaymentVoidReason = 'voided' | 'echeck_rejected';

/** The line written into the QBO payment's memo before it is voided; a plain void needs none. */
const MEMO_LINE: Record<PaymentVoidReason, string | undefined> = {
  voided: undefined,
  echeck_rejected: 'eCheck rejected by the bank (qbo-sync: payment.voided reason echeck_rejected)',
};

/** The sentence the sync record shows once the payment is voided. */
export function paymentVoidedReason(reason: PaymentVoidReason): string {
  return reason === 'echeck_rejected'
    ? 'Voided in QuickBooks: the eCheck was rejected (reason echeck_rejected, also in the payment memo).'
    : 'Voided in QuickBooks.';
}

/**
 * The payment's memo with the void reason appended, or undefined when nothing needs writing (a plain void,
 * or the line is already there from an earlier run). QBO keeps the memo of a voided payment (it prefixes
 * "Voided"), so the reason stays visible in QuickBooks. Kept within QBO's 4000-character PrivateNote.
 */
export function memoWithVoidReason(current: string | undefined, reason: PaymentVoidReason): string | undefined {
  const line = MEMO_LINE[reason];
  if (!line || current?.includes(line)) return undefined;
  const base = current?.trim();
  const room = 4000 - line.length - 1;
  const kept = base ? Array.from(base).slice(0, Math.max(0, room)).join('') : '';
  return kept ? `${kept}\n${line}` : line;
}
