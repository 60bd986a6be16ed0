import type { Invoice } from '@qbo-sync/contracts';
import { NO_TAX_CODE_KEY, type TaxModel } from './company.js';
import { fitDocNumber } from './doc-number.js';
import type { InvoiceRefs } from './mapping.js';
import { markerFor, noteWithMarker } from './marker.js';
import { centsToQboAmount, decimalToQboNumber } from './money.js';
import type { QboInvoiceBody, QboSalesItemLine, Ref } from './qbo-types.js';
import { checkInvoiceTotals, type TotalsMismatch } from './totals.js';

export interface InvoicePayloadOptions {
  /** QBO `Preferences.SalesFormsPrefs.CustomTxnNumbers`; when false QBO numbers invoices itself. Default true. */
  customTxnNumbers?: boolean;
  /** Send CurrencyRef (only when the company has multicurrency on). */
  multiCurrency?: boolean;
  /** `per_line` (CA/UK): every line carries its TaxCodeRef and QBO computes the tax (no TxnTaxDetail). */
  taxModel?: TaxModel;
}

export type InvoicePayloadResult =
  | { ok: true; payload: QboInvoiceBody; docNumber: string | undefined; totalCents: bigint }
  | { ok: false; mismatch: TotalsMismatch };

/** The marker written into an invoice's PrivateNote: how an existing QBO invoice is recognised as ours. */
export function invoiceMarker(tenantId: string, invoiceId: string): string {
  return markerFor(tenantId, 'invoice', invoiceId);
}

/**
 * Builds the QBO Invoice body. Lines keep billing order; balance-forward lines are left out (QBO already
 * holds that balance on the earlier invoice). Refuses — as a TotalsMismatch — anything that would not
 * reproduce the billing total to the cent.
 */
export function buildInvoicePayload(input: {
  tenantId: string;
  invoice: Invoice;
  customerRef: Ref;
  refs: InvoiceRefs;
  options?: InvoicePayloadOptions;
}): InvoicePayloadResult {
  const { invoice, refs } = input;
  const totals = checkInvoiceTotals(invoice);
  if (!totals.ok) return totals;
  const perLine = input.options?.taxModel === 'per_line';
  const lines: QboSalesItemLine[] = [];
  for (const line of invoice.lines) {
    if (line.kind === 'balance_forward') continue;
    const itemRef = refs.items[line.itemId];
    // resolveInvoiceMappings guarantees every item; a gap here is a caller bug, not a silent drop.
    if (!itemRef) throw new Error(`no QBO item resolved for billing item ${line.itemId}`);
    const detail: QboSalesItemLine['SalesItemLineDetail'] = {
      ItemRef: itemRef,
      Qty: decimalToQboNumber(line.quantity),
      UnitPrice: decimalToQboNumber(line.unitPrice),
    };
    const taxKey = perLine ? (line.taxCode ?? NO_TAX_CODE_KEY) : line.taxCode;
    const taxRef = taxKey ? refs.taxCodes[taxKey] : undefined;
    if (taxKey && !taxRef) throw new Error(`no QBO tax code resolved for ${taxKey}`);
    if (taxRef) detail.TaxCodeRef = taxRef;
    const out: QboSalesItemLine = {
      DetailType: 'SalesItemLineDetail',
      Amount: centsToQboAmount(totals.lineCents[line.id] ?? 0n),
      SalesItemLineDetail: detail,
    };
    if (line.description) out.Description = line.description;
    lines.push(out);
  }
  if (!perLine && refs.taxItem && totals.taxCents !== 0n) {
    const tax = centsToQboAmount(totals.taxCents);
    lines.push({
      DetailType: 'SalesItemLineDetail',
      Amount: tax,
      Description: 'Sales tax',
      SalesItemLineDetail: { ItemRef: refs.taxItem, Qty: 1, UnitPrice: tax },
    });
  }
  const docNumber = input.options?.customTxnNumbers === false ? undefined : fitDocNumber(invoice.number);
  const payload: QboInvoiceBody = {
    CustomerRef: input.customerRef,
    TxnDate: invoice.issueDate,
    PrivateNote: noteWithMarker(invoiceMarker(input.tenantId, invoice.id), `Billing invoice ${invoice.number}`),
    Line: lines,
  };
  if (docNumber) payload.DocNumber = docNumber;
  if (invoice.dueDate) payload.DueDate = invoice.dueDate;
  if (input.options?.multiCurrency) payload.CurrencyRef = { value: invoice.currency };
  if (invoice.memo) payload.CustomerMemo = { value: invoice.memo };
  if (perLine) payload.GlobalTaxCalculation = 'TaxExcluded';
  else if (totals.taxCents !== 0n && !refs.taxItem) {
    payload.TxnTaxDetail = { TotalTax: centsToQboAmount(totals.taxCents) };
  }
  return { ok: true, payload, docNumber, totalCents: totals.totalCents };
}
