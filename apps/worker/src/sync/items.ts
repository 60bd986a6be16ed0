import { getMapping, insertMappingIfAbsent } from '@qbo-sync/db/repositories/mappings';
import { type QboAccount, type QboItem, q, type RealmClient } from '@qbo-sync/qbo-client';
import { cleanName, describeMissingKey, type InvoiceRefs, type MissingKey, type Ref } from '@qbo-sync/sync-core';
import type { SyncDeps } from './deps.js';
import type { TenantContext } from './tenant-context.js';

/** QBO Item names: at most 100 characters, no ':' (the sub-item separator). */
const ITEM_NAME_MAX = 100;

/**
 * No income account to create items against: the tenant maps one (kind `account`, key `income`, which the
 * admin API, CLI and console accept) or maps the items themselves.
 */
export class NoIncomeAccountError extends Error {
  readonly code = 'NO_INCOME_ACCOUNT';
  readonly missing: MissingKey = { kind: 'account', key: 'income' };
  constructor() {
    super(
      `Missing items cannot be created in QuickBooks: the company has no active Income account. ${describeMissingKey({ kind: 'account', key: 'income' }, 'invoice')} Or map the items under Mappings → Items.`,
    );
    this.name = 'NoIncomeAccountError';
  }
}

async function incomeAccount(realm: RealmClient, ctx: TenantContext): Promise<Ref> {
  const mapped = ctx.mappings.get('account', 'income');
  if (mapped) return mapped;
  const rows = await realm.query<QboAccount>(q.select('Account').where('AccountType', '=', 'Income').maxResults(100));
  const first = rows.filter((a) => a.Active !== false).sort((a, b) => Number(a.Id) - Number(b.Id))[0];
  if (!first) throw new NoIncomeAccountError();
  return { value: first.Id };
}

/**
 * Tenants with `createMissingItems` get unmapped billing items created in QBO (as Service items), or an
 * existing QBO item of the same name adopted, and mapped — instead of the invoice parking as needs_mapping.
 */
export async function createMissingItems(deps: SyncDeps, ctx: TenantContext, refs: InvoiceRefs): Promise<InvoiceRefs> {
  if (refs.itemsToCreate.length === 0) return refs;
  const realm = await ctx.realm();
  const items = { ...refs.items };
  for (const wanted of refs.itemsToCreate) {
    const key = { tenantId: ctx.tenantId, entityType: 'item', externalId: wanted.itemId };
    items[wanted.itemId] = await deps.locks.withLock(key, 15_000, async () => {
      const mapped = await getMapping(deps.db, ctx.tenantId, 'item', wanted.itemId);
      if (mapped) return { value: mapped.qboId };
      const name = cleanName(wanted.name, ITEM_NAME_MAX) || cleanName(wanted.itemId, ITEM_NAME_MAX);
      const existing = await realm.query<QboItem>(q.select('Item').where('Name', '=', name).maxResults(10));
      const item =
        existing[0] ??
        (await realm.createItem(
          { Name: name, Type: 'Service', IncomeAccountRef: await incomeAccount(realm, ctx) },
          { tenantId: ctx.tenantId, entity: 'item', externalId: wanted.itemId, version: 'create', operation: 'create' },
        ));
      const row = await insertMappingIfAbsent(deps.db, {
        tenantId: ctx.tenantId,
        kind: 'item',
        externalKey: wanted.itemId,
        qboId: item.Id,
        qboName: item.Name,
      });
      return { value: row.qboId };
    });
  }
  return { ...refs, items, itemsToCreate: [] };
}
