// Invoice: lines, totals, DocNumber rules, Balance from linked payments, void and delete.
import { z } from 'zod';
import { addDays } from '../clock.js';
import { fault } from '../faults.js';
import { Money } from '../money.js';
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

function buildLine(ctx: WriteCtx, l: LineIn, n: number): { line: Body; cents: number } {
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
  if (d.TaxCodeRef) {
    const code = ctx.realm.table('TaxCode').get(d.TaxCodeRef.value);
    if (!code || code['Active'] === false) throw fault.invalidTaxCode(d.TaxCodeRef.value);
    detail['TaxCodeRef'] = { value: code.Id };
  }
  return { line: { ...base, Amount: amount, DetailType: type, SalesItemLineDetail: detail }, cents: amount.cents };
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
  for (const l of rawLines) {
    const { line, cents } = buildLine(ctx, l, lines.length + 1);
    lines.push(line);
    total += cents;
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
    Line: [...lines, { Amount: new Money(total), DetailType: 'SubTotalLineDetail', SubTotalLineDetail: {} }],
    TxnTaxDetail: { TotalTax: 0 },
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
  return { ...prev, Line: lines, TotalAmt: zero, Balance: zero, PrivateNote: note, LinkedTxn: [] };
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
