import type { Invoice, MappingKind, Payment, Refund } from '@qbo-sync/contracts';
import { NO_TAX_CODE_KEY, type TaxModel } from './company.js';
import { toCents } from './money.js';
import type { Ref } from './qbo-types.js';

export interface MappingRow {
  kind: MappingKind | string;
  externalKey: string;
  qboId: string;
  qboName?: string | null;
}

/** A mapping key that a sync needs and the tenant has not mapped; `label` is the billing-side name. */
export interface MissingKey {
  kind: MappingKind;
  key: string;
  label?: string;
  /**
   * Mapped, but QBO no longer accepts what it points at (made inactive, or gone): the mapping must change.
   * `qboId`/`qboName` name the QBO entity it points at now.
   */
  stale?: { qboId: string; qboName?: string; problem: 'inactive' | 'not_found' };
}

export type Resolution<T> = { ok: true; refs: T } | { ok: false; missing: MissingKey[] };

/** A tenant's mappings, looked up by kind and billing-side key. */
export class MappingTable {
  private readonly byKey = new Map<string, Ref>();
  constructor(rows: readonly MappingRow[]) {
    for (const r of rows) {
      this.byKey.set(
        `${r.kind}\u0000${r.externalKey}`,
        r.qboName ? { value: r.qboId, name: r.qboName } : { value: r.qboId },
      );
    }
  }
  get(kind: MappingKind, key: string): Ref | undefined {
    return this.byKey.get(`${kind}\u0000${key}`);
  }
}

// US companies address the two sales-tax pseudo codes by name; everything else needs a mapping.
const US_TAX_CODES = new Set(['TAX', 'NON']);

export interface InvoiceRefs {
  /** billing item id → QBO Item */
  items: Record<string, Ref>;
  /** billing tax code name → QBO TaxCode */
  taxCodes: Record<string, Ref>;
  /** With `createMissingItems`: items to create in QBO (then map) before posting. */
  itemsToCreate: { itemId: string; name: string }[];
  /** The item the invoice's tax is posted on, as its own line (when QBO is not computing sales tax). */
  taxItem?: Ref;
}

/**
 * Item mapping key for posting an invoice's tax as a line. A company that does not use QBO sales tax
 * ignores TxnTaxDetail (qbo-facts §12), so the only way to reproduce the billing total to the cent is
 * a "Sales tax" line on an item the tenant chooses.
 */
export const SALES_TAX_ITEM_KEY = 'sales_tax';

/**
 * Resolves every synced line of an invoice. Collects every missing key (never drops a line): one
 * unmapped item parks the whole invoice. Balance-forward lines are not sent, so need nothing.
 */
export function resolveInvoiceMappings(
  invoice: Invoice,
  table: MappingTable,
  options: {
    createMissingItems?: boolean;
    usingSalesTax?: boolean;
    /** `per_line` (CA/UK): every line needs a real QBO tax code and QBO computes the tax. Default `us`. */
    taxModel?: TaxModel;
    /** per_line: the company's tax codes, matched by name when the billing code is not mapped. */
    qboTaxCodes?: readonly { Id: string; Name: string; Active?: boolean }[];
  } = {},
): Resolution<InvoiceRefs> {
  const perLine = options.taxModel === 'per_line';
  // A billing tax rate named like the QBO code (case and spacing aside) needs no mapping; a mapping overrides.
  const byName = new Map<string, Ref>();
  for (const c of options.qboTaxCodes ?? []) {
    if (c.Active !== false) byName.set(normaliseCode(c.Name), { value: c.Id, name: c.Name });
  }
  const refs: InvoiceRefs = { items: {}, taxCodes: {}, itemsToCreate: [] };
  const missing: MissingKey[] = [];
  const seen = new Set<string>();
  const miss = (m: MissingKey) => {
    const k = `${m.kind}\u0000${m.key}`;
    if (!seen.has(k)) {
      seen.add(k);
      missing.push(m);
    }
  };
  for (const line of invoice.lines) {
    if (line.kind === 'balance_forward') continue;
    const item = table.get('item', line.itemId);
    if (item) refs.items[line.itemId] = item;
    else if (options.createMissingItems) {
      if (!refs.itemsToCreate.some((i) => i.itemId === line.itemId)) {
        refs.itemsToCreate.push({ itemId: line.itemId, name: line.description?.trim() || line.itemId });
      }
    } else
      miss(
        line.description
          ? { kind: 'item', key: line.itemId, label: line.description }
          : { kind: 'item', key: line.itemId },
      );
    if (perLine) {
      const key = line.taxCode ?? NO_TAX_CODE_KEY;
      const tax = table.get('tax_code', key) ?? (line.taxCode ? byName.get(normaliseCode(line.taxCode)) : undefined);
      if (tax) refs.taxCodes[key] = tax;
      else {
        const what = line.description ? `'${line.description}' (line ${line.id})` : `line ${line.id}`;
        miss(line.taxCode ? { kind: 'tax_code', key } : { kind: 'tax_code', key, label: what });
      }
    } else if (line.taxCode) {
      const tax =
        table.get('tax_code', line.taxCode) ?? (US_TAX_CODES.has(line.taxCode) ? { value: line.taxCode } : undefined);
      if (tax) refs.taxCodes[line.taxCode] = tax;
      else miss({ kind: 'tax_code', key: line.taxCode });
    }
  }
  // Outside the US QBO computes the tax from the lines' codes: no tax line, no sales-tax item.
  if (!perLine && toCents(invoice.totals.tax) !== 0n) {
    const taxItem = table.get('item', SALES_TAX_ITEM_KEY);
    if (taxItem) refs.taxItem = taxItem;
    else if (!options.usingSalesTax) miss({ kind: 'item', key: SALES_TAX_ITEM_KEY, label: 'Sales tax' });
  }
  return missing.length ? { ok: false, missing } : { ok: true, refs };
}

export interface PaymentRefs {
  paymentMethod: Ref;
  depositAccount: Ref;
  /** Where a payment's tip is recorded: QBO's gratuity (tips setting on) or the tenant's tips item. */
  tipItem?: Ref;
}

/**
 * Item mapping key for tips in a company whose QBO tips setting is off (or has none: Canada, UK): the
 * product a tip is recorded on, so its income lands where the books expect it.
 */
export const TIPS_ITEM_KEY = 'tips';

/** QBO's pseudo-item for a tip on a sales form, usable only with Preferences SalesFormsPrefs.AllowGratuity on. */
export const GRATUITY_ITEM_REF: Ref = { value: 'GRATUITY_ITEM_ID' };

/**
 * Payment method by the billing method key; deposit account by currency (sales ledger vs trust account); for
 * a payment with a tip, QBO's gratuity when the company's tips setting is on, else the `tips` item mapping.
 */
export function resolvePaymentMappings(
  payment: Payment,
  table: MappingTable,
  options: { allowGratuity?: boolean } = {},
): Resolution<PaymentRefs> {
  const paymentMethod = table.get('payment_method', payment.method);
  const depositAccount = table.get('deposit_account', payment.currency);
  const tipItem = payment.tip
    ? options.allowGratuity
      ? GRATUITY_ITEM_REF
      : table.get('item', TIPS_ITEM_KEY)
    : undefined;
  const missing: MissingKey[] = [];
  if (!paymentMethod) missing.push({ kind: 'payment_method', key: payment.method });
  if (!depositAccount) missing.push({ kind: 'deposit_account', key: payment.currency });
  if (payment.tip && !tipItem) missing.push({ kind: 'item', key: TIPS_ITEM_KEY, label: 'Tips' });
  return paymentMethod && depositAccount && missing.length === 0
    ? { ok: true, refs: { paymentMethod, depositAccount, ...(tipItem ? { tipItem } : {}) } }
    : { ok: false, missing };
}

export interface RefundRefs {
  accountsReceivable: Ref;
  refundBank: Ref;
}

/** A refund needs the A/R account (its line) and the bank account the money leaves from. */
export function resolveRefundMappings(_refund: Refund, table: MappingTable): Resolution<RefundRefs> {
  const accountsReceivable = table.get('account', 'accounts_receivable');
  const refundBank = table.get('account', 'refund_bank');
  const missing: MissingKey[] = [];
  if (!accountsReceivable) missing.push({ kind: 'account', key: 'accounts_receivable' });
  if (!refundBank) missing.push({ kind: 'account', key: 'refund_bank' });
  return accountsReceivable && refundBank
    ? { ok: true, refs: { accountsReceivable, refundBank } }
    : { ok: false, missing };
}

const ACCOUNT_LABELS: Record<string, string> = {
  accounts_receivable: 'the Accounts Receivable account used for refunds',
  refund_bank: 'the bank account refunds are paid from',
  income: 'the Income account new products are created with (setting createMissingItems)',
};

/** A QBO item as far as staleness goes (inactive items keep their id; QBO renames them "… (deleted)"). */
export interface QboItemState {
  Id: string;
  Name?: string;
  Active?: boolean;
}

/**
 * The billing items whose mapped QBO item QBO now refuses (made inactive or deleted in QuickBooks), as missing
 * keys naming both sides, so the invoice parks as needs_mapping and resumes once they are mapped again.
 * `qboItems`: the QBO items the refs point at, read with inactive ones included.
 */
export function staleItemMappings(
  invoice: Invoice,
  refs: Pick<InvoiceRefs, 'items' | 'taxItem'>,
  qboItems: readonly QboItemState[],
): MissingKey[] {
  const byId = new Map(qboItems.map((i) => [i.Id, i]));
  const out: MissingKey[] = [];
  const check = (key: string, ref: Ref, label: string | undefined) => {
    if (out.some((m) => m.key === key)) return;
    const item = byId.get(ref.value);
    if (item && item.Active !== false) return;
    const qboName = item?.Name ?? ref.name;
    out.push({
      kind: 'item',
      key,
      ...(label ? { label } : {}),
      stale: {
        qboId: ref.value,
        ...(qboName ? { qboName } : {}),
        problem: item ? 'inactive' : 'not_found',
      },
    });
  };
  for (const line of invoice.lines) {
    if (line.kind === 'balance_forward') continue;
    const ref = refs.items[line.itemId];
    if (ref) check(line.itemId, ref, line.description);
  }
  if (refs.taxItem) check(SALES_TAX_ITEM_KEY, refs.taxItem, 'Sales tax');
  return out;
}

/** Tax code names compared the way people type them: case, surrounding and repeated spaces aside. */
function normaliseCode(name: string): string {
  return name.trim().replace(/\s+/g, ' ').toLowerCase();
}

/** One sentence per missing key that a support person can act on. */
export function describeMissingKey(m: MissingKey, entity: string): string {
  const resume = `the ${entity} will sync by itself.`;
  if (m.stale) {
    const what = m.label ? `'${m.label}' (billing id ${m.key})` : `'${m.key}'`;
    const qbo = `QuickBooks product ${m.stale.qboName ? `'${m.stale.qboName}' (id ${m.stale.qboId})` : `id ${m.stale.qboId}`}`;
    const gone =
      m.stale.problem === 'inactive' ? 'which was made inactive in QuickBooks' : 'which no longer exists in QuickBooks';
    return `Item ${what} is mapped to ${qbo}, ${gone}. Map it to an active product under Mappings → Items (or reactivate the product in QuickBooks and replay the sync); ${resume}`;
  }
  switch (m.kind) {
    case 'item':
      if (m.key === TIPS_ITEM_KEY) {
        return `The ${entity} includes a tip, and QuickBooks' tips setting is off for this company (or it has none, as in Canada). Turn on tips in QuickBooks (Account and settings → Sales → Tips, US companies; then replay the ${entity}), or choose the QuickBooks product tips are recorded on under Mappings → Items (key 'tips'); ${resume}`;
      }
      if (m.key === SALES_TAX_ITEM_KEY) {
        return `The ${entity} has sales tax, and QuickBooks is not calculating sales tax for this company. Choose the QuickBooks product that tax lines are posted on under Mappings → Items (key 'sales_tax'); ${resume}`;
      }
      return `Item ${m.label ? `'${m.label}' (billing id ${m.key})` : `'${m.key}'`} is not mapped to a QuickBooks product. Map it under Mappings → Items; ${resume}`;
    case 'tax_code':
      if (m.key === NO_TAX_CODE_KEY) {
        return `Invoice ${m.label ?? 'line'} has no tax code, and QuickBooks companies in Canada and the United Kingdom need one on every line (QuickBooks refuses the invoice, or its tax reports come out wrong). Send the line's tax code from the billing system, or choose the QuickBooks tax code for lines without one under Mappings → Tax codes (key '${NO_TAX_CODE_KEY}'); ${resume}`;
      }
      return `Tax code '${m.key}' is not mapped to a QuickBooks tax code, and no QuickBooks tax code has that name. Map it under Mappings → Tax codes (or name the billing tax rate like the QuickBooks one); ${resume}`;
    case 'payment_method':
      return `Payment method '${m.key}' is not mapped to a QuickBooks payment method. Map it under Mappings → Payment methods; ${resume}`;
    case 'deposit_account':
      return `No QuickBooks deposit account is set for currency ${m.key}. Choose one under Mappings → Deposit accounts; ${resume}`;
    case 'account':
      return `No QuickBooks account is set for ${ACCOUNT_LABELS[m.key] ?? `'${m.key}'`}. Choose it under Mappings → Accounts (key '${m.key}'); ${resume}`;
    case 'customer':
      return `Customer '${m.key}' is not mapped to a QuickBooks customer. Map it under Mappings → Customers; ${resume}`;
  }
}

export function describeMissing(missing: readonly MissingKey[], entity: string): string {
  return missing.map((m) => describeMissingKey(m, entity)).join(' ');
}
