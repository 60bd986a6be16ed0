import { hasInboxEvent } from '@qbo-sync/db/repositories/inbox';
import type { SyncRecordRow } from '@qbo-sync/db/repositories/sync-records';
import type { RealmClient, WriteOp } from '@qbo-sync/qbo-client';
import {
  decideVoid,
  memoWithVoidReason,
  type PaymentVoidReason,
  paymentVoidedReason,
  REASON,
} from '@qbo-sync/sync-core';
import type { SyncDeps } from './deps.js';
import type { Outcome } from './outcome.js';
import { withFreshToken } from './sync-token.js';
import type { TenantContext } from './tenant-context.js';

type Voided = { Id: string; SyncToken: string; PrivateNote?: string | undefined };
type Ref = { Id: string; SyncToken: string };

/** How one QBO entity is read and voided; invoices and payments differ only here. */
export interface VoidOps {
  entity: 'invoice' | 'payment';
  read(realm: RealmClient, id: string): Promise<Voided>;
  void(realm: RealmClient, ref: Ref, op: WriteOp): Promise<Voided>;
  /** Rewrites the object's memo (PrivateNote) before the void, to keep why it was voided. */
  setMemo?(realm: RealmClient, ref: Ref, memo: string, op: WriteOp): Promise<Voided>;
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
  setMemo: (realm, ref, memo, op) =>
    realm.updatePayment({ Id: ref.Id, SyncToken: ref.SyncToken, sparse: true, PrivateNote: memo }, op),
};

/**
 * Handles a void event for a record: voids its QBO object; one not in QBO yet (the void overtook it) is
 * posted and voided by `postAndVoid` (the entity's own sync, told a void was requested), or waits for its
 * data, or — with `voidsBeforeSync: skip` — is only marked voided so it never syncs.
 */
export async function voidInQbo(
  deps: SyncDeps,
  ctx: TenantContext,
  record: SyncRecordRow,
  ops: VoidOps,
  postAndVoid?: (record: SyncRecordRow) => Promise<Outcome>,
  voidReason: PaymentVoidReason = 'voided',
): Promise<Outcome> {
  const decision = decideVoid({
    ctx: ctx.decide(record.manualSyncRequestedAt !== null),
    record,
    entity: ops.entity,
    hasSnapshot: record.snapshot !== null && postAndVoid !== undefined,
  });
  switch (decision.action) {
    case 'noop':
      return { kind: 'noop', reason: decision.reason };
    case 'park':
      return { kind: 'parked', status: decision.status, reasonCode: decision.reasonCode, reason: decision.reason };
    case 'mark_voided':
      return { kind: 'voided', reason: decision.reason };
    case 'post_and_void':
      if (!postAndVoid) throw new Error('unreachable: post_and_void needs the entity sync');
      return postAndVoid(record);
    case 'void':
      break;
  }
  const voided = await voidQboObject(deps, ctx, ops, record.externalId, decision.qboId, record.syncToken, voidReason);
  return {
    kind: 'voided',
    syncToken: voided.SyncToken,
    reason: paymentVoidedReason(voidReason),
    ...reasonDetails(voidReason),
  };
}

/** What the record keeps of a void's reason (a plain void keeps nothing extra). */
export function reasonDetails(reason: PaymentVoidReason): { details?: Record<string, unknown> } {
  return reason === 'voided' ? {} : { details: { voidReason: reason } };
}

/** Voids one QBO object (re-reading its SyncToken when stale); the requestid makes a repeat answer the same. */
export async function voidQboObject(
  deps: SyncDeps,
  ctx: TenantContext,
  ops: VoidOps,
  externalId: string,
  qboId: string,
  syncToken: string | null,
  voidReason: PaymentVoidReason = 'voided',
): Promise<Voided> {
  const realm = await ctx.realm();
  const op: WriteOp = {
    tenantId: ctx.tenantId,
    entity: ops.entity,
    externalId,
    version: 'void',
    operation: 'void',
  };
  let token = syncToken;
  if (voidReason !== 'voided' && ops.setMemo) {
    // The reason goes into the memo first: QBO keeps a voided payment's memo, and refuses edits after the void.
    const setMemo = ops.setMemo;
    const current = await ops.read(realm, qboId);
    const memo = memoWithVoidReason(current.PrivateNote, voidReason);
    token = current.SyncToken;
    if (memo !== undefined) {
      const noted = await withFreshToken(
        token,
        () => ops.read(realm, qboId),
        (t) =>
          setMemo(realm, { Id: qboId, SyncToken: t }, memo, {
            ...op,
            version: `void-memo:${voidReason}`,
            operation: 'update',
          }),
      );
      token = noted.SyncToken;
    }
  }
  const voided = await withFreshToken(
    token,
    () => ops.read(realm, qboId),
    (t) => ops.void(realm, { Id: qboId, SyncToken: t }, op),
  );
  deps.logger.debug(
    { tenantId: ctx.tenantId, entity: ops.entity, externalId, qboId: voided.Id },
    'voided in QuickBooks',
  );
  return voided;
}

/** The outcome of an entity posted only to be voided at once (the void overtook it). */
export function postedAndVoided(
  entity: string,
  posted: { qboId: string; url: string; docNumber: string | null; hash: string | null },
  voided: Voided,
  voidReason: PaymentVoidReason = 'voided',
): Outcome {
  const why =
    voidReason === 'echeck_rejected' ? ' The eCheck was rejected (reason echeck_rejected, also in its memo).' : '';
  return {
    kind: 'voided',
    syncToken: voided.SyncToken,
    reason: `Voided in the billing system before it reached QuickBooks: the ${entity} was posted and voided there, so its number stays accounted for.${why}`,
    posted,
    ...reasonDetails(voidReason),
  };
}

/**
 * Whether a void event for this entity was received while it is not in QBO yet (the void overtook it).
 * `inInbox`: the answer the job read with its event (loadJob), so the inbox is not asked again. A void
 * received after that read has its own job: run before this one took the lock, it left the record parked
 * VOID_BEFORE_ORIGINAL (read here); run after, it finds the entity in QBO and voids it.
 */
export async function voidEventReceived(
  deps: SyncDeps,
  ctx: TenantContext,
  record: SyncRecordRow,
  type: 'invoice.voided' | 'payment.voided',
  inInbox?: boolean,
): Promise<boolean> {
  if (record.qboId || record.status === 'voided') return false;
  if (inInbox === undefined) return hasInboxEvent(deps.db, ctx.tenantId, record.externalId, type);
  return inInbox || record.reasonCode === REASON.VOID_BEFORE_ORIGINAL;
}
