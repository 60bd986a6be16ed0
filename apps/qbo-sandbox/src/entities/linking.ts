// Keeps both sides of payment links consistent: Invoice Balance/LinkedTxn, Purchase LinkedTxn,
// Payment lines when a linked transaction disappears, and Customer Balance.
import { Money } from '../money.js';
import { moneyField } from './common.js';
import { touchDoc } from './crud.js';
import type { Application, TargetType } from './links.js';
import type { Doc, EntityName, WriteCtx } from './types.js';

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

/** What a transaction adds to its customer's Balance: open invoice, unlinked A/R expense, minus unapplied credit. */
function contribution(ctx: WriteCtx, entity: EntityName, doc: Doc): { customer: string; cents: number } | undefined {
  if (entity === 'Invoice' || entity === 'Payment') {
    const customer = (doc['CustomerRef'] as { value: string }).value;
    const cents = entity === 'Invoice' ? moneyField(doc, 'Balance') : -moneyField(doc, 'UnappliedAmt');
    return { customer, cents };
  }
  if (entity === 'Purchase') {
    const ref = doc['EntityRef'] as { value: string; type?: string } | undefined;
    return ref?.type === 'Customer' ? { customer: ref.value, cents: openAmount(ctx, doc, 'Expense') } : undefined;
  }
  return undefined;
}

/** Applies the change of one transaction's contribution to its customer's Balance: O(1) per write. */
export function syncBalance(ctx: WriteCtx, entity: EntityName, id: string, doc: Doc | undefined): void {
  const { contrib } = ctx.realm;
  const key = `${entity}:${id}`;
  const old = contrib.get(key);
  const next = doc ? contribution(ctx, entity, doc) : undefined;
  if (old?.customer === next?.customer && old?.cents === next?.cents) return;
  if (old) adjustBalance(ctx, old.customer, -old.cents);
  if (next) {
    contrib.set(key, next);
    adjustBalance(ctx, next.customer, next.cents);
  } else contrib.delete(key);
}

function adjustBalance(ctx: WriteCtx, customerId: string, delta: number): void {
  const table = ctx.realm.table('Customer');
  const customer = table.get(customerId);
  if (!customer || delta === 0) return;
  const balance = new Money(moneyField(customer, 'Balance') + delta);
  // Balance is derived: the sandbox does not bump the customer's SyncToken for it.
  table.put({ ...customer, Balance: balance, BalanceWithJobs: balance });
}
