import { z } from 'zod';

// Money travels as decimal strings so no float ever touches an amount. Two decimals covers every
// ISO 4217 currency QBO supports for the tenants we serve; quantities and unit prices may carry four.
export const MoneyString = z
  .string()
  .regex(/^-?\d{1,12}(\.\d{1,2})?$/, 'must be a decimal string with at most 2 decimals, e.g. "120.50"');
export const NonNegativeMoneyString = z
  .string()
  .regex(/^\d{1,12}(\.\d{1,2})?$/, 'must be a non-negative decimal string with at most 2 decimals, e.g. "120.50"');
export const PositiveMoneyString = NonNegativeMoneyString.refine((v) => /[1-9]/.test(v), 'must be greater than zero');
export const QuantityString = z
  .string()
  .regex(/^\d{1,9}(\.\d{1,4})?$/, 'must be a non-negative decimal string with at most 4 decimals, e.g. "2.5"');
export const UnitPriceString = z
  .string()
  .regex(/^-?\d{1,12}(\.\d{1,4})?$/, 'must be a decimal string with at most 4 decimals, e.g. "19.9900"');
export const CurrencyCode = z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code in capitals, e.g. "USD"');
export const IsoDate = z.iso.date({ message: 'must be a date as YYYY-MM-DD' });

export type MoneyString = z.infer<typeof MoneyString>;
