// Payment: applies money to invoices (or A/R expenses), tracks UnappliedAmt; void and delete restore balances.
import { z } from 'zod';
import { fault } from '../faults.js';
import { formatCents, Money } from '../money.js';
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
import { applicationsOf, openAmount, refreshTarget } from './linking.js';
import type { Application, TargetType } from './links.js';
import type { Body, Doc, EntityDef, WriteCtx } from './types.js';

const linkSchema = z.looseObject({ TxnId: z.union([z.string(), z.number()]).transform(String), TxnType: zStr });
const lineSchema = z.looseObject({ Amount: zNum, LinkedTxn: z.array(linkSchema).nullish() });
const schema = z.looseObject({
  TotalAmt: zNum,
  CustomerRef: zRef,
  Line: z.array(lineSchema).nullish(),
  TxnDate: zStr,
  PaymentRefNum: zStr,
  PaymentMethodRef: zRef,
  DepositToAccountRef: zRef,
  PrivateNote: zStr,
});

const HANDLED = new Set([
  'TotalAmt',
  'CustomerRef',
  'Line',
  'TxnDate',
  'PaymentRefNum',
  'PaymentMethodRef',
  'DepositToAccountRef',
  'PrivateNote',
  'UnappliedAmt',
  'ProcessPayment',
  'LinkedTxn',
]);
const ALLOWED = keySet(
  [...HANDLED],
  [
    'ARAccountRef',
    'CurrencyRef',
    'ExchangeRate',
    'CreditCardPayment',
    'TxnStatus',
    'TxnSource',
    'TransactionLocationType',
    'ProjectRef',
  ],
);

const LINKABLE: Record<string, TargetType> = { Invoice: 'Invoice', Expense: 'Expense', Check: 'Check' };
const KNOWN_TXN_TYPES = new Set(['CreditMemo', 'JournalEntry', 'CreditCardCredit', 'Deposit', 'RefundReceipt']);

function resolveTarget(ctx: WriteCtx, txnId: string, type: TargetType): Doc {
  const table = ctx.realm.table(type === 'Invoice' ? 'Invoice' : 'Purchase');
  const doc = table.get(txnId);
  if (!doc) {
    if (table.deleted.has(txnId)) throw fault.deleted('Line.LinkedTxn');
    throw fault.invalidRef('Line.LinkedTxn', `${type} with Id ${txnId} does not exist.`);
  }
  if (type !== 'Invoice') {
    const expected = doc['PaymentType'] === 'Check' ? 'Check' : 'Expense';
    if (expected !== type) throw fault.invalidRef('Line.LinkedTxn', `Transaction ${txnId} is not a ${type}.`);
  }
  return doc;
}

function targetCustomer(doc: Doc, type: TargetType): string | undefined {
  const ref = (type === 'Invoice' ? doc['CustomerRef'] : doc['EntityRef']) as
    | { value: string; type?: string }
    | undefined;
  if (type !== 'Invoice' && ref?.type !== 'Customer') return undefined;
  return ref?.value;
}

function build(ctx: WriteCtx, input: Record<string, unknown>, prev: Doc | undefined): Body {
  rejectUnknown(input, ALLOWED, 'Payment');
  if (prev && ctx.realm.voided.has(prev.Id)) throw fault.business('A voided transaction cannot be changed.');
  const p = parseWith(schema, input);
  const total = moneyOf(requireValue(p.TotalAmt, 'TotalAmt'), 'TotalAmt');
  if (total.cents < 0) throw fault.business('Transaction amount must be 0 or greater.', 'TotalAmt');
  const customer = resolveRef(ctx, 'Customer', p.CustomerRef, 'CustomerRef');
  const lines: Body[] = [];
  const apps = new Map<string, Application>();
  let sum = 0;
  for (const l of p.Line ?? []) {
    const amount = moneyOf(requireValue(l.Amount, 'Line.Amount'), 'Line.Amount');
    if (amount.cents < 0) throw fault.business('Line amounts must be 0 or greater.', 'Line.Amount');
    const links = l.LinkedTxn ?? [];
    const link = links[0];
    if (!link) throw fault.required('Line.LinkedTxn');
    if (links.length > 1)
      throw fault.business('qbo-sandbox supports one LinkedTxn per payment line.', 'Line.LinkedTxn');
    const rawType = requireValue(link.TxnType, 'Line.LinkedTxn.TxnType');
    const type = LINKABLE[rawType];
    if (!type) {
      if (KNOWN_TXN_TYPES.has(rawType)) {
        throw fault.business(`qbo-sandbox does not support linking a ${rawType} to a payment.`, 'Line.LinkedTxn');
      }
      throw fault.invalidEnum('Line.LinkedTxn.TxnType', rawType);
    }
    const target = resolveTarget(ctx, link.TxnId, type);
    if (targetCustomer(target, type) !== customer.Id) {
      throw fault.business(`${type} ${target.Id} belongs to a different customer than this payment.`, 'Line.LinkedTxn');
    }
    const app = apps.get(target.Id) ?? { targetId: target.Id, targetType: type, cents: 0 };
    app.cents += amount.cents;
    apps.set(target.Id, app);
    sum += amount.cents;
    lines.push({
      ...passthrough(l, new Set(['Amount', 'LinkedTxn'])),
      Amount: amount,
      LinkedTxn: [{ TxnId: target.Id, TxnType: type }],
    });
  }
  if (sum > total.cents) {
    throw fault.business(
      `The payments you entered add up to more than the total payment amount (${formatCents(sum)} > ${formatCents(total.cents)}).`,
      'Line',
    );
  }
  for (const app of apps.values()) {
    const target = resolveTarget(ctx, app.targetId, app.targetType);
    const voided = ctx.realm.voided.has(target.Id);
    const open = voided
      ? 0
      : openAmount(ctx, target, app.targetType) + (prev ? ctx.realm.links.appliedBy(target.Id, prev.Id) : 0);
    if (app.cents > open) {
      throw fault.business(
        `The amount applied to ${app.targetType} ${app.targetId} (${formatCents(app.cents)}) is more than its open balance (${formatCents(open)}).`,
        'Line.Amount',
      );
    }
  }
  maxLen(p.PrivateNote, 4000, 'PrivateNote');
  const body: Body = {
    ...passthrough(input, HANDLED),
    CustomerRef: refTo(customer),
    TxnDate: dateOf(p.TxnDate, 'TxnDate', today(ctx)),
    TotalAmt: total,
    UnappliedAmt: new Money(total.cents - sum),
    Line: lines,
    ProcessPayment: false,
  };
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
  if (p.PrivateNote) body['PrivateNote'] = p.PrivateNote;
  return body;
}

/** A voided payment keeps its record with zero amounts and no applications. */
function voidBody(_ctx: WriteCtx, prev: Doc): Body {
  const note =
    typeof prev['PrivateNote'] === 'string' && prev['PrivateNote'] ? `Voided - ${prev['PrivateNote']}` : 'Voided';
  return { ...prev, TotalAmt: new Money(0), UnappliedAmt: new Money(0), Line: [], PrivateNote: note };
}

export const paymentDef: EntityDef = {
  name: 'Payment',
  path: 'payment',
  idFamily: 'txn',
  canCreate: true,
  canUpdate: true,
  canDelete: true,
  canVoid: true,
  hasActive: false,
  build,
  voidBody,
  afterWrite(ctx, prev, next) {
    const id = (next ?? prev)?.Id;
    if (!id) return;
    for (const target of ctx.realm.links.setPayment(id, applicationsOf(next))) refreshTarget(ctx, target);
  },
};
