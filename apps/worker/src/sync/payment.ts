import { appliedToInvoice, getRecord, type SyncRecordRow } from '@qbo-sync/db/repositories/sync-records';
import { type QboInvoice, type QboPayment, type RealmClient, ValidationError } from '@qbo-sync/qbo-client';
import {
  buildPaymentPayload,
  decidePaymentSync,
  fingerprintOf,
  fitPaymentRefNum,
  formatCents,
  isMarkedAs,
  knownOpenCents,
  linkedToInvoiceCents,
  planPaymentApplication,
  qboAmountToCents,
  type Ref,
  resolvePaymentMappings,
  toCents,
} from '@qbo-sync/sync-core';
import { recreateVersion } from '../drift/check.js';
import { MissingSnapshotError } from '../errors/missing-snapshot-error.js';
import { resolveCustomerRef } from './customers.js';
import type { SyncDeps } from './deps.js';
import type { Outcome } from './outcome.js';
import { parsePayment, snapshotHash } from './snapshots.js';
import { withFreshToken } from './sync-token.js';
import type { TenantContext } from './tenant-context.js';
import { PAYMENT_VOID, postedAndVoided, voidEventReceived, voidQboObject } from './void.js';
import { createBehindMark } from './write-started.js';

/**
 * Decides and performs the sync of a payment record: linked to its invoice, or an unapplied deposit.
 * `voidRequested`: the caller knows a void event was received (else the inbox is asked when the payment is
 * not in QBO yet); such a payment is posted unapplied and voided at once.
 */
export async function syncPayment(
  deps: SyncDeps,
  ctx: TenantContext,
  record: SyncRecordRow,
  opts: { voidRequested?: boolean; voidInInbox?: boolean } = {},
): Promise<Outcome> {
  if (!record.snapshot) throw new MissingSnapshotError('payment', record.externalId);
  const payment = parsePayment(record.snapshot);
  const hash = snapshotHash(payment);
  const invoiceRecord = payment.invoiceId
    ? await getRecord(deps.db, { tenantId: ctx.tenantId, entityType: 'invoice', externalId: payment.invoiceId })
    : undefined;
  const decision = decidePaymentSync({
    ctx: ctx.decide(record.manualSyncRequestedAt !== null),
    payment,
    record,
    hash,
    mappings: resolvePaymentMappings(payment, ctx.mappings),
    invoice: invoiceRecord,
    voidRequested:
      opts.voidRequested ?? (await voidEventReceived(deps, ctx, record, 'payment.voided', opts.voidInInbox)),
  });
  switch (decision.action) {
    case 'park': {
      const waiting =
        decision.status === 'waiting' && payment.invoiceId ? { waitingFor: `invoice:${payment.invoiceId}` } : {};
      return {
        kind: 'parked',
        status: decision.status,
        reasonCode: decision.reasonCode,
        reason: decision.reason,
        ...(decision.details ? { details: decision.details } : {}),
        ...waiting,
      };
    }
    case 'noop':
      return { kind: 'noop', reason: decision.reason };
    case 'mark_voided':
      return { kind: 'voided', reason: decision.reason };
    case 'create':
    case 'update':
      break;
  }
  const voidAfter = 'voidAfter' in decision;
  const invoiceQboId = 'invoiceQboId' in decision ? decision.invoiceQboId : undefined;
  const realm = await ctx.realm();
  const prefs = await ctx.prefs();
  const amountCents = toCents(payment.amount);
  const target =
    invoiceQboId && invoiceRecord && payment.invoiceId
      ? await invoiceTarget(deps, ctx, invoiceQboId, invoiceRecord, record.id)
      : undefined;
  // QBO applies a payment only to an invoice of the same customer: take the customer from the invoice.
  const customerRef: Ref = target
    ? ((target.customerId ? { value: target.customerId } : undefined) ?? (await target.read(realm)).CustomerRef)
    : await resolveCustomerRef(deps, ctx, payment.customer);
  const op = (operation: 'create' | 'update', version: string) =>
    ({ tenantId: ctx.tenantId, entity: 'payment', externalId: payment.id, version, operation }) as const;

  // The QBO payment this record already has, or one an earlier create committed without us hearing back
  // (found by our marker). Either way it may already apply part of the invoice: that part is ours to resend.
  let existing: { id: string; syncToken: string | null; current?: QboPayment } | undefined;
  if (record.qboId) existing = { id: record.qboId, syncToken: record.syncToken };
  else if (record.writeStartedAt) {
    const found = await findOurs(realm, ctx, payment.id, { customerRef, reference: payment.reference });
    if (found) existing = { id: found.Id, syncToken: found.SyncToken, current: found };
  }

  let balanceCents: bigint | undefined;
  for (let tries = 0; ; tries++) {
    let appliedCents: bigint | undefined;
    if (target) {
      let plan = planPaymentApplication({ amountCents, knownOpenCents: target.knownOpenCents, balanceCents });
      if ('readBalance' in plan) {
        balanceCents = await qboBalanceFor(realm, target, existing);
        plan = planPaymentApplication({ amountCents, balanceCents });
        if ('readBalance' in plan) throw new Error('unreachable: a known balance always plans');
      }
      appliedCents = plan.appliedCents;
    }
    const body = buildPaymentPayload({
      tenantId: ctx.tenantId,
      payment,
      customerRef,
      refs: decision.refs,
      multiCurrency: prefs.multiCurrency,
      ...(target && appliedCents !== undefined ? { invoice: { qboId: target.qboId, balanceCents: appliedCents } } : {}),
    });
    // A retry after re-reading the balance sends a different body: a different requestid.
    const version = balanceCents === undefined ? hash : `${hash}:open-${balanceCents}`;
    let saved: QboPayment;
    try {
      if (existing && voidAfter) {
        // Posted by an earlier run only to be voided (it may be voided already): void it as it is.
        saved = existing.current ?? (await realm.getPayment(existing.id));
      } else if (existing) {
        const id = existing.id;
        saved = await withFreshToken(
          existing.syncToken,
          () => realm.getPayment(id),
          (token) =>
            realm.updatePayment(
              { ...body, Id: id, SyncToken: token, sparse: true },
              op('update', `${version}:${token}`),
            ),
        );
      } else {
        saved = await createBehindMark(deps, record, () =>
          realm.createPayment(body, op('create', `${version}${recreateVersion(record)}`)),
        );
      }
    } catch (err) {
      // Our records said the amount fits the invoice's open balance, but QBO knows better (a payment
      // recorded in QBO by hand, say): read QBO's balance and apply what is really open.
      if (!(err instanceof ValidationError) || !target || balanceCents !== undefined || tries > 0) throw err;
      balanceCents = await qboBalanceFor(realm, target, existing);
      continue;
    }
    if (voidAfter) {
      const voided = await voidQboObject(deps, ctx, PAYMENT_VOID, payment.id, saved.Id, saved.SyncToken, saved);
      return postedAndVoided(
        'payment',
        { qboId: saved.Id, url: realm.appLink('payment', saved.Id), docNumber: saved.PaymentRefNum ?? null, hash },
        voided,
      );
    }
    // `qbo`: what QBO held after our write; drift is a later change to any of it by someone else.
    const details =
      target && appliedCents !== undefined
        ? {
            appliedTo: payment.invoiceId,
            appliedAmount: formatCents(appliedCents),
            qbo: fingerprintOf('payment', saved),
          }
        : { unapplied: true, qbo: fingerprintOf('payment', saved) };
    return {
      kind: 'synced',
      qboId: saved.Id,
      syncToken: saved.SyncToken,
      docNumber: saved.PaymentRefNum ?? null,
      url: realm.appLink('payment', saved.Id),
      hash,
      details,
    };
  }
}

/** The invoice a payment applies to, with what our records know of it (customer, open balance). */
interface InvoiceTarget {
  qboId: string;
  customerId: string | undefined;
  knownOpenCents: bigint | undefined;
  /** Reads the invoice from QBO once per run (customer and Balance). */
  read(realm: RealmClient): Promise<QboInvoice>;
}

async function invoiceTarget(
  deps: SyncDeps,
  ctx: TenantContext,
  qboId: string,
  invoiceRecord: SyncRecordRow,
  paymentRecordId: number,
): Promise<InvoiceTarget> {
  const known = invoiceDetails(invoiceRecord.details);
  const appliedByOthers =
    known.totalCents === undefined
      ? []
      : await appliedToInvoice(deps.db, ctx.tenantId, invoiceRecord.externalId, paymentRecordId);
  let read: Promise<QboInvoice> | undefined;
  return {
    qboId,
    customerId: known.customerId,
    knownOpenCents: knownOpenCents({ totalCents: known.totalCents, appliedByOthers }),
    read(realm) {
      read ??= realm.getInvoice(qboId);
      return read;
    },
  };
}

/** The invoice's total and QBO customer as its sync recorded them (`details`), when it did. */
export function invoiceDetails(details: unknown): { totalCents: bigint | undefined; customerId: string | undefined } {
  const d = (details ?? {}) as { total?: unknown; qboCustomerId?: unknown };
  return {
    totalCents: typeof d.total === 'string' ? toCents(d.total) : undefined,
    customerId: typeof d.qboCustomerId === 'string' ? d.qboCustomerId : undefined,
  };
}

/** QBO's open balance of the invoice plus what this payment already applies to it (ours to resend). */
async function qboBalanceFor(
  realm: RealmClient,
  target: InvoiceTarget,
  existing: { id: string; current?: QboPayment } | undefined,
): Promise<bigint> {
  const invoice = await target.read(realm);
  const current = existing ? (existing.current ?? (await realm.getPayment(existing.id))) : undefined;
  const linked = current ? linkedToInvoiceCents(current, target.qboId) : 0n;
  return qboAmountToCents(invoice.Balance ?? 0) + linked;
}

async function findOurs(
  realm: RealmClient,
  ctx: TenantContext,
  paymentId: string,
  by: { customerRef: Ref; reference: string | undefined },
): Promise<QboPayment | undefined> {
  // By reference number when there is one (a few rows), else every payment of the customer.
  const rows = await realm.findPayments(
    by.reference ? { paymentRefNum: fitPaymentRefNum(by.reference) } : { customerId: by.customerRef.value },
  );
  return rows.find((p) =>
    isMarkedAs(p.PrivateNote, { tenantId: ctx.tenantId, entityType: 'payment', externalId: paymentId }),
  );
}
