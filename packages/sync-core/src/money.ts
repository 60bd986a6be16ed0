// Money is exact: decimal strings at the edges, integer cents (bigint) inside. No float ever touches an amount.

// Parsing and formatting live with the schemas that admit the strings (contracts), so ingest can check sums.
import { formatCents, parseScaled, toCents } from '@qbo-sync/contracts';

export { formatCents, InvalidAmountError, parseScaled, toCents } from '@qbo-sync/contracts';

export function addMoney(a: string, b: string): string {
  return formatCents(toCents(a) + toCents(b));
}

export function subMoney(a: string, b: string): string {
  return formatCents(toCents(a) - toCents(b));
}

export function compareMoney(a: string, b: string): -1 | 0 | 1 {
  const x = toCents(a);
  const y = toCents(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

export function sumCents(values: readonly string[]): bigint {
  let total = 0n;
  for (const v of values) total += toCents(v);
  return total;
}

export function minCents(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

/**
 * Divides by 10^digits rounding half away from zero ("half-up" on the magnitude): 0.005 → 0.01 and
 * -0.005 → -0.01, so a credit line rounds exactly like the matching charge. This is how QBO rounds
 * `Qty × UnitPrice` into a line `Amount`.
 */
export function roundHalfUp(units: bigint, digits: number): bigint {
  if (digits <= 0) return units;
  const div = 10n ** BigInt(digits);
  const neg = units < 0n;
  const abs = neg ? -units : units;
  const q = (abs + div / 2n) / div;
  return neg ? -q : q;
}

/**
 * Line amount in cents for `quantity × unitPrice` (each up to 4 decimals): the exact product has
 * 8 decimals and is rounded half-up to cents, see `roundHalfUp`.
 */
export function lineAmountCents(quantity: string, unitPrice: string): bigint {
  return roundHalfUp(parseScaled(quantity, 4) * parseScaled(unitPrice, 4), 6);
}

/**
 * QBO's JSON carries amounts as numbers. Going through the decimal string keeps the value exact:
 * every 2-decimal amount below 2^53 cents has a shortest round-trip representation.
 */
export function centsToQboAmount(cents: bigint): number {
  return Number(formatCents(cents));
}

/** A JSON number from QBO (already at most 2 decimals) back to cents, via its shortest string form. */
export function qboAmountToCents(amount: number | string): bigint {
  const s = typeof amount === 'number' ? amount.toFixed(2) : amount;
  return toCents(s);
}

/** A quantity or unit price string (up to 4 decimals) as the JSON number QBO expects. */
export function decimalToQboNumber(value: string): number {
  parseScaled(value, 4);
  return Number(value);
}
