import type { SyncRecordRow } from '@qbo-sync/db/repositories/sync-records';
import type { RealmClient, WriteOp } from '@qbo-sync/qbo-client';
import { decideVoid } from '@qbo-sync/sync-core';
import type { SyncDeps } from './deps.js';
import type { Outcome } from './outcome.js';
import { withFreshToken } from './sync-token.js';
import type { TenantContext } from './tenant-context.js';

type Voided = { Id: string; SyncToken: string };
type Ref = { Id: string; SyncToken: string };

/** How one QBO entity is read and voided; invoices and payments differ only here. */
export interface VoidOps {
  entity: 'invoice' | 'payment';
  read(realm: RealmClient, id: string): Promise<Voided>;
  void(realm: RealmClient, ref: Ref, op: WriteOp): Promise<Voided>;
}

export const INVOICE_VOID: VoidOps = {
  entity: 'invoice',
  read: (realm, id) => realm.getInvoice(id),
  void: (realm, ref, op) => realm.voidInvoice(ref, op),
};

/** Payments are voided the same way when a payment is voided or an eCheck is rejected. */
export const PAYMENT_VOID: VoidOps = {
  entity: 'payment',
  read: (realm, id) => realm.getPayment(id),
  void: (realm, ref, op) => realm.voidPayment(ref, op),
};

/** Voids the QBO object of a record (QBO keeps a voided transaction with zero amounts). */
export async function voidInQbo(
  deps: SyncDeps,
  ctx: TenantContext,
  record: SyncRecordRow,
  ops: VoidOps,
): Promise<Outcome> {
  const decision = decideVoid({
    ctx: ctx.decide(record.manualSyncRequestedAt !== null),
    record,
    entity: ops.entity,
  });
  switch (decision.action) {
    case 'noop':
      return { kind: 'noop', reason: decision.reason };
    case 'park':
      return { kind: 'parked', status: decision.status, reasonCode: decision.reasonCode, reason: decision.reason };
    case 'mark_voided':
      return {
        kind: 'voided',
        reason: 'Voided in the billing system before it reached QuickBooks; nothing to void there.',
      };
    case 'void':
      break;
  }
  const realm = await ctx.realm();
  const op: WriteOp = {
    tenantId: ctx.tenantId,
    entity: ops.entity,
    externalId: record.externalId,
    version: 'void',
    operation: 'void',
  };
  const voided = await withFreshToken(
    record.syncToken,
    () => ops.read(realm, decision.qboId),
    (token) => ops.void(realm, { Id: decision.qboId, SyncToken: token }, op),
  );
  deps.logger.debug(
    { tenantId: ctx.tenantId, entity: ops.entity, externalId: record.externalId, qboId: voided.Id },
    'voided in QuickBooks',
  );
  return { kind: 'voided', syncToken: voided.SyncToken, reason: 'Voided in QuickBooks.' };
}
