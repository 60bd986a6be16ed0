// Purchase (Expense / Check / Credit Card): payment-account rules and the A/R-line customer rule.
import { z } from 'zod';
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
import type { Body, Doc, EntityDef, EntityName, WriteCtx } from './types.js';

const lineSchema = z.looseObject({
  Description: zStr,
  Amount: zNum,
  DetailType: zStr,
  AccountBasedExpenseLineDetail: z.looseObject({ AccountRef: zRef, CustomerRef: zRef }).nullish(),
  ItemBasedExpenseLineDetail: z.looseObject({ ItemRef: zRef, Qty: zNum, UnitPrice: zNum, CustomerRef: zRef }).nullish(),
});
const schema = z.looseObject({
  PaymentType: zStr,
  AccountRef: zRef,
  EntityRef: zRef,
  Line: z.array(lineSchema).nullish(),
  TxnDate: zStr,
  DocNumber: zStr,
  PrivateNote: zStr,
});

const HANDLED = new Set([
  'PaymentType',
  'AccountRef',
  'EntityRef',
  'Line',
  'TxnDate',
  'DocNumber',
  'PrivateNote',
  'TotalAmt',
  'LinkedTxn',
  'Credit',
]);
const ALLOWED = keySet(
  [...HANDLED],
  [
    'RemitToAddr',
    'PrintStatus',
    'DepartmentRef',
    'CurrencyRef',
    'ExchangeRate',
    'GlobalTaxCalculation',
    'TxnTaxDetail',
    'TxnSource',
    'TransactionLocationType',
    'IncludeInAnnualTPAR',
    'PurchaseEx',
    'PaymentMethodRef',
    'ProjectRef',
    'RecurDataRef',
  ],
);

const PAYMENT_TYPES = ['Cash', 'Check', 'CreditCard'];
const ENTITY_TYPES: readonly EntityName[] = ['Customer', 'Vendor', 'Employee'];
const AR = 'Accounts Receivable';

function resolveEntity(ctx: WriteCtx, ref: NonNullable<z.infer<typeof zRef>>): { doc: Doc; type: EntityName } {
  const types = ref.type ? ENTITY_TYPES.filter((t) => t === ref.type) : ENTITY_TYPES;
  if (ref.type && types.length === 0) throw fault.invalidEnum('EntityRef.type', ref.type);
  for (const type of types) {
    if (ctx.realm.table(type).get(ref.value) || types.length === 1) {
      return { doc: resolveRef(ctx, type, ref, 'EntityRef'), type };
    }
  }
  throw fault.invalidRef('EntityRef', `Name with Id ${ref.value} does not exist.`);
}

type LineIn = z.infer<typeof lineSchema>;

function buildLine(ctx: WriteCtx, l: LineIn, n: number): { line: Body; cents: number; ar: boolean } {
  const type = requireValue(l.DetailType, 'Line.DetailType');
  const amount = moneyOf(requireValue(l.Amount, 'Line.Amount'), 'Line.Amount');
  maxLen(l.Description, 4000, 'Line.Description');
  const base: Body = {
    ...passthrough(l, new Set(['Amount', 'DetailType', 'Id', 'LineNum'])),
    Id: String(n),
    LineNum: n,
    Amount: amount,
    DetailType: type,
  };
  if (type === 'AccountBasedExpenseLineDetail') {
    const d = requireValue(l.AccountBasedExpenseLineDetail, 'Line.AccountBasedExpenseLineDetail');
    const account = resolveRef(ctx, 'Account', requireValue(d.AccountRef, 'Line.AccountRef'), 'AccountRef');
    const detail: Body = { ...passthrough(d, new Set(['AccountRef', 'CustomerRef'])), AccountRef: refTo(account) };
    if (d.CustomerRef) detail['CustomerRef'] = refTo(resolveRef(ctx, 'Customer', d.CustomerRef, 'CustomerRef'));
    return { line: { ...base, [type]: detail }, cents: amount.cents, ar: account['AccountType'] === AR };
  }
  if (type === 'ItemBasedExpenseLineDetail') {
    const d = requireValue(l.ItemBasedExpenseLineDetail, 'Line.ItemBasedExpenseLineDetail');
    const item = resolveRef(ctx, 'Item', requireValue(d.ItemRef, 'Line.ItemRef'), 'ItemRef');
    const detail: Body = {
      ...passthrough(d, new Set(['ItemRef', 'Qty', 'UnitPrice', 'CustomerRef'])),
      ItemRef: refTo(item),
      ...checkQtyPrice(d.Qty, d.UnitPrice, amount),
    };
    if (d.CustomerRef) detail['CustomerRef'] = refTo(resolveRef(ctx, 'Customer', d.CustomerRef, 'CustomerRef'));
    return { line: { ...base, [type]: detail }, cents: amount.cents, ar: false };
  }
  return lineTypeError(type);
}

function build(ctx: WriteCtx, input: Record<string, unknown>, prev: Doc | undefined): Body {
  rejectUnknown(input, ALLOWED, 'Purchase');
  const p = parseWith(schema, input);
  const paymentType = requireValue(p.PaymentType, 'PaymentType');
  if (!PAYMENT_TYPES.includes(paymentType)) throw fault.invalidEnum('PaymentType', paymentType);
  const account = resolveRef(ctx, 'Account', p.AccountRef, 'AccountRef');
  const accountType = account['AccountType'];
  if (accountType !== 'Bank' && accountType !== 'Credit Card') {
    throw fault.business('The payment account of an expense must be a Bank or Credit Card account.', 'AccountRef');
  }
  if (paymentType === 'Check' && accountType !== 'Bank') {
    throw fault.business('A check must be paid from a Bank account.', 'AccountRef');
  }
  if (paymentType === 'CreditCard' && accountType !== 'Credit Card') {
    throw fault.business('A credit card expense must use a Credit Card account.', 'AccountRef');
  }
  const entity = p.EntityRef ? resolveEntity(ctx, p.EntityRef) : undefined;
  const rawLines = p.Line ?? [];
  if (rawLines.length === 0) throw fault.required('Line');
  const lines: Body[] = [];
  let total = 0;
  let ar = 0;
  let hasAr = false;
  for (const l of rawLines) {
    const built = buildLine(ctx, l, lines.length + 1);
    lines.push(built.line);
    total += built.cents;
    if (built.ar) {
      ar += built.cents;
      hasAr = true;
    }
  }
  if (hasAr && entity?.type !== 'Customer') {
    throw fault.business(
      'When you use Accounts Receivable, you must choose a customer in the Name field.',
      'EntityRef',
    );
  }
  if (total < 0) throw fault.business('Transaction amount must be 0 or greater.', 'TotalAmt');
  const applied = prev ? ctx.realm.links.applied(prev.Id) : 0;
  if (ar < applied) {
    throw fault.business('The Accounts Receivable amount cannot be less than the payments linked to it.', 'Line');
  }
  maxLen(p.DocNumber, 21, 'DocNumber');
  maxLen(p.PrivateNote, 4000, 'PrivateNote');
  const body: Body = {
    ...passthrough(input, HANDLED),
    PaymentType: paymentType,
    AccountRef: refTo(account),
    TxnDate: dateOf(p.TxnDate, 'TxnDate', today(ctx)),
    Line: lines,
    TotalAmt: new Money(total),
    Credit: false,
    LinkedTxn: prev ? (prev['LinkedTxn'] ?? []) : [],
  };
  if (entity) body['EntityRef'] = refTo(entity.doc, entity.type);
  if (p.DocNumber) body['DocNumber'] = p.DocNumber;
  if (p.PrivateNote) body['PrivateNote'] = p.PrivateNote;
  return body;
}

/** Cents posted to A/R, kept per purchase so payments can link against it. */
function arCents(ctx: WriteCtx, doc: Doc): number {
  let cents = 0;
  for (const line of doc['Line'] as Body[]) {
    const d = line['AccountBasedExpenseLineDetail'] as { AccountRef: { value: string } } | undefined;
    const amount = line['Amount'];
    if (d && amount instanceof Money && ctx.realm.table('Account').get(d.AccountRef.value)?.['AccountType'] === AR) {
      cents += amount.cents;
    }
  }
  return cents;
}

export const purchaseDef: EntityDef = {
  name: 'Purchase',
  path: 'purchase',
  idFamily: 'txn',
  canCreate: true,
  canUpdate: true,
  canDelete: true,
  canVoid: false,
  hasActive: false,
  build,
  afterWrite(ctx, prev, next) {
    const id = (next ?? prev)?.Id;
    if (!id) return;
    if (next) ctx.realm.purchaseAr.set(id, arCents(ctx, next));
    else {
      unlinkTarget(ctx, id);
      ctx.realm.purchaseAr.delete(id);
    }
  },
};
