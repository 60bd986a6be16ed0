// Invoice: lines, totals, DocNumber rules, Balance from linked payments, void and delete.
import { z } from 'zod';
import { addDays } from '../clock.js';
import { fault } from '../faults.js';
import { type Dec, Money, parseDec } from '../money.js';
import {
  dateOf,
  keySet,
  maxLen,
  moneyOf,
  parseWith,
  passthrough,
  refTo,
  rejectUnknown,
  requireValue,
  resolveRef,
  today,
  zNum,
  zRef,
  zStr,
} from './common.js';
import { checkQtyPrice, lineTypeError } from './lines.js';
import { unlinkTarget } from './linking.js';
import type { Body, Doc, EntityDef, WriteCtx } from './types.js';

const lineSchema = z.looseObject({
  Description: zStr,
  Amount: zNum,
  DetailType: zStr,
  SalesItemLineDetail: z
    .looseObject({ ItemRef: zRef, Qty: zNum, UnitPrice: zNum, TaxCodeRef: zRef, ServiceDate: zStr })
    .nullish(),
  DescriptionLineDetail: z.looseObject({}).nullish(),
});
const schema = z.looseObject({
  CustomerRef: zRef,
  Line: z.array(lineSchema).nullish(),
  DocNumber: zStr,
  TxnDate: zStr,
  DueDate: zStr,
  PrivateNote: zStr,
  PrintStatus: zStr,
  EmailStatus: zStr,
});

const HANDLED = new Set([
  'CustomerRef',
  'Line',
  'DocNumber',
  'TxnDate',
  'DueDate',
  'PrivateNote',
  'TotalAmt',
  'Balance',
  'LinkedTxn',
  'TxnTaxDetail',
  'HomeBalance',
  'HomeTotalAmt',
  'PrintStatus',
  'EmailStatus',
]);
const ALLOWED = keySet(
  [...HANDLED],
  [
    'ShipDate',
    'Deposit',
    'DepositToAccountRef',
    'CustomerMemo',
    'BillEmail',
    'BillEmailCc',
    'BillEmailBcc',
    'BillAddr',
    'ShipAddr',
    'ShipFromAddr',
    'SalesTermRef',
    'ClassRef',
    'DepartmentRef',
    'CurrencyRef',
    'ExchangeRate',
    'ApplyTaxAfterDiscount',
    'AllowIPNPayment',
    'AllowOnlinePayment',
    'AllowOnlineCreditCardPayment',
    'AllowOnlineACHPayment',
    'CustomField',
    'TrackingNum',
    'ShipMethodRef',
    'GlobalTaxCalculation',
    'TransactionLocationType',
    'TxnSource',
    'DeliveryInfo',
    'InvoiceLink',
    'RecurDataRef',
    'TaxExemptionRef',
    'FreeFormAddress',
    'ProjectRef',
    'EInvoiceStatus',
  ],
);

type LineIn = z.infer<typeof lineSchema>;

function buildLine(ctx: WriteCtx, l: LineIn, n: number): { line: Body; cents: number; taxCode?: Doc } {
  const type = requireValue(l.DetailType, 'Line.DetailType');
  const base: Body = { ...passthrough(l, new Set(['Description', 'Amount', 'DetailType', 'Id', 'LineNum'])) };
  base['Id'] = String(n);
  base['LineNum'] = n;
  if (l.Description) {
    maxLen(l.Description, 4000, 'Line.Description');
    base['Description'] = l.Description;
  }
  if (type === 'DescriptionOnly') {
    if (l.Amount !== null && l.Amount !== undefined) base['Amount'] = moneyOf(l.Amount, 'Line.Amount');
    return { line: { ...base, DetailType: type, DescriptionLineDetail: l.DescriptionLineDetail ?? {} }, cents: 0 };
  }
  if (type !== 'SalesItemLineDetail') lineTypeError(type);
  const d = requireValue(l.SalesItemLineDetail, 'Line.SalesItemLineDetail');
  const amount = moneyOf(requireValue(l.Amount, 'Line.Amount'), 'Line.Amount');
  const item = resolveRef(ctx, 'Item', requireValue(d.ItemRef, 'Line.SalesItemLineDetail.ItemRef'), 'ItemRef');
  const detail: Body = {
    ...passthrough(d, new Set(['ItemRef', 'Qty', 'UnitPrice', 'TaxCodeRef'])),
    ItemRef: refTo(item),
  };
  Object.assign(detail, checkQtyPrice(d.Qty, d.UnitPrice, amount));
  const us = ctx.realm.country.code === 'US';
  let taxCode: Doc | undefined;
  if (d.TaxCodeRef) {
    const code = us
      ? ctx.realm.table('TaxCode').get(d.TaxCodeRef.value)
      : resolveRef(ctx, 'TaxCode', d.TaxCodeRef, 'TaxCodeRef');
    if (!code || code['Active'] === false) throw fault.invalidTaxCode(d.TaxCodeRef.value);
    detail['TaxCodeRef'] = { value: code.Id };
    taxCode = code;
  } else if (!us) {
    // Outside the US every sales line names its tax code (QBO's message; qbo-facts §12).
    throw fault.business(
      `Make sure all your transactions have a ${ctx.realm.country.taxLabel ?? 'tax'} rate before you save.`,
      'TaxCodeRef',
    );
  }
  const line = { ...base, Amount: amount, DetailType: type, SalesItemLineDetail: detail };
  return taxCode ? { line, cents: amount.cents, taxCode } : { line, cents: amount.cents };
}

/**
 * Non-US sales tax: for each TaxRate, the sum of the lines whose code applies it, times its rate, rounded
 * half up to the cent per rate (tax excluded from line amounts). One TaxLine per rate, as QBO returns them.
 */
function nonUsTax(ctx: WriteCtx, taxed: { cents: number; taxCode: Doc }[]): { total: number; lines: Body[] } {
  const byRate = new Map<string, { rate: Doc; base: number }>();
  for (const { cents, taxCode } of taxed) {
    const details = ((taxCode['SalesTaxRateList'] as Body | undefined)?.['TaxRateDetail'] ?? []) as Body[];
    for (const det of details) {
      const id = String((det['TaxRateRef'] as Body)['value']);
      const rate = ctx.realm.table('TaxRate').get(id);
      if (!rate) continue;
      const cur = byRate.get(id) ?? { rate, base: 0 };
      cur.base += cents;
      byRate.set(id, cur);
    }
  }
  let total = 0;
  const lines: Body[] = [];
  for (const [id, { rate, base }] of byRate) {
    // RateValue has at most 3 decimals (9.975): integer math on thousandths of a percent, half up.
    const milli = thousandths(parseDec(rate['RateValue']) ?? { units: 0n, scale: 0 });
    const tax = Number((BigInt(base) * milli + 50_000n) / 100_000n);
    total += tax;
    lines.push({
      Amount: new Money(tax),
      DetailType: 'TaxLineDetail',
      TaxLineDetail: {
        TaxRateRef: { value: id, name: rate['Name'] },
        PercentBased: true,
        TaxPercent: Number(rate['RateValue']),
        NetAmountTaxable: new Money(base),
      },
    });
  }
  return { total, lines };
}

function docNumber(ctx: WriteCtx, raw: string | null | undefined, prev: Doc | undefined): string | undefined {
  const table = ctx.realm.table('Invoice');
  let doc = raw?.trim() || undefined;
  const custom = ctx.realm.customTxnNumbers();
  if (!doc && !custom && typeof prev?.['DocNumber'] === 'string') doc = prev['DocNumber'];
  if (doc === 'AUTO_GENERATE' || (!doc && !custom)) {
    let n = ctx.realm.nextDocNumber;
    while (table.byKey(String(n)).length > 0) n++;
    return String(n);
  }
  if (doc === undefined) return undefined;
  maxLen(doc, 21, 'DocNumber');
  if (!ctx.include.has('allowduplicatedocnum')) {
    const clash = table.byKey(doc).find((d) => d.Id !== prev?.Id);
    if (clash) throw fault.duplicateDocNumber(doc, 'Invoice', clash.Id);
  }
  return doc;
}

function build(ctx: WriteCtx, input: Record<string, unknown>, prev: Doc | undefined): Body {
  rejectUnknown(input, ALLOWED, 'Invoice');
  if (prev && ctx.realm.voided.has(prev.Id)) throw fault.business('A voided transaction cannot be changed.');
  const p = parseWith(schema, input);
  const customer = resolveRef(ctx, 'Customer', p.CustomerRef, 'CustomerRef');
  const rawLines = (p.Line ?? []).filter((l) => l.DetailType !== 'SubTotalLineDetail');
  if (rawLines.length === 0) throw fault.required('Line');
  const lines: Body[] = [];
  let total = 0;
  const taxed: { cents: number; taxCode: Doc }[] = [];
  for (const l of rawLines) {
    const { line, cents, taxCode } = buildLine(ctx, l, lines.length + 1);
    lines.push(line);
    total += cents;
    if (taxCode) taxed.push({ cents, taxCode });
  }
  const subtotal = total;
  let txnTaxDetail: Body = { TotalTax: 0 };
  if (ctx.realm.country.code !== 'US') {
    const calc = input['GlobalTaxCalculation'] ?? 'TaxExcluded';
    if (calc === 'TaxInclusive') {
      throw fault.business(
        'qbo-sandbox models GlobalTaxCalculation TaxExcluded and NotApplicable only.',
        'GlobalTaxCalculation',
      );
    }
    if (calc !== 'TaxExcluded' && calc !== 'NotApplicable')
      throw fault.invalidEnum('GlobalTaxCalculation', String(calc));
    // QBO computes the tax from the lines' codes; a TxnTaxDetail sent in is recomputed.
    if (calc === 'TaxExcluded') {
      const tax = nonUsTax(ctx, taxed);
      total += tax.total;
      txnTaxDetail = { TotalTax: new Money(tax.total), TaxLine: tax.lines };
    }
  }
  if (total < 0) throw fault.business('Transaction amount must be 0 or greater.', 'TotalAmt');
  const applied = prev ? ctx.realm.links.applied(prev.Id) : 0;
  if (total < applied) {
    throw fault.business('The invoice total cannot be less than the payments applied to it.', 'TotalAmt');
  }
  maxLen(p.PrivateNote, 4000, 'PrivateNote');
  const txnDate = dateOf(p.TxnDate, 'TxnDate', today(ctx));
  const num = docNumber(ctx, p.DocNumber, prev);
  const body: Body = {
    ...passthrough(input, HANDLED),
    CustomerRef: refTo(customer),
    TxnDate: txnDate,
    DueDate: dateOf(p.DueDate, 'DueDate', addDays(txnDate, 30)),
    Line: [...lines, { Amount: new Money(subtotal), DetailType: 'SubTotalLineDetail', SubTotalLineDetail: {} }],
    TxnTaxDetail: txnTaxDetail,
    TotalAmt: new Money(total),
    Balance: new Money(total - applied),
    LinkedTxn: prev ? (prev['LinkedTxn'] ?? []) : [],
    PrintStatus: p.PrintStatus ?? 'NotSet',
    EmailStatus: p.EmailStatus ?? 'NotSet',
  };
  if (num !== undefined) body['DocNumber'] = num;
  if (p.PrivateNote) body['PrivateNote'] = p.PrivateNote;
  return body;
}

/** QBO keeps a voided invoice with zero amounts and notes it in PrivateNote. */
function voidBody(_ctx: WriteCtx, prev: Doc): Body {
  const zero = new Money(0);
  const lines = (prev['Line'] as Body[]).map((l) => {
    const out: Body = { ...l, Amount: zero };
    const d = l['SalesItemLineDetail'];
    if (d && typeof d === 'object') out['SalesItemLineDetail'] = { ...d, Qty: 0 };
    return out;
  });
  const note =
    typeof prev['PrivateNote'] === 'string' && prev['PrivateNote'] ? `Voided - ${prev['PrivateNote']}` : 'Voided';
  return {
    ...prev,
    Line: lines,
    TotalAmt: zero,
    Balance: zero,
    TxnTaxDetail: { TotalTax: zero },
    PrivateNote: note,
    LinkedTxn: [],
  };
}

export const invoiceDef: EntityDef = {
  name: 'Invoice',
  path: 'invoice',
  idFamily: 'txn',
  canCreate: true,
  canUpdate: true,
  canDelete: true,
  canVoid: true,
  hasActive: false,
  indexField: 'DocNumber',
  build,
  voidBody,
  afterWrite(ctx, prev, next) {
    const id = (next ?? prev)?.Id;
    if (!id) return;
    if (next?.['DocNumber'] && /^\d+$/.test(String(next['DocNumber']))) {
      ctx.realm.nextDocNumber = Math.max(ctx.realm.nextDocNumber, Number(next['DocNumber']) + 1);
    }
    // Payments on a voided or deleted invoice stay as unapplied credit.
    if (!next || ctx.realm.voided.has(id)) unlinkTarget(ctx, id);
  },
};

/** A non-negative rate in thousandths, exactly (half up past 3 decimals): no float on the way to cents. */
function thousandths(d: Dec): bigint {
  if (d.scale <= 3) return d.units * 10n ** BigInt(3 - d.scale);
  const div = 10n ** BigInt(d.scale - 3);
  return (d.units + div / 2n) / div;
}
