import { getRecord, markWriteStarted, type SyncRecordRow } from '@qbo-sync/db/repositories/sync-records';
import type { QboPayment, RealmClient } from '@qbo-sync/qbo-client';
import {
  buildPaymentPayload,
  decidePaymentSync,
  isMarkedAs,
  qboAmountToCents,
  type Ref,
  resolvePaymentMappings,
} from '@qbo-sync/sync-core';
import { MissingSnapshotError } from '../errors/missing-snapshot-error.js';
import { resolveCustomerRef } from './customers.js';
import type { SyncDeps } from './deps.js';
import type { Outcome } from './outcome.js';
import { parsePayment, snapshotHash } from './snapshots.js';
import { withFreshToken } from './sync-token.js';
import type { TenantContext } from './tenant-context.js';

/** Decides and performs the sync of a payment record: linked to its invoice, or an unapplied deposit. */
export async function syncPayment(deps: SyncDeps, ctx: TenantContext, record: SyncRecordRow): Promise<Outcome> {
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
    case 'create':
    case 'update':
      break;
  }
  const realm = await ctx.realm();
  const prefs = await ctx.prefs();
  // QBO applies a payment only to an invoice of the same customer: take the customer from the invoice.
  let customerRef: Ref;
  let invoice: { qboId: string; balanceCents: bigint } | undefined;
  if (decision.invoiceQboId) {
    const qboInvoice = await realm.getInvoice(decision.invoiceQboId);
    customerRef = qboInvoice.CustomerRef;
    const linked = record.qboId ? await linkedAmountCents(realm, record.qboId, decision.invoiceQboId) : 0n;
    invoice = { qboId: decision.invoiceQboId, balanceCents: qboAmountToCents(qboInvoice.Balance ?? 0) + linked };
  } else {
    customerRef = await resolveCustomerRef(deps, ctx, payment.customer);
  }
  const body = buildPaymentPayload({
    tenantId: ctx.tenantId,
    payment,
    customerRef,
    refs: decision.refs,
    multiCurrency: prefs.multiCurrency,
    ...(invoice ? { invoice } : {}),
  });
  const op = (operation: 'create' | 'update', version: string) =>
    ({ tenantId: ctx.tenantId, entity: 'payment', externalId: payment.id, version, operation }) as const;

  let saved: QboPayment | undefined;
  let qboId = record.qboId;
  // An earlier create may have committed without us hearing back: look for our marker first.
  if (!qboId && record.writeStartedAt) qboId = (await findOurs(realm, ctx, payment.id, body))?.Id ?? null;
  if (qboId) {
    const id = qboId;
    saved = await withFreshToken(
      qboId === record.qboId ? record.syncToken : null,
      () => realm.getPayment(id),
      (token) =>
        realm.updatePayment({ ...body, Id: id, SyncToken: token, sparse: true }, op('update', `${hash}:${token}`)),
    );
  } else {
    await markWriteStarted(deps.db, record.id);
    saved = await realm.createPayment(body, op('create', hash));
  }
  const details = invoice ? { appliedTo: payment.invoiceId } : { unapplied: true };
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

/** What this payment already applies to that invoice (it counts as open balance when re-sending lines). */
async function linkedAmountCents(realm: RealmClient, paymentQboId: string, invoiceQboId: string): Promise<bigint> {
  const p = await realm.getPayment(paymentQboId);
  let cents = 0n;
  for (const line of p.Line ?? []) {
    if (line.LinkedTxn.some((t) => t.TxnType === 'Invoice' && t.TxnId === invoiceQboId))
      cents += qboAmountToCents(line.Amount);
  }
  return cents;
}

async function findOurs(
  realm: RealmClient,
  ctx: TenantContext,
  paymentId: string,
  body: { PaymentRefNum?: string; CustomerRef: { value: string } },
): Promise<QboPayment | undefined> {
  // By reference number when there is one (a few rows), else every payment of the customer.
  const rows = await realm.findPayments(
    body.PaymentRefNum ? { paymentRefNum: body.PaymentRefNum } : { customerId: body.CustomerRef.value },
  );
  return rows.find((p) =>
    isMarkedAs(p.PrivateNote, { tenantId: ctx.tenantId, entityType: 'payment', externalId: paymentId }),
  );
}
