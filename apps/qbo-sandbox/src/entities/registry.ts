// All entity definitions, looked up by name or URL segment (both case-insensitive).
import { invoiceDef } from './invoice.js';
import { accountDef, itemDef, paymentMethodDef, taxCodeDef, taxRateDef } from './lists.js';
import { customerDef, employeeDef, vendorDef } from './names.js';
import { paymentDef } from './payment.js';
import { purchaseDef } from './purchase.js';
import { salesReceiptDef } from './sales-receipt.js';
import type { EntityDef } from './types.js';

export const DEFS: readonly EntityDef[] = [
  customerDef,
  vendorDef,
  employeeDef,
  itemDef,
  accountDef,
  paymentMethodDef,
  taxCodeDef,
  taxRateDef,
  invoiceDef,
  paymentDef,
  purchaseDef,
  salesReceiptDef,
];

const byLower = new Map<string, EntityDef>(DEFS.map((d) => [d.name.toLowerCase(), d]));

export function defFor(nameOrPath: string): EntityDef | undefined {
  return byLower.get(nameOrPath.toLowerCase());
}
