import type { Invoice } from '@qbo-sync/contracts';
import { formatCents, lineAmountCents, sumCents, toCents } from './money.js';

/** A billing invoice whose numbers do not add up to the cent; posting it would put a wrong total in QBO. */
export interface TotalsMismatch {
  code: 'TOTALS_MISMATCH';
  /** Billing total. */
  expected: string;
  /** What QBO would compute from the lines we send plus tax. */
  computed: string;
  /** expected − computed */
  difference: string;
  /** Lines whose quantity × unit price (rounded half-up to cents) is not their amount. */
  lines: { lineId: string; amount: string; computed: string }[];
  message: string;
}

export type TotalsCheck =
  | { ok: true; totalCents: bigint; taxCents: bigint; lineCents: Record<string, bigint> }
  | { ok: false; mismatch: TotalsMismatch };

/**
 * Checks an invoice to the cent before anything is posted. Each item line must equal
 * quantity × unit price rounded half-up to cents (QBO's rule), and item lines + tax must equal the
 * billing total. Balance-forward lines are not sent to QBO: a billing total that includes them
 * (lines + balance forward + tax) is accepted too, and QBO's total is then the total without them.
 */
export function checkInvoiceTotals(invoice: Invoice): TotalsCheck {
  const lineCents: Record<string, bigint> = {};
  const badLines: TotalsMismatch['lines'] = [];
  let items = 0n;
  for (const line of invoice.lines) {
    if (line.kind === 'balance_forward') continue;
    const amount = toCents(line.amount);
    const computed = lineAmountCents(line.quantity, line.unitPrice);
    if (amount !== computed) {
      badLines.push({ lineId: line.id, amount: formatCents(amount), computed: formatCents(computed) });
    }
    lineCents[line.id] = amount;
    items += amount;
  }
  const balanceForward = sumCents(invoice.lines.filter((l) => l.kind === 'balance_forward').map((l) => l.amount));
  const tax = toCents(invoice.totals.tax);
  const total = toCents(invoice.totals.total);
  const computed = items + tax;
  const totalsAgree = computed === total || (balanceForward !== 0n && computed + balanceForward === total);
  if (badLines.length === 0 && totalsAgree) return { ok: true, totalCents: computed, taxCents: tax, lineCents };

  const difference = formatCents(total - (totalsAgree ? total : computed));
  const parts: string[] = [];
  for (const l of badLines) {
    parts.push(`line ${l.lineId} says ${l.amount} but quantity × unit price is ${l.computed}`);
  }
  if (!totalsAgree) {
    parts.push(
      `the lines plus tax come to ${formatCents(computed)} but the invoice total is ${formatCents(total)} (difference ${difference})`,
    );
  }
  return {
    ok: false,
    mismatch: {
      code: 'TOTALS_MISMATCH',
      expected: formatCents(total),
      computed: formatCents(computed),
      difference,
      lines: badLines,
      message: `Invoice ${invoice.number} does not add up: ${parts.join('; ')}. Correct the invoice in the billing system; the corrected invoice will sync by itself.`,
    },
  };
}
