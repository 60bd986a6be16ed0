// Line-level rules shared by sales and expense transactions.
import { fault } from '../faults.js';
import { formatCents, type Money, mulDec, roundDecToCents } from '../money.js';
import { decOf } from './common.js';

/** Qty x UnitPrice must round to Amount (QBO error 6070); returns the normalised numbers to store. */
export function checkQtyPrice(
  qty: string | number | null | undefined,
  unitPrice: string | number | null | undefined,
  amount: Money,
): { Qty?: number; UnitPrice?: number } {
  const out: { Qty?: number; UnitPrice?: number } = {};
  if (qty !== null && qty !== undefined) out.Qty = Number(qty);
  if (unitPrice !== null && unitPrice !== undefined) out.UnitPrice = Number(unitPrice);
  if (qty === null || qty === undefined || unitPrice === null || unitPrice === undefined) return out;
  const product = roundDecToCents(mulDec(decOf(qty, 'Qty'), decOf(unitPrice, 'UnitPrice')));
  if (product !== BigInt(amount.cents)) throw fault.amountCalc(formatCents(amount.cents));
  return out;
}

export const UNSUPPORTED_LINE_TYPES = new Set([
  'DiscountLineDetail',
  'GroupLineDetail',
  'DescriptionLineDetail',
  'TaxLineDetail',
  'ReimburseLineDetail',
]);

export function lineTypeError(type: string): never {
  if (UNSUPPORTED_LINE_TYPES.has(type)) {
    throw fault.business(`qbo-sandbox does not support ${type} lines.`, 'Line.DetailType');
  }
  throw fault.invalidEnum('Line.DetailType', type);
}
