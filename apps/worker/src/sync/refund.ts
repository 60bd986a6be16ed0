import { getRecord, markWriteStarted, type SyncRecordRow } from '@qbo-sync/db/repositories/sync-records';
import { type QboPurchase, q, type RealmClient } from '@qbo-sync/qbo-client';
import { buildRefundPurchasePayload, decideRefundSync, isMarkedAs, resolveRefundMappings } from '@qbo-sync/sync-core';
import { MissingSnapshotError } from '../errors/missing-snapshot-error.js';
import { resolveCustomerRef } from './customers.js';
import type { SyncDeps } from './deps.js';
import type { Outcome } from './outcome.js';
import { parseRefund, snapshotHash } from './snapshots.js';
import type { TenantContext } from './tenant-context.js';

/**
 * A refund becomes an expense (Purchase) from the refund bank account with one line against A/R for the
 * customer, once its payment is in QBO (it waits before that).
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
  return {
    kind: 'synced',
    qboId: saved.Id,
    syncToken: saved.SyncToken,
    docNumber: typeof saved['DocNumber'] === 'string' ? saved['DocNumber'] : null,
    url: realm.appLink('purchase', saved.Id),
    hash,
    details: { paymentQboId: decision.paymentQboId },
  };
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
