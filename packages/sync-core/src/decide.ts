import type { Invoice, Payment, Refund, SyncStatus, TenantSettings } from '@qbo-sync/contracts';
import { NO_TAX_CODE_KEY } from './company.js';
import type { InvoiceRefs, MissingKey, PaymentRefs, RefundRefs, Resolution } from './mapping.js';
import { describeMissing } from './mapping.js';
import { isMarkedAs } from './marker.js';
import type { QboInvoice } from './qbo-types.js';
import { checkInvoiceTotals } from './totals.js';

/** Everything a decision needs about the tenant. `manual`: a person asked for this sync (auto-sync off). */
export interface DecideContext {
  tenantId: string;
  settings: Pick<TenantSettings, 'autoSync' | 'autoSyncPayments'> &
    Partial<Pick<TenantSettings, 'voidsBeforeSync' | 'syncInvoicesWhen'>>;
  connection: 'active' | 'needs_reconnect' | 'missing';
  manual?: boolean;
}

/** What we already know about the entity's sync record. */
export interface RecordState {
  /** A SyncStatus; stored as text, so any string is accepted and unknown ones count as not synced. */
  status: SyncStatus | (string & {});
  qboId: string | null;
  syncedHash: string | null;
  reasonCode?: string | null;
}

/** A dependency's sync record (the invoice a payment needs, the payment a refund needs). */
export interface DependencyState {
  status: SyncStatus | (string & {});
  qboId: string | null;
}

export type ParkStatus = 'needs_mapping' | 'needs_sync' | 'needs_reconnect' | 'waiting' | 'conflict' | 'failed';

export type Park = {
  action: 'park';
  status: ParkStatus;
  reasonCode: string;
  reason: string;
  details?: Record<string, unknown>;
};
export type Skip = { action: 'skip'; status: 'skipped'; reasonCode: string; reason: string };
export type Noop = { action: 'noop'; reason: string };

/** Voided before it reached QBO with `voidsBeforeSync: skip` (or a voided draft): nothing goes to QBO. */
export type MarkVoided = { action: 'mark_voided'; reason: string; reasonCode?: string };
export type InvoiceDecision =
  | Skip
  | Park
  | Noop
  | MarkVoided
  | { action: 'create' | 'update'; refs: InvoiceRefs }
  /** Voided before it reached QBO: post it, then void it at once (the audit trail). */
  | { action: 'create'; refs: InvoiceRefs; voidAfter: true }
  | { action: 'void' };
export type PaymentDecision =
  | Park
  | Noop
  | MarkVoided
  | { action: 'create' | 'update'; refs: PaymentRefs; invoiceQboId?: string }
  /** Voided before it reached QBO: post it unapplied (a void zeroes it anyway), then void it. */
  | { action: 'create'; refs: PaymentRefs; voidAfter: true };
export type RefundDecision = Park | Noop | { action: 'create'; refs: RefundRefs; paymentQboId: string };
export type VoidDecision =
  | Park
  | Noop
  | MarkVoided
  | { action: 'void'; qboId: string }
  /** Not in QBO yet but its data is known: post it and void it (the entity's own sync does both). */
  | { action: 'post_and_void' };

/** Stable reason codes for the non-green statuses decided here. */
export const REASON = {
  DRAFT: 'DRAFT',
  UNPAID_INVOICE: 'UNPAID_INVOICE',
  VOID_BEFORE_SYNC: 'VOID_BEFORE_SYNC',
  VOID_BEFORE_ORIGINAL: 'VOID_BEFORE_ORIGINAL',
  /** Voided while its newest known state before the void was a draft: nothing posted (yet). */
  VOIDED_AS_DRAFT: 'VOIDED_AS_DRAFT',
  AUTO_SYNC_OFF: 'AUTO_SYNC_OFF',
  PAYMENT_AUTO_SYNC_OFF: 'PAYMENT_AUTO_SYNC_OFF',
  NOT_CONNECTED: 'NOT_CONNECTED',
  NEEDS_RECONNECT: 'NEEDS_RECONNECT',
  MISSING_MAPPING: 'MISSING_MAPPING',
  /** A mapping points at something QBO refuses now (made inactive or deleted in QuickBooks). */
  STALE_MAPPING: 'STALE_MAPPING',
  /** A line without a tax code in a Canadian or UK company (every line needs one there). */
  TAX_CODE_REQUIRED: 'TAX_CODE_REQUIRED',
  TOTALS_MISMATCH: 'TOTALS_MISMATCH',
  WAITING_FOR_INVOICE: 'WAITING_FOR_INVOICE',
  WAITING_FOR_PAYMENT: 'WAITING_FOR_PAYMENT',
  INVOICE_VOIDED: 'INVOICE_VOIDED',
  PAYMENT_VOIDED: 'PAYMENT_VOIDED',
  DOC_NUMBER_CONFLICT: 'DOC_NUMBER_CONFLICT',
} as const;

const park = (status: ParkStatus, reasonCode: string, reason: string, details?: Record<string, unknown>): Park =>
  details ? { action: 'park', status, reasonCode, reason, details } : { action: 'park', status, reasonCode, reason };

/** The gates every entity passes in the same order: auto-sync switch, connection, mappings. */
function gates(
  ctx: DecideContext,
  entity: string,
  missing: readonly MissingKey[] | undefined,
  paymentsOff = false,
): Park | undefined {
  if (!ctx.manual && !ctx.settings.autoSync) {
    return park(
      'needs_sync',
      REASON.AUTO_SYNC_OFF,
      `Automatic sync is off for this account. Sync this ${entity} from the sync window, or turn automatic sync on.`,
    );
  }
  if (!ctx.manual && paymentsOff) {
    return park(
      'needs_sync',
      REASON.PAYMENT_AUTO_SYNC_OFF,
      `Automatic payment sync is off for this account. Sync this ${entity} from the sync window, or turn automatic payment sync on.`,
    );
  }
  if (ctx.connection === 'missing') {
    return park(
      'needs_reconnect',
      REASON.NOT_CONNECTED,
      `QuickBooks is not connected for this account. Connect it under Settings → Connection; the ${entity} will sync by itself.`,
    );
  }
  if (ctx.connection === 'needs_reconnect') {
    return park(
      'needs_reconnect',
      REASON.NEEDS_RECONNECT,
      `The QuickBooks connection has expired or was revoked. Reconnect QuickBooks under Settings → Connection; the ${entity} will sync by itself.`,
    );
  }
  if (missing?.length) {
    // A CA/UK line without a tax code is the billing data's gap more than a mapping's: its own code says so.
    const noCode = missing.some((m) => m.kind === 'tax_code' && m.key === NO_TAX_CODE_KEY);
    const code = noCode ? REASON.TAX_CODE_REQUIRED : REASON.MISSING_MAPPING;
    return park('needs_mapping', code, describeMissing(missing, entity), { missing });
  }
  return undefined;
}

const missingOf = <T>(r: Resolution<T>) => (r.ok ? undefined : r.missing);

/** Invoice: drafts skip; voids void; then the gates; then totals to the cent; then create/update/no-op. */
export function decideInvoiceSync(input: {
  ctx: DecideContext;
  invoice: Invoice;
  record: RecordState | undefined;
  hash: string;
  mappings: Resolution<InvoiceRefs>;
  /** A void event for this invoice was received (it may have overtaken the invoice itself). */
  voidRequested?: boolean;
}): InvoiceDecision {
  const { ctx, invoice, record } = input;
  // Voided as a draft, and a state sent before the void arrived since: the void applies to that state.
  const sentBeforeVoid =
    record?.status === 'voided' &&
    !record.qboId &&
    record.reasonCode === REASON.VOIDED_AS_DRAFT &&
    invoice.status !== 'draft';
  if (record?.status === 'voided' && !sentBeforeVoid)
    return { action: 'noop', reason: 'the invoice is already voided in QuickBooks' };
  const voiding = sentBeforeVoid || invoice.status === 'void' || input.voidRequested === true;
  if (invoice.status === 'draft') {
    if (voiding)
      return {
        action: 'mark_voided',
        reasonCode: REASON.VOIDED_AS_DRAFT,
        reason: `Invoice ${invoice.number} was a draft when it was voided; a draft is never posted.`,
      };
    return {
      action: 'skip',
      status: 'skipped',
      reasonCode: REASON.DRAFT,
      reason: `Invoice ${invoice.number} is a draft; it syncs once it is sent.`,
    };
  }
  // "Sync invoices only once paid": an unpaid invoice not yet in QBO waits for the event that says it is paid.
  // One already in QBO (synced before the setting changed) keeps following its updates.
  if (ctx.settings.syncInvoicesWhen === 'paid' && invoice.status !== 'paid' && !record?.qboId) {
    if (voiding) {
      return {
        action: 'mark_voided',
        reason: `Invoice ${invoice.number} was voided unpaid; it is never posted (setting syncInvoicesWhen: paid).`,
      };
    }
    return {
      action: 'skip',
      status: 'skipped',
      reasonCode: REASON.UNPAID_INVOICE,
      reason: `Invoice ${invoice.number} is not paid yet; this tenant syncs invoices once paid (setting syncInvoicesWhen: paid). It syncs when an event says it is paid.`,
    };
  }
  if (voiding) {
    if (record?.qboId) return { action: 'void' };
    if (voidsBeforeSync(ctx) === 'skip') {
      return {
        action: 'mark_voided',
        reason: `Invoice ${invoice.number} was voided before it reached QuickBooks; it is not posted (setting voidsBeforeSync: skip).`,
      };
    }
  }
  const gate = gates(ctx, 'invoice', missingOf(input.mappings));
  if (gate) return gate;
  const totals = checkInvoiceTotals(invoice);
  if (!totals.ok) {
    const { message, ...details } = totals.mismatch;
    return park('failed', REASON.TOTALS_MISMATCH, message, details);
  }
  if (!input.mappings.ok) throw new Error('unreachable: gates handle unresolved mappings');
  if (record?.qboId && record.syncedHash === input.hash && record.status === 'synced') {
    return { action: 'noop', reason: 'QuickBooks already has this version of the invoice' };
  }
  // Voided before it reached QBO: posted and voided at once, so its number stays accounted for.
  if (voiding) return { action: 'create', refs: input.mappings.refs, voidAfter: true };
  return { action: record?.qboId ? 'update' : 'create', refs: input.mappings.refs };
}

const voidsBeforeSync = (ctx: DecideContext) => ctx.settings.voidsBeforeSync ?? 'post_and_void';

/** Payment: the gates (with the payments switch), then wait for its invoice, then create/update/no-op. */
export function decidePaymentSync(input: {
  ctx: DecideContext;
  payment: Payment;
  record: RecordState | undefined;
  hash: string;
  mappings: Resolution<PaymentRefs>;
  /** The invoice's sync record, when the payment names an invoice. */
  invoice?: DependencyState | undefined;
  /** A void event for this payment was received (it may have overtaken the payment itself). */
  voidRequested?: boolean;
}): PaymentDecision {
  const { ctx, payment, record } = input;
  if (record?.status === 'voided') return { action: 'noop', reason: 'the payment is already voided in QuickBooks' };
  if (input.voidRequested) {
    if (record?.qboId) return { action: 'noop', reason: 'the payment is being voided in QuickBooks' };
    if (voidsBeforeSync(ctx) === 'skip') {
      return {
        action: 'mark_voided',
        reason: `Payment ${payment.id} was voided before it reached QuickBooks; it is not posted (setting voidsBeforeSync: skip).`,
      };
    }
  }
  const gate = gates(ctx, 'payment', missingOf(input.mappings), !ctx.settings.autoSyncPayments);
  if (gate) return gate;
  if (!input.mappings.ok) throw new Error('unreachable: gates handle unresolved mappings');
  // Voided before it reached QBO: posted (unapplied: a void zeroes it anyway) and voided at once.
  if (input.voidRequested) return { action: 'create', refs: input.mappings.refs, voidAfter: true };
  let invoiceQboId: string | undefined;
  if (payment.invoiceId) {
    const inv = input.invoice;
    if (inv?.status === 'voided') {
      return park(
        'failed',
        REASON.INVOICE_VOIDED,
        `Invoice ${payment.invoiceId} is voided in QuickBooks, so the payment cannot be applied to it. Void or re-issue the payment in the billing system.`,
        { invoiceId: payment.invoiceId },
      );
    }
    if (!inv?.qboId || inv.status !== 'synced') {
      return park(
        'waiting',
        REASON.WAITING_FOR_INVOICE,
        `Waiting for invoice ${payment.invoiceId} to reach QuickBooks; the payment syncs right after it.`,
        { waitingFor: { entityType: 'invoice', externalId: payment.invoiceId } },
      );
    }
    invoiceQboId = inv.qboId;
  }
  if (record?.qboId && record.syncedHash === input.hash && record.status === 'synced') {
    return { action: 'noop', reason: 'QuickBooks already has this version of the payment' };
  }
  const action = record?.qboId ? 'update' : 'create';
  return invoiceQboId ? { action, refs: input.mappings.refs, invoiceQboId } : { action, refs: input.mappings.refs };
}

/** Refund: the gates, then wait for its payment, then create once (refunds are not edited). */
export function decideRefundSync(input: {
  ctx: DecideContext;
  refund: Refund;
  record: RecordState | undefined;
  mappings: Resolution<RefundRefs>;
  payment: DependencyState | undefined;
}): RefundDecision {
  const { ctx, refund, record } = input;
  if (record?.qboId && (record.status === 'synced' || record.status === 'voided')) {
    return { action: 'noop', reason: 'the refund is already in QuickBooks' };
  }
  const gate = gates(ctx, 'refund', missingOf(input.mappings));
  if (gate) return gate;
  if (!input.mappings.ok) throw new Error('unreachable: gates handle unresolved mappings');
  const pay = input.payment;
  if (pay?.status === 'voided') {
    return park(
      'failed',
      REASON.PAYMENT_VOIDED,
      `Payment ${refund.paymentId} is voided in QuickBooks, so there is nothing to refund against. Check the refund in the billing system.`,
      { paymentId: refund.paymentId },
    );
  }
  if (!pay?.qboId || pay.status !== 'synced') {
    return park(
      'waiting',
      REASON.WAITING_FOR_PAYMENT,
      `Waiting for payment ${refund.paymentId} to reach QuickBooks; the refund syncs right after it.`,
      { waitingFor: { entityType: 'payment', externalId: refund.paymentId } },
    );
  }
  return { action: 'create', refs: input.mappings.refs, paymentQboId: pay.qboId };
}

/**
 * Void of an invoice or payment. In QBO: void it. Not in QBO yet (the void overtook it): by default post it
 * and void it (its data known: the entity's own sync does both; not yet: wait for it), or with
 * `voidsBeforeSync: skip` just mark it voided so it never syncs.
 */
export function decideVoid(input: {
  ctx: DecideContext;
  record: RecordState | undefined;
  entity: string;
  /** The billing data of the entity was received (the original event arrived). */
  hasSnapshot?: boolean;
}): VoidDecision {
  const { ctx, record } = input;
  if (record?.status === 'voided') return { action: 'noop', reason: `the ${input.entity} is already voided` };
  if (!record?.qboId) {
    if (voidsBeforeSync(ctx) === 'skip') {
      return {
        action: 'mark_voided',
        reason: `Voided in the billing system before it reached QuickBooks; not posted (setting voidsBeforeSync: skip).`,
      };
    }
    if (!input.hasSnapshot) {
      return park(
        'waiting',
        REASON.VOID_BEFORE_ORIGINAL,
        `Voided before the ${input.entity} itself arrived. It is posted to QuickBooks and voided there as soon as the ${input.entity} event arrives.`,
      );
    }
    return gates(ctx, input.entity, undefined) ?? { action: 'post_and_void' };
  }
  const gate = gates(ctx, input.entity, undefined);
  if (gate) return gate;
  return { action: 'void', qboId: record.qboId };
}

export type CollisionDecision = { action: 'adopt'; invoice: QboInvoice } | Park;

/**
 * A DocNumber already in QBO (6140): adopt the QBO invoice when its PrivateNote carries our marker for
 * this invoice (a crash after QBO committed, or an earlier run); otherwise it belongs to someone else.
 */
export function decideDocNumberCollision(input: {
  tenantId: string;
  invoiceId: string;
  docNumber: string;
  existing: readonly QboInvoice[];
}): CollisionDecision {
  const expected = { tenantId: input.tenantId, entityType: 'invoice' as const, externalId: input.invoiceId };
  const ours = input.existing.find((i) => isMarkedAs(i.PrivateNote, expected));
  if (ours) return { action: 'adopt', invoice: ours };
  const other = input.existing[0];
  return park(
    'conflict',
    REASON.DOC_NUMBER_CONFLICT,
    `Invoice number ${input.docNumber} is already used by another QuickBooks invoice${other ? ` (QuickBooks id ${other.Id})` : ''} that was not created by this sync. Renumber one of them (or delete the other in QuickBooks), then replay the sync.`,
    { docNumber: input.docNumber, ...(other ? { qboId: other.Id } : {}) },
  );
}
