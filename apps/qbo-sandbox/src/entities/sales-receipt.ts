// SalesReceipt: a sale paid on the spot (no A/R). Item lines; the gratuity line (ItemRef GRATUITY_ITEM_ID)
// only in a company whose tips preference is on (Intuit: "Tips/gratuity now available in QuickBooks Online
// API for sales receipts": Preferences OtherPrefs SalesFormsPrefs.AllowGratuity, then a SalesItemLine with
// ItemRef "GRATUITY_ITEM_ID"). Void zeroes it and keeps the memo, as for invoices and payments.
import { z } from 'zod';
import { fault } from '../faults.js';
import { Money } from '../money.js';
import {
  dateOf,
  keySet,
  maxLen,
  moneyOf,
  nameOf,
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
import type { Body, Doc, EntityDef, WriteCtx } from './types.js';

/** The pseudo-item QBO uses for a tip on a sales form. */
export const GRATUITY_ITEM_ID = 'GRATUITY_ITEM_ID';

const lineSchema = z.looseObject({
  Description: zStr,
  Amount: zNum,
  DetailType: zStr,
  SalesItemLineDetail: z.looseObject({ ItemRef: zRef, Qty: zNum, UnitPrice: zNum }).nullish(),
});
const schema = z.looseObject({
  CustomerRef: zRef,
  Line: z.array(lineSchema).nullish(),
  TxnDate: zStr,
  DocNumber: zStr,
  PrivateNote: zStr,
  PaymentMethodRef: zRef,
  PaymentRefNum: zStr,
  DepositToAccountRef: zRef,
});

const HANDLED = new Set([
  'CustomerRef',
  'Line',
  'TxnDate',
  'DocNumber',
  'PrivateNote',
  'PaymentMethodRef',
  'PaymentRefNum',
  'DepositToAccountRef',
  'TotalAmt',
  'Balance',
]);
const ALLOWED = keySet(
  [...HANDLED],
  ['CurrencyRef', 'ExchangeRate', 'CustomerMemo', 'BillEmail', 'BillAddr', 'ShipAddr', 'ClassRef', 'DepartmentRef'],
);

/** Preferences OtherPrefs NameValue `SalesFormsPrefs.AllowGratuity` = "true". */
export function gratuityAllowed(prefs: Record<string, unknown>): boolean {
  const other = prefs['OtherPrefs'] as { NameValue?: { Name: string; Value: string }[] } | undefined;
  return other?.NameValue?.some((nv) => nv.Name === 'SalesFormsPrefs.AllowGratuity' && nv.Value === 'true') ?? false;
}

type LineIn = z.infer<typeof lineSchema>;

function buildLine(ctx: WriteCtx, l: LineIn, n: number): { line: Body; cents: number } {
  const type = requireValue(l.DetailType, 'Line.DetailType');
  if (type !== 'SalesItemLineDetail') lineTypeError(type);
  const d = requireValue(l.SalesItemLineDetail, 'Line.SalesItemLineDetail');
  const amount = moneyOf(requireValue(l.Amount, 'Line.Amount'), 'Line.Amount');
  if (amount.cents < 0) throw fault.business('Line amounts must be 0 or greater.', 'Line.Amount');
  maxLen(l.Description, 4000, 'Line.Description');
  const itemRef = requireValue(d.ItemRef, 'Line.SalesItemLineDetail.ItemRef');
  let ref: Body;
  if (itemRef.value === GRATUITY_ITEM_ID) {
    if (!gratuityAllowed(ctx.realm.prefs)) {
      throw fault.business(
        'Tips are turned off for this company: turn on Account and settings > Sales > Tips (Preferences SalesFormsPrefs.AllowGratuity) to add a gratuity line.',
        'Line.SalesItemLineDetail.ItemRef',
      );
    }
    ref = { value: GRATUITY_ITEM_ID, name: 'Gratuity' };
  } else {
    ref = { ...refTo(resolveRef(ctx, 'Item', itemRef, 'ItemRef')) };
  }
  const detail: Body = {
    ...passthrough(d, new Set(['ItemRef', 'Qty', 'UnitPrice'])),
    ItemRef: ref,
    ...checkQtyPrice(d.Qty, d.UnitPrice, amount),
  };
  const line: Body = {
    ...passthrough(l, new Set(['Amount', 'DetailType', 'Id', 'LineNum', 'SalesItemLineDetail'])),
    Id: String(n),
    LineNum: n,
    Amount: amount,
    DetailType: type,
    SalesItemLineDetail: detail,
  };
  return { line, cents: amount.cents };
}

function build(ctx: WriteCtx, input: Record<string, unknown>, prev: Doc | undefined): Body {
  rejectUnknown(input, ALLOWED, 'SalesReceipt');
  if (prev && ctx.realm.voided.has(prev.Id)) throw fault.business('A voided transaction cannot be changed.');
  const p = parseWith(schema, input);
  const rawLines = p.Line ?? [];
  if (rawLines.length === 0) throw fault.required('Line');
  const lines: Body[] = [];
  let total = 0;
  for (const l of rawLines) {
    const built = buildLine(ctx, l, lines.length + 1);
    lines.push(built.line);
    total += built.cents;
  }
  maxLen(p.DocNumber, 21, 'DocNumber');
  maxLen(p.PrivateNote, 4000, 'PrivateNote');
  const body: Body = {
    ...passthrough(input, HANDLED),
    TxnDate: dateOf(p.TxnDate, 'TxnDate', today(ctx)),
    Line: [...lines, { Amount: new Money(total), DetailType: 'SubTotalLineDetail', SubTotalLineDetail: {} }],
    TotalAmt: new Money(total),
    Balance: new Money(0),
  };
  if (p.CustomerRef) body['CustomerRef'] = refTo(resolveRef(ctx, 'Customer', p.CustomerRef, 'CustomerRef'));
  const deposit = p.DepositToAccountRef
    ? resolveRef(ctx, 'Account', p.DepositToAccountRef, 'DepositToAccountRef')
    : ctx.realm.table('Account').byKey('Undeposited Funds')[0];
  if (deposit) {
    const t = deposit['AccountType'];
    if (t !== 'Bank' && t !== 'Other Current Asset') {
      throw fault.business('The deposit account must be a Bank or Other Current Asset account.', 'DepositToAccountRef');
    }
    body['DepositToAccountRef'] = { value: deposit.Id, name: nameOf(deposit) };
  }
  if (p.PaymentMethodRef) {
    body['PaymentMethodRef'] = refTo(resolveRef(ctx, 'PaymentMethod', p.PaymentMethodRef, 'PaymentMethodRef'));
  }
  if (p.PaymentRefNum) body['PaymentRefNum'] = p.PaymentRefNum;
  if (p.DocNumber) body['DocNumber'] = p.DocNumber;
  if (p.PrivateNote) body['PrivateNote'] = p.PrivateNote;
  return body;
}

function voidBody(_ctx: WriteCtx, prev: Doc): Body {
  const zero = new Money(0);
  const lines = (prev['Line'] as Body[]).map((l) => ({ ...l, Amount: zero }));
  const note =
    typeof prev['PrivateNote'] === 'string' && prev['PrivateNote'] ? `Voided - ${prev['PrivateNote']}` : 'Voided';
  return { ...prev, Line: lines, TotalAmt: zero, PrivateNote: note };
}

export const salesReceiptDef: EntityDef = {
  name: 'SalesReceipt',
  path: 'salesreceipt',
  idFamily: 'txn',
  canCreate: true,
  canUpdate: true,
  canDelete: true,
  canVoid: true,
  hasActive: false,
  build,
  voidBody,
};
