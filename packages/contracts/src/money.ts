import { z } from 'zod';

// Money travels as decimal strings so no float ever touches an amount. Two decimals covers every
// ISO 4217 currency QBO supports for the tenants we serve; quantities and unit prices may carry four.

/**
 * A schema-level message that leaves a missing field to the caller's "is required" (a plain `message`
 * would replace every issue of the field, absence included).
 */
export const unlessMissing =
  (message: string) =>
  (iss: { input?: unknown }): string | undefined =>
    iss.input === undefined ? undefined : message;

/** A JSON number where a decimal string belongs gets a message that says why (12.345 would lose cents). */
const decimalString = (example: string) =>
  z.string({
    error: (iss) =>
      iss.input === undefined
        ? undefined
        : `must be a decimal string such as "${example}", not ${typeof iss.input === 'number' ? 'a JSON number (numbers lose cents)' : typeof iss.input}`,
  });

export const MoneyString = decimalString('120.50').regex(
  /^-?\d{1,12}(\.\d{1,2})?$/,
  'must be a decimal string with at most 2 decimals, e.g. "120.50"',
);
export const NonNegativeMoneyString = decimalString('120.50').regex(
  /^\d{1,12}(\.\d{1,2})?$/,
  'must be a non-negative decimal string with at most 2 decimals, e.g. "120.50"',
);
export const PositiveMoneyString = NonNegativeMoneyString.refine((v) => /[1-9]/.test(v), 'must be greater than zero');
export const QuantityString = decimalString('2.5').regex(
  /^\d{1,9}(\.\d{1,4})?$/,
  'must be a non-negative decimal string with at most 4 decimals, e.g. "2.5"',
);
export const UnitPriceString = decimalString('19.9900').regex(
  /^-?\d{1,12}(\.\d{1,4})?$/,
  'must be a decimal string with at most 4 decimals, e.g. "19.9900"',
);
export const CurrencyCode = z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code in capitals, e.g. "USD"');
export const IsoDate = z.iso.date({ error: unlessMissing('must be a date as YYYY-MM-DD') });

export type MoneyString = z.infer<typeof MoneyString>;

// Exact arithmetic on the strings above: integer cents (bigint), never floats.

/** A decimal string that cannot be read as money (or quantity) with the allowed number of decimals. */
export class InvalidAmountError extends Error {
  readonly code = 'INVALID_AMOUNT';
  constructor(
    readonly value: string,
    readonly maxDecimals: number,
  ) {
    super(`"${value}" is not a decimal with at most ${maxDecimals} decimals`);
    this.name = 'InvalidAmountError';
  }
}

const DECIMAL_RE = /^(-)?(\d+)(?:\.(\d+))?$/;

/** Parses a decimal string to an integer scaled by 10^scale, refusing more decimals than `scale`. */
export function parseScaled(value: string, scale: number): bigint {
  const m = DECIMAL_RE.exec(value.trim());
  const frac = m?.[3] ?? '';
  if (!m || frac.length > scale) throw new InvalidAmountError(value, scale);
  const units = BigInt(`${m[2]}${frac.padEnd(scale, '0')}`);
  return m[1] === '-' ? -units : units;
}

/** "120.5" → 12050n. At most 2 decimals. */
export function toCents(value: string): bigint {
  return parseScaled(value, 2);
}

/** 12050n → "120.50", -5n → "-0.05". Always two decimals. */
export function formatCents(cents: bigint): string {
  const neg = cents < 0n;
  const abs = neg ? -cents : cents;
  const frac = (abs % 100n).toString().padStart(2, '0');
  return `${neg ? '-' : ''}${abs / 100n}.${frac}`;
}
