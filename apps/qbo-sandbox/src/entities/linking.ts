// Keeps both sides of payment links consistent: Invoice Balance/LinkedTxn, Purchase LinkedTxn,
// Payment lines when a linked transaction disappears, and Customer Balance.
import { Money } from '../money.js';
import { moneyField } from './common.js';
import { touchDoc } from './crud.js';
import type { Application, TargetType } from './links.js';
import type { Doc, WriteCtx } from './types.js';

/** Applications encoded in a stored Payment's lines. */
export function applicationsOf(payment: Doc | undefined): Application[] {
  const lines = payment?.['Line'];
  if (!Array.isArray(lines)) return [];
  const out: Application[] = [];
  for (const line of lines as Record<string, unknown>[]) {
    const amount = line['Amount'];
    const link = (line['LinkedTxn'] as { TxnId: string; TxnType: TargetType }[] | undefined)?.[0];
    if (link && amount instanceof Money)
      out.push({ targetId: link.TxnId, targetType: link.TxnType, cents: amount.cents });
  }
  return out;
}

function linkedTxn(ctx: WriteCtx, targetId: string): { TxnId: string; TxnType: string }[] {
  return ctx.realm.links
    .paymentsFor(targetId)
    .sort((a, b) => Number(a) - Number(b))
    .map((id) => ({ TxnId: id, TxnType: 'Payment' }));
}

/** Open amount of a link target: invoice balance or the unlinked part of a purchase's A/R lines. */
export function openAmount(ctx: WriteCtx, target: Doc, type: TargetType): number {
  const gross = type === 'Invoice' ? moneyField(target, 'TotalAmt') : (ctx.realm.purchaseAr.get(target.Id) ?? 0);
  return gross - ctx.realm.links.applied(target.Id);
}

/** Recomputes the derived fields of an Invoice or Purchase after payments changed. */
export function refreshTarget(ctx: WriteCtx, targetId: string): void {
  const inv = ctx.realm.table('Invoice').get(targetId);
  if (inv) {
    const balance = ctx.realm.voided.has(inv.Id) ? 0 : openAmount(ctx, inv, 'Invoice');
    touchDoc(ctx, 'Invoice', inv, { Balance: new Money(balance), LinkedTxn: linkedTxn(ctx, targetId) });
    return;
  }
  const pur = ctx.realm.table('Purchase').get(targetId);
  if (pur) touchDoc(ctx, 'Purchase', pur, { LinkedTxn: linkedTxn(ctx, targetId) });
}

/** A linked Invoice/Purchase was voided or deleted: payments keep the money as unapplied credit. */
export function unlinkTarget(ctx: WriteCtx, targetId: string): void {
  for (const pid of ctx.realm.links.paymentsFor(targetId)) {
    const payment = ctx.realm.table('Payment').get(pid);
    if (!payment) continue;
    const lines = (payment['Line'] as Record<string, unknown>[]).filter(
      (l) => (l['LinkedTxn'] as { TxnId: string }[] | undefined)?.[0]?.TxnId !== targetId,
    );
    const apps = applicationsOf({ ...payment, Line: lines });
    ctx.realm.links.setPayment(pid, apps);
    const applied = apps.reduce((s, a) => s + a.cents, 0);
    touchDoc(ctx, 'Payment', payment, {
      Line: lines,
      UnappliedAmt: new Money(moneyField(payment, 'TotalAmt') - applied),
    });
  }
}

/** Customer Balance = open invoices + unlinked A/R expenses - unapplied payments. */
export function refreshCustomer(ctx: WriteCtx, customerId: string): void {
  const { realm } = ctx;
  const customer = realm.table('Customer').get(customerId);
  if (!customer) return;
  let balance = 0;
  for (const key of realm.customerTxns.get(customerId) ?? []) {
    const [entity, id] = key.split(':') as [string, string];
    if (entity === 'Invoice') balance += moneyField(realm.table('Invoice').get(id), 'Balance');
    else if (entity === 'Payment') balance -= moneyField(realm.table('Payment').get(id), 'UnappliedAmt');
    else if (entity === 'Purchase') {
      const pur = realm.table('Purchase').get(id);
      if (pur) balance += openAmount(ctx, pur, 'Expense');
    }
  }
  if (moneyField(customer, 'Balance') === balance) return;
  // QBO does not bump the customer's SyncToken for balance changes.
  realm.table('Customer').put({ ...customer, Balance: new Money(balance), BalanceWithJobs: new Money(balance) });
}
