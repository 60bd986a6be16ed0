/** QBO's limit on Invoice.DocNumber (and what we apply to Payment.PaymentRefNum too). */
export const DOC_NUMBER_MAX = 21;
const HEAD = 5;
const TAIL = 13;

/**
 * Fits a billing number into QBO's 21 characters the way the reference products do: kept as-is when
 * it fits, otherwise the first 5 + "..." + the last 13 (exactly 21). The tail carries the running
 * counter, which is what people search for. Counts code points so a surrogate pair is never split.
 */
export function fitDocNumber(value: string): string {
  const chars = Array.from(value.trim());
  if (chars.length <= DOC_NUMBER_MAX) return chars.join('');
  return `${chars.slice(0, HEAD).join('')}...${chars.slice(chars.length - TAIL).join('')}`;
}

/** Payment reference numbers follow the same rule. */
export const fitPaymentRefNum = fitDocNumber;
