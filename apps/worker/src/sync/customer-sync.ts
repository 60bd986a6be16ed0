import { getMapping } from '@qbo-sync/db/repositories/mappings';
import type { SyncRecordRow } from '@qbo-sync/db/repositories/sync-records';
import { DuplicateNameError, type QboCustomer, type RealmClient } from '@qbo-sync/qbo-client';
import { buildCustomerPayload, disambiguate, displayNameFor, REASON, sameName } from '@qbo-sync/sync-core';
import { MissingSnapshotError } from '../errors/missing-snapshot-error.js';
import { findOrCreateCustomer } from './customers.js';
import type { SyncDeps } from './deps.js';
import type { Outcome } from './outcome.js';
import { parseCustomer, snapshotHash } from './snapshots.js';
import { withFreshToken } from './sync-token.js';
import type { TenantContext } from './tenant-context.js';

/** `customer.updated`: update the mapped QBO customer, or find-or-create it when it has none yet. */
export async function syncCustomer(deps: SyncDeps, ctx: TenantContext, record: SyncRecordRow): Promise<Outcome> {
  if (!record.snapshot) throw new MissingSnapshotError('customer', record.externalId);
  const customer = parseCustomer(record.snapshot);
  const hash = snapshotHash(customer);
  if (record.status === 'synced' && record.syncedHash === hash) {
    return { kind: 'noop', reason: 'QuickBooks already has this version of the customer' };
  }
  const manual = record.manualSyncRequestedAt !== null;
  if (!manual && !ctx.settings.autoSync) {
    return {
      kind: 'parked',
      status: 'needs_sync',
      reasonCode: REASON.AUTO_SYNC_OFF,
      reason:
        'Automatic sync is off for this account. Sync this customer from the sync window, or turn automatic sync on.',
    };
  }
  if (ctx.connection !== 'active') {
    return {
      kind: 'parked',
      status: 'needs_reconnect',
      reasonCode: ctx.connection === 'missing' ? REASON.NOT_CONNECTED : REASON.NEEDS_RECONNECT,
      reason:
        'QuickBooks is not connected (or the connection expired). Reconnect QuickBooks under Settings → Connection; the customer will sync by itself.',
    };
  }
  const realm = await ctx.realm();
  const row = await getMapping(deps.db, ctx.tenantId, 'customer', customer.id);
  // Without a mapping, find-or-create may FIND the customer: one an invoice's find-or-create made from its
  // own, older copy of the customer (and a crash kept its mapping from being stored), or a match by the
  // tenant's strategy. Either way it is brought up to this event's data below, never taken as it is.
  const qboId = row?.qboId ?? (await findOrCreateCustomer(deps, ctx, customer)).value;
  const saved = await updateCustomer(
    realm,
    ctx,
    customer.id,
    qboId,
    (current) => {
      const plain = displayNameFor(customer);
      const alt = disambiguate(plain, customer.id);
      // Keep the name QBO has when it is still one of ours for this data (a disambiguated name stays).
      const keep = sameName(current.DisplayName, plain) || sameName(current.DisplayName, alt);
      return { plain: keep ? current.DisplayName : plain, alt };
    },
    (displayName) => buildCustomerPayload({ tenantId: ctx.tenantId, customer, displayName }),
    hash,
  );
  return {
    kind: 'synced',
    qboId: saved.Id,
    syncToken: saved.SyncToken,
    url: realm.appLink('customer', saved.Id),
    hash,
  };
}

async function updateCustomer(
  realm: RealmClient,
  ctx: TenantContext,
  externalId: string,
  qboId: string,
  names: (current: QboCustomer) => { plain: string; alt: string },
  body: (displayName: string) => ReturnType<typeof buildCustomerPayload>,
  hash: string,
): Promise<QboCustomer> {
  const current = await realm.getCustomer(qboId);
  const { plain, alt } = names(current);
  const write = (displayName: string) =>
    withFreshToken(
      current.SyncToken,
      () => realm.getCustomer(qboId),
      (token) =>
        realm.updateCustomer(
          { ...body(displayName), Id: qboId, SyncToken: token, sparse: true },
          {
            tenantId: ctx.tenantId,
            entity: 'customer',
            externalId,
            version: `${hash}:${displayName === plain ? 'plain' : 'alt'}:${token}`,
            operation: 'update',
          },
        ),
    );
  try {
    return await write(plain);
  } catch (err) {
    if (!(err instanceof DuplicateNameError) || plain === alt) throw err;
    return write(alt);
  }
}
