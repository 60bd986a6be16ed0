import type { Invoice } from '@qbo-sync/contracts';
import type { SyncRecordRow } from '@qbo-sync/db/repositories/sync-records';
import {
  DuplicateDocNumberError,
  InvalidReferenceError,
  type QboInvoice,
  type QboItem,
  q,
  type RealmClient,
} from '@qbo-sync/qbo-client';
import {
  buildInvoicePayload,
  decideDocNumberCollision,
  decideInvoiceSync,
  describeMissing,
  fingerprintOf,
  formatCents,
  type InvoiceRefs,
  isMarkedAs,
  type QboInvoiceBody,
  qboAmountToCents,
  REASON,
  resolveInvoiceMappings,
  staleItemMappings,
} from '@qbo-sync/sync-core';
import { recreateVersion } from '../drift/check.js';
import { observe } from '../drift/observe.js';
import { MissingSnapshotError } from '../errors/missing-snapshot-error.js';
import { resolveCustomerRef } from './customers.js';
import type { SyncDeps } from './deps.js';
import { createMissingItems } from './items.js';
import type { Outcome } from './outcome.js';
import { parseInvoice, snapshotHash } from './snapshots.js';
import { withFreshToken } from './sync-token.js';
import type { TenantContext } from './tenant-context.js';
import { INVOICE_VOID, postedAndVoided, voidEventReceived, voidInQbo, voidQboObject } from './void.js';
import { createBehindMark } from './write-started.js';

/**
 * Decides and performs the sync of an invoice record's current snapshot. `voidRequested`: the caller knows
 * a void event was received (else the inbox is asked when the invoice is not in QBO yet).
 */
export async function syncInvoice(
  deps: SyncDeps,
  ctx: TenantContext,
  given: SyncRecordRow,
  opts: { voidRequested?: boolean; voidInInbox?: boolean } = {},
): Promise<Outcome> {
  if (!given.snapshot) throw new MissingSnapshotError('invoice', given.externalId);
  const record = await goneFromQbo(ctx, given);
  const invoice = parseInvoice(record.snapshot);
  const hash = snapshotHash(invoice);
  const createItems = ctx.settings.createMissingItems;
  let mappings = resolveInvoiceMappings(invoice, ctx.mappings, { createMissingItems: createItems });
  // Tax without a sales-tax item is fine only if QBO computes sales tax: ask QBO only in that case.
  if (!mappings.ok && ctx.connection === 'active' && mappings.missing.every((m) => m.key === 'sales_tax')) {
    const prefs = await ctx.prefs();
    mappings = resolveInvoiceMappings(invoice, ctx.mappings, {
      createMissingItems: createItems,
      usingSalesTax: prefs.usingSalesTax,
    });
  }
  const decision = decideInvoiceSync({
    ctx: ctx.decide(record.manualSyncRequestedAt !== null),
    invoice,
    record,
    hash,
    mappings,
    voidRequested:
      opts.voidRequested ?? (await voidEventReceived(deps, ctx, record, 'invoice.voided', opts.voidInInbox)),
  });
  switch (decision.action) {
    case 'skip':
      return { kind: 'parked', status: 'skipped', reasonCode: decision.reasonCode, reason: decision.reason };
    case 'park':
      return {
        kind: 'parked',
        status: decision.status,
        reasonCode: decision.reasonCode,
        reason: decision.reason,
        ...(decision.details ? { details: decision.details } : {}),
      };
    case 'noop':
      return { kind: 'noop', reason: decision.reason };
    case 'mark_voided':
      return {
        kind: 'voided',
        reason: decision.reason,
        ...(decision.reasonCode ? { reasonCode: decision.reasonCode } : {}),
      };
    case 'void':
      return voidInQbo(deps, ctx, record, INVOICE_VOID);
    case 'create':
    case 'update':
      break;
  }
  const realm = await ctx.realm();
  const refs = await createMissingItems(deps, ctx, decision.refs);
  const customerRef = await resolveCustomerRef(deps, ctx, invoice.customer);
  const prefs = await ctx.prefs();
  const built = buildInvoicePayload({
    tenantId: ctx.tenantId,
    invoice,
    customerRef,
    refs,
    options: { customTxnNumbers: prefs.customTxnNumbers, multiCurrency: prefs.multiCurrency },
  });
  if (!built.ok) {
    const { message, ...details } = built.mismatch;
    return { kind: 'parked', status: 'failed', reasonCode: 'TOTALS_MISMATCH', reason: message, details };
  }
  const voidAfter = 'voidAfter' in decision;
  // Posted only to be voided at once: an invoice adopted from an earlier run may already be voided (and a
  // voided one cannot change), so it is voided as it is, not brought up to date first.
  const adopt = (id: string, token: string | null) =>
    voidAfter ? realm.getInvoice(id) : updateInvoice(realm, ctx, invoice, id, token, built.payload, hash);
  const done = async (saved: QboInvoice): Promise<Outcome> => {
    if (!voidAfter) return syncedOutcome(realm, invoice, saved, built.totalCents, hash);
    const voided = await voidQboObject(deps, ctx, INVOICE_VOID, invoice.id, saved.Id, saved.SyncToken, saved);
    return postedAndVoided(
      'invoice',
      { qboId: saved.Id, url: realm.appLink('invoice', saved.Id), docNumber: saved.DocNumber ?? null, hash },
      voided,
    );
  };
  const post = async (): Promise<Outcome> => {
    let saved: QboInvoice;
    if (decision.action === 'update' && record.qboId) {
      saved = await updateInvoice(realm, ctx, invoice, record.qboId, record.syncToken, built.payload, hash);
    } else {
      // Without a DocNumber (QBO numbers invoices itself) nothing collides, so after a create that may have
      // committed unheard, look for our marker on the customer's invoices instead.
      const earlier =
        record.writeStartedAt && !built.docNumber
          ? await findOurInvoice(realm, ctx, invoice.id, customerRef.value)
          : undefined;
      if (earlier) return done(await adopt(earlier.Id, earlier.SyncToken));
      try {
        saved = await createBehindMark(deps, record, () =>
          realm.createInvoice(built.payload, {
            tenantId: ctx.tenantId,
            entity: 'invoice',
            externalId: invoice.id,
            version: `${hash}${recreateVersion(record)}`,
            operation: 'create',
          }),
        );
      } catch (err) {
        if (!(err instanceof DuplicateDocNumberError) || !built.docNumber) throw err;
        // The number exists in QBO: ours (an earlier run committed) → adopt and bring it up to date; else conflict.
        const existing = await realm.query<QboInvoice>(
          q.select('Invoice').where('DocNumber', '=', built.docNumber).maxResults(10),
        );
        const collision = decideDocNumberCollision({
          tenantId: ctx.tenantId,
          invoiceId: invoice.id,
          docNumber: built.docNumber,
          existing,
        });
        if (collision.action === 'park') {
          return {
            kind: 'parked',
            status: collision.status,
            reasonCode: collision.reasonCode,
            reason: collision.reason,
            ...(collision.details ? { details: collision.details } : {}),
          };
        }
        saved = await adopt(collision.invoice.Id, collision.invoice.SyncToken);
      }
    }
    return done(saved);
  };
  try {
    return await post();
  } catch (err) {
    // QBO refuses a reference without saying which (610 "made inactive", 2500): a mapped item made inactive
    // or deleted in QuickBooks parks the invoice as needs_mapping naming it, instead of failing it.
    if (err instanceof InvalidReferenceError) {
      const parked = await staleItemsPark(realm, invoice, refs);
      if (parked) return parked;
    }
    throw err;
  }
}

/** After QBO refused a reference: the mapped items it now refuses, as a needs_mapping park (else undefined). */
async function staleItemsPark(realm: RealmClient, invoice: Invoice, refs: InvoiceRefs): Promise<Outcome | undefined> {
  const ids = [...new Set([...Object.values(refs.items), ...(refs.taxItem ? [refs.taxItem] : [])].map((r) => r.value))];
  if (ids.length === 0) return undefined;
  const items = await realm.query<QboItem>(
    q.select('Item').where('Id', 'IN', ids).where('Active', 'IN', [true, false]).maxResults(1000),
  );
  const missing = staleItemMappings(invoice, refs, items);
  if (missing.length === 0) return undefined;
  return {
    kind: 'parked',
    status: 'needs_mapping',
    reasonCode: REASON.STALE_MAPPING,
    reason: describeMissing(missing, 'invoice'),
    details: { missing },
  };
}

/**
 * A person's replay of an invoice our record calls synced: QBO is asked whether it still has it, and one that
 * was deleted there is re-created (before, the unchanged record made the replay a no-op). Other runs trust
 * the record; webhooks and the CDC sweep notice deletions for them.
 */
async function goneFromQbo(ctx: TenantContext, record: SyncRecordRow): Promise<SyncRecordRow> {
  if (!record.manualSyncRequestedAt || record.status !== 'synced' || !record.qboId) return record;
  if (ctx.connection !== 'active') return record;
  const seen = await observe(ctx, 'invoice', record.qboId);
  if (!seen.deleted) return record;
  const drift = { kind: 'deleted', qboId: record.qboId, source: 'replay' };
  return {
    ...record,
    qboId: null,
    syncToken: null,
    syncedHash: null,
    details: { ...((record.details ?? {}) as Record<string, unknown>), drift },
  };
}

/** Checks QBO's total against ours to the cent and reports the synced invoice with its link. */
function syncedOutcome(
  realm: RealmClient,
  invoice: Invoice,
  saved: QboInvoice,
  expected: bigint,
  hash: string,
): Outcome {
  const total = qboAmountToCents(saved.TotalAmt ?? 0);
  // Payments apply to this invoice from what is recorded here, without reading it back (issue 9: one request).
  const details: Record<string, unknown> = {
    total: formatCents(total),
    qboCustomerId: saved.CustomerRef.value,
    // What QBO held after our write: drift is a later change to any of it by someone else.
    qbo: fingerprintOf('invoice', saved),
  };
  if (total !== expected) {
    return {
      kind: 'parked',
      status: 'failed',
      reasonCode: 'QBO_TOTAL_MISMATCH',
      reason: `QuickBooks computed a total of ${formatCents(total)} for invoice ${invoice.number}, but the billing total is ${formatCents(expected)} (difference ${formatCents(expected - total)}). Check the tax settings in QuickBooks and the sales-tax mapping, then replay the sync.`,
      details: { qboId: saved.Id, qboTotal: formatCents(total), expected: formatCents(expected) },
    };
  }
  return {
    kind: 'synced',
    qboId: saved.Id,
    syncToken: saved.SyncToken,
    docNumber: saved.DocNumber ?? null,
    url: realm.appLink('invoice', saved.Id),
    hash,
    details,
  };
}

async function findOurInvoice(
  realm: RealmClient,
  ctx: TenantContext,
  invoiceId: string,
  customerId: string,
): Promise<QboInvoice | undefined> {
  const rows = await realm.query<QboInvoice>(
    q.select('Invoice').where('CustomerRef', '=', customerId).maxResults(1000),
  );
  return rows.find((i) =>
    isMarkedAs(i.PrivateNote, { tenantId: ctx.tenantId, entityType: 'invoice', externalId: invoiceId }),
  );
}

function updateInvoice(
  realm: RealmClient,
  ctx: TenantContext,
  invoice: Invoice,
  qboId: string,
  syncToken: string | null,
  payload: QboInvoiceBody,
  hash: string,
): Promise<QboInvoice> {
  return withFreshToken(
    syncToken,
    () => realm.getInvoice(qboId),
    (token) =>
      realm.updateInvoice(
        { ...payload, Id: qboId, SyncToken: token, sparse: true },
        // The token is part of the version: after a 5010 re-read, the retry is a new request.
        {
          tenantId: ctx.tenantId,
          entity: 'invoice',
          externalId: invoice.id,
          version: `${hash}:${token}`,
          operation: 'update',
        },
      ),
  );
}
