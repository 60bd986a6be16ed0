import { getRecord, markWriteStarted, type SyncRecordRow } from '@qbo-sync/db/repositories/sync-records';
import { type QboPurchase, q, type RealmClient, StaleObjectError } from '@qbo-sync/qbo-client';
import {
  buildRefundPurchasePayload,
  decideRefundSync,
  formatCents,
  isMarkedAs,
  planRefundLink,
  type Ref,
  resolveRefundMappings,
  toCents,
} from '@qbo-sync/sync-core';
import { MissingSnapshotError } from '../errors/missing-snapshot-error.js';
import { resolveCustomerRef } from './customers.js';
import type { SyncDeps } from './deps.js';
import type { Outcome } from './outcome.js';
import { parseRefund, snapshotHash } from './snapshots.js';
import type { TenantContext } from './tenant-context.js';

/**
 * A refund becomes an expense (Purchase) from the refund bank account with one line against A/R for the
 * customer, once its payment is in QBO (it waits before that); then the expense is linked to that payment
 * (`linkToPayment`), so QuickBooks shows the refund on the payment and A/R keeps no stray open item.
 */
export async function syncRefund(deps: SyncDeps, ctx: TenantContext, record: SyncRecordRow): Promise<Outcome> {
  if (!record.snapshot) throw new MissingSnapshotError('refund', record.externalId);
  const refund = parseRefund(record.snapshot);
  const payment = await getRecord(deps.db, {
    tenantId: ctx.tenantId,
    entityType: 'payment',
    externalId: refund.paymentId,
  });
  const decision = decideRefundSync({
    ctx: ctx.decide(record.manualSyncRequestedAt !== null),
    refund,
    record,
    mappings: resolveRefundMappings(refund, ctx.mappings),
    payment,
  });
  switch (decision.action) {
    case 'park': {
      const waiting = decision.status === 'waiting' ? { waitingFor: `payment:${refund.paymentId}` } : {};
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
      break;
  }
  const realm = await ctx.realm();
  const prefs = await ctx.prefs();
  const customerRef = await resolveCustomerRef(deps, ctx, refund.customer);
  const hash = snapshotHash(refund);
  // An earlier create may have committed without us hearing back: look for our marker first.
  const existing = record.writeStartedAt ? await findOurs(realm, ctx, refund.id, refund.issuedOn) : undefined;
  if (!existing) await markWriteStarted(deps.db, record.id);
  const saved =
    existing ??
    (await realm.createPurchase(
      buildRefundPurchasePayload({
        tenantId: ctx.tenantId,
        refund,
        customerRef,
        refs: decision.refs,
        multiCurrency: prefs.multiCurrency,
      }),
      { tenantId: ctx.tenantId, entity: 'refund', externalId: refund.id, version: hash, operation: 'create' },
    ));
  // A crash between the expense's create and this link is healed by the retry: it finds the expense by our
  // marker and links it then; a link QBO already shows is not made twice.
  const link = await linkToPayment(deps, ctx, realm, {
    refundId: refund.id,
    paymentId: refund.paymentId,
    paymentQboId: decision.paymentQboId,
    purchaseQboId: saved.Id,
    customerRef,
    refundCents: toCents(refund.amount),
  });
  return {
    kind: 'synced',
    qboId: saved.Id,
    syncToken: saved.SyncToken,
    docNumber: typeof saved['DocNumber'] === 'string' ? saved['DocNumber'] : null,
    url: realm.appLink('purchase', saved.Id),
    hash,
    details: { paymentQboId: decision.paymentQboId, ...link },
  };
}

/** How long the refund waits for its payment's entity lock before stepping aside (deferred, no attempt). */
const PAYMENT_LOCK_WAIT_MS = 2_000;
const STALE_RETRIES = 3;

/**
 * Adds the refund expense to its payment's lines (planRefundLink), under the payment's lock so a payment
 * or deposit sync does not rewrite the lines meanwhile; a stale SyncToken re-reads and re-plans.
 */
async function linkToPayment(
  deps: SyncDeps,
  ctx: TenantContext,
  realm: RealmClient,
  input: {
    refundId: string;
    paymentId: string;
    paymentQboId: string;
    purchaseQboId: string;
    customerRef: Ref;
    refundCents: bigint;
  },
): Promise<Record<string, unknown>> {
  const key = { tenantId: ctx.tenantId, entityType: 'payment', externalId: input.paymentId };
  return deps.locks.withLock(key, PAYMENT_LOCK_WAIT_MS, async () => {
    for (let tries = 0; ; tries++) {
      const payment = await realm.getPayment(input.paymentQboId);
      const plan = planRefundLink({
        payment,
        purchaseQboId: input.purchaseQboId,
        customerId: input.customerRef.value,
        refundCents: input.refundCents,
      });
      if (plan.action === 'linked') return { linkedToPayment: formatCents(plan.linkedCents) };
      if (plan.action === 'skip') {
        deps.logger.warn(
          { tenantId: ctx.tenantId, refundId: input.refundId, reason: plan.reason },
          'refund expense not linked to its payment',
        );
        return { linkSkipped: plan.reason };
      }
      try {
        await realm.updatePayment(plan.update, {
          tenantId: ctx.tenantId,
          entity: 'refund',
          externalId: input.refundId,
          version: `link:${input.purchaseQboId}:${payment.SyncToken}`,
          operation: 'update',
        });
      } catch (err) {
        if (err instanceof StaleObjectError && tries < STALE_RETRIES) continue;
        throw err;
      }
      return {
        linkedToPayment: formatCents(plan.linkedCents),
        ...(plan.reopenedCents > 0n ? { reopenedInvoiceBy: formatCents(plan.reopenedCents) } : {}),
      };
    }
  });
}

async function findOurs(
  realm: RealmClient,
  ctx: TenantContext,
  refundId: string,
  issuedOn: string,
): Promise<QboPurchase | undefined> {
  const rows = await realm.query<QboPurchase>(q.select('Purchase').where('TxnDate', '=', issuedOn).maxResults(1000));
  return rows.find((p) =>
    isMarkedAs(p.PrivateNote, { tenantId: ctx.tenantId, entityType: 'refund', externalId: refundId }),
  );
}
