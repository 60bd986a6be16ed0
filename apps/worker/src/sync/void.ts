import { hasInboxEvent } from '@qbo-sync/db/repositories/inbox';
import type { SyncRecordRow } from '@qbo-sync/db/repositories/sync-records';
import { type RealmClient, StaleObjectError, type WriteOp } from '@qbo-sync/qbo-client';
import {
  decideVoid,
  isVoidedInQbo,
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
/** An invoice or payment as QBO returns it: its PrivateNote says whether it is voided. */
type QboTxn = Voided & { PrivateNote?: string | null | undefined };

/** How one QBO entity is read and voided; invoices and payments differ only here. */
export interface VoidOps {
  entity: 'invoice' | 'payment';
  read(realm: RealmClient, id: string): Promise<QboTxn>;
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
  const voided = await voidQboObject(
    deps,
    ctx,
    ops,
    record.externalId,
    decision.qboId,
    record.syncToken,
    undefined,
    voidReason,
  );
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

/** A stale SyncToken (5010) is re-read this many times before the job's own retry takes over. */
const STALE_RETRIES = 3;

/**
 * Voids one QBO object. The requestid is derived from the SyncToken sent (as for updates): a repeat of the same
 * void gets QBO's first answer, and a void re-sent after a stale SyncToken (5010: someone wrote the object
 * meanwhile) is a new request — QBO answers a repeated requestid with its first response, stale included.
 * `current`: the object as just read (a retry adopting what an earlier run posted): when it is voided
 * already (that run's void committed unheard), nothing is sent.
 */
export async function voidQboObject(
  deps: SyncDeps,
  ctx: TenantContext,
  ops: VoidOps,
  externalId: string,
  qboId: string,
  syncToken: string | null,
  current?: QboTxn,
  voidReason: PaymentVoidReason = 'voided',
): Promise<Voided> {
  const realm = await ctx.realm();
  let read = current;
  let token = syncToken;
  if (voidReason !== 'voided' && ops.setMemo) {
    // The reason goes into the memo first: QBO keeps a voided payment's memo, and refuses edits after the void.
    const setMemo = ops.setMemo;
    const now = read ?? (await ops.read(realm, qboId));
    read = now;
    token = now.SyncToken;
    const memo = isVoidedInQbo(now) ? undefined : memoWithVoidReason(now.PrivateNote ?? undefined, voidReason);
    if (memo !== undefined) {
      const noted = await withFreshToken(
        now.SyncToken,
        () => ops.read(realm, qboId),
        (t) =>
          setMemo(realm, { Id: qboId, SyncToken: t }, memo, {
            tenantId: ctx.tenantId,
            entity: ops.entity,
            externalId,
            version: `void-memo:${voidReason}`,
            operation: 'update',
          }),
      );
      read = noted;
      token = noted.SyncToken;
    }
  }
  for (let stale = 0; ; stale++) {
    if (read && isVoidedInQbo(read)) return read;
    if (token === null) {
      read = await ops.read(realm, qboId);
      if (isVoidedInQbo(read)) return read;
      token = read.SyncToken;
    }
    const op: WriteOp = {
      tenantId: ctx.tenantId,
      entity: ops.entity,
      externalId,
      version: `void:${token}`,
      operation: 'void',
    };
    try {
      const voided = await ops.void(realm, { Id: qboId, SyncToken: token }, op);
      deps.logger.debug(
        { tenantId: ctx.tenantId, entity: ops.entity, externalId, qboId: voided.Id },
        'voided in QuickBooks',
      );
      return voided;
    } catch (err) {
      if (!(err instanceof StaleObjectError) || stale >= STALE_RETRIES) throw err;
      read = undefined;
      token = null;
    }
  }
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
