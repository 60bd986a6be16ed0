import type { Customer, ParentCustomer } from '@qbo-sync/contracts';
import { appendAttempt } from '@qbo-sync/db/repositories/attempts';
import { getMapping, insertMappingIfAbsent } from '@qbo-sync/db/repositories/mappings';
import { ensureRecord, type SyncRecordRow, setStatus } from '@qbo-sync/db/repositories/sync-records';
import { type CustomerFilter, DuplicateNameError, type QboCustomer, q, type RealmClient } from '@qbo-sync/qbo-client';
import {
  buildCustomerPayload,
  type CustomerQuery,
  chooseCustomer,
  customerChain,
  disambiguate,
  displayNameFor,
  inactiveNames,
  isMarkedAs,
  nameWhileActive,
  ownershipQueries,
  type Ref,
  strategyQueries,
} from '@qbo-sync/sync-core';
import { CustomerNameConflictError } from '../errors/customer-conflict-error.js';
import type { SyncDeps } from './deps.js';
import { announce } from './record-writer.js';
import type { TenantContext } from './tenant-context.js';

type BillingCustomer = Customer | ParentCustomer;

/** How long a job waits for another job creating the same customer (creation takes one or two calls). */
const CUSTOMER_LOCK_WAIT_MS = 15_000;

function filterOf(query: CustomerQuery, includeInactive: boolean): CustomerFilter {
  const f: CustomerFilter = includeInactive ? { includeInactive } : {};
  for (const c of query.where) {
    if (c.field === 'DisplayName') f.displayName = c.value;
    else if (c.field === 'PrimaryEmailAddr') f.email = c.value;
    else if (c.field === 'GivenName') f.givenName = c.value;
    else f.familyName = c.value;
  }
  return f;
}

const asCore = (c: QboCustomer) => c as QboCustomer & { DisplayName: string };

/**
 * The QBO customer a transaction is for, parents first (representatives bill to their parent, as the
 * parent itself or a sub-customer of it, per tenant setting).
 */
export async function resolveCustomerRef(deps: SyncDeps, ctx: TenantContext, customer: Customer): Promise<Ref> {
  const { chain } = customerChain(customer, ctx.settings.representatives);
  let ref: Ref | undefined;
  for (const link of chain) ref = await findOrCreateCustomer(deps, ctx, link.customer, ref);
  if (!ref) throw new Error('customer chain is never empty');
  return ref;
}

/**
 * Find-or-create that never makes two QBO customers for one billing customer: the stored mapping first;
 * then, under a per-customer lock, QBO searched for one we created earlier (our marker in Notes, under
 * either of our display names — this is what survives a crash after QBO committed) and by the tenant's
 * match strategy; only then a create with a requestid fixed per customer and name.
 */
export async function findOrCreateCustomer(
  deps: SyncDeps,
  ctx: TenantContext,
  customer: BillingCustomer,
  parentRef?: Ref,
): Promise<Ref> {
  // Mappings of customers change only by a person's remap, which bumps the tenant's context version (a
  // fresh cache); a new mapping is read through on a miss.
  const cached = ctx.customers.get(customer.id);
  if (cached) return cached;
  const known = await mappedCustomer(deps, ctx, customer.id);
  if (known) return known;
  const key = { tenantId: ctx.tenantId, entityType: 'customer', externalId: customer.id };
  const ref = await deps.locks.withLock(key, CUSTOMER_LOCK_WAIT_MS, async () => {
    const mapped = await mappedCustomer(deps, ctx, customer.id);
    if (mapped) return mapped;
    const realm = await ctx.realm();
    // Searched already in this process (and the create then deferred for budget or failed): go straight
    // to the create; its requestid is fixed per customer and name, so a create that committed unheard is
    // answered with that customer, never a second one.
    let found: { customer?: QboCustomer; nameTaken: boolean } | undefined = ctx.notFound.get(customer.id);
    if (!found) {
      found = await search(realm, ctx, customer);
      if (!found.customer) {
        if (ctx.notFound.size >= 10_000) ctx.notFound.clear();
        ctx.notFound.set(customer.id, { nameTaken: found.nameTaken });
      }
    }
    let qbo = found.customer ?? (await create(realm, ctx, customer, found.nameTaken, parentRef));
    let note: string | undefined;
    if (qbo.Active === false) {
      const before = qbo.DisplayName;
      qbo = await reactivate(realm, ctx, customer, qbo);
      note = `Matched QuickBooks customer '${before}' (id ${qbo.Id}), which was inactive, and made it active again as '${qbo.DisplayName}' (setting inactiveQboCustomers: reactivate; set it to create_new to create a new customer instead).`;
    }
    const ref = await remember(deps, ctx, customer, qbo, realm, note);
    ctx.notFound.delete(customer.id);
    return ref;
  });
  ctx.customers.set(customer.id, ref);
  return ref;
}

async function mappedCustomer(deps: SyncDeps, ctx: TenantContext, customerId: string): Promise<Ref | undefined> {
  const row = await getMapping(deps.db, ctx.tenantId, 'customer', customerId);
  if (!row) return undefined;
  const ref = row.qboName ? { value: row.qboId, name: row.qboName } : { value: row.qboId };
  ctx.customers.set(customerId, ref);
  return ref;
}

async function search(
  realm: RealmClient,
  ctx: TenantContext,
  customer: BillingCustomer,
): Promise<{ customer?: QboCustomer; nameTaken: boolean }> {
  const inactive = ctx.settings.inactiveQboCustomers;
  // Both of our possible names in one query (QBO has no OR, but IN works on DisplayName): one call, not two.
  // Reactivating, also the names QBO gives them once inactive ("… (deleted)").
  const names = ownershipQueries(customer).map((oq) => oq.where[0]?.value ?? '');
  const searched = inactive === 'reactivate' ? [...names, ...inactiveNames(names)] : names;
  const candidates: QboCustomer[] = await realm.query<QboCustomer>(
    q.select('Customer').where('DisplayName', 'IN', searched).where('Active', 'IN', [true, false]).maxResults(100),
  );
  const ours = chooseCustomer({
    tenantId: ctx.tenantId,
    strategy: ctx.settings.customerMatch,
    customer,
    candidates: candidates.map(asCore),
    inactive,
  });
  if (ours.kind === 'ours') return { customer: ours.customer as QboCustomer, nameTaken: false };
  for (const sq of strategyQueries(ctx.settings.customerMatch, customer)) {
    // A strategy query by one of our names (name_and_email, a company under first_last_name) returns a
    // subset of what the first query found: asking again would cost a request and change nothing.
    if (sq.where.every((c) => c.field === 'DisplayName' && names.includes(c.value))) continue;
    candidates.push(...(await realm.findCustomers(filterOf(sq, inactive === 'reactivate'))));
  }
  const choice = chooseCustomer({
    tenantId: ctx.tenantId,
    strategy: ctx.settings.customerMatch,
    customer,
    candidates: candidates.map(asCore),
    inactive,
  });
  return choice.kind === 'none'
    ? { nameTaken: choice.nameTaken }
    : { customer: choice.customer as QboCustomer, nameTaken: false };
}

async function create(
  realm: RealmClient,
  ctx: TenantContext,
  customer: BillingCustomer,
  nameTaken: boolean,
  parentRef?: Ref,
): Promise<QboCustomer> {
  const plain = displayNameFor(customer);
  const alt = disambiguate(plain, customer.id);
  const op = (version: string) =>
    ({ tenantId: ctx.tenantId, entity: 'customer', externalId: customer.id, version, operation: 'create' }) as const;
  const body = (displayName: string) =>
    buildCustomerPayload({ tenantId: ctx.tenantId, customer, displayName, ...(parentRef ? { parentRef } : {}) });
  // A customer we saw already holds the plain name: skip the create QBO would refuse (6240).
  if (!nameTaken) {
    try {
      return await realm.createCustomer(body(plain), op('plain'));
    } catch (err) {
      if (!(err instanceof DuplicateNameError)) throw err;
    }
  }
  // The plain name belongs to another customer, vendor or employee: use the stable disambiguated one.
  try {
    return await realm.createCustomer(body(alt), op('disambiguated'));
  } catch (err) {
    if (!(err instanceof DuplicateNameError)) throw err;
    const taken = await realm.findCustomers({ displayName: alt, includeInactive: true });
    const ours = taken.find((c) =>
      isMarkedAs(c.Notes, { tenantId: ctx.tenantId, entityType: 'customer', externalId: customer.id }),
    );
    if (ours) return ours;
    throw new CustomerNameConflictError(customer.id, plain);
  }
}

/**
 * Makes a matched inactive QBO customer active again under the name it had (QBO renamed it "… (deleted)");
 * if another customer took that name meanwhile, it keeps the name QBO gave it. The requestid is fixed per
 * QBO version, so a retry is answered with the first result.
 */
async function reactivate(
  realm: RealmClient,
  ctx: TenantContext,
  customer: BillingCustomer,
  qbo: QboCustomer,
): Promise<QboCustomer> {
  const op = (version: string) =>
    ({ tenantId: ctx.tenantId, entity: 'customer', externalId: customer.id, version, operation: 'update' }) as const;
  const base = { Id: qbo.Id, SyncToken: qbo.SyncToken, sparse: true, Active: true };
  const name = nameWhileActive(qbo);
  try {
    return await realm.updateCustomer({ ...base, DisplayName: name }, op(`reactivate:${qbo.SyncToken}`));
  } catch (err) {
    if (!(err instanceof DuplicateNameError)) throw err;
    return realm.updateCustomer(base, op(`reactivate-keep-name:${qbo.SyncToken}`));
  }
}

/**
 * Records the customer as synced, then stores the mapping (the first writer wins). The record comes first: a
 * crash between the two leaves no mapping, so the next job searches QBO again, finds this customer by our
 * marker and comes back here. The other order could leave a mapped customer without a sync record for ever
 * (found by the chaos test).
 */
async function remember(
  deps: SyncDeps,
  ctx: TenantContext,
  customer: BillingCustomer,
  qbo: QboCustomer,
  realm: RealmClient,
  /** What was done to the QBO customer besides finding it (a reactivation), for its attempt history. */
  note?: string,
): Promise<Ref> {
  const record = await markSynced(deps, ctx, customer.id, qbo.Id, qbo.SyncToken, realm);
  if (note) {
    const now = new Date(deps.now());
    await appendAttempt(deps.db, {
      syncRecordId: record.id,
      tenantId: ctx.tenantId,
      attempt: record.attempts + 1,
      outcome: 'reactivated',
      status: 'synced',
      message: note,
      startedAt: now,
      finishedAt: now,
    });
  }
  const row = await insertMappingIfAbsent(deps.db, {
    tenantId: ctx.tenantId,
    kind: 'customer',
    externalKey: customer.id,
    qboId: qbo.Id,
    qboName: qbo.DisplayName,
  });
  // Someone mapped this customer meanwhile (a person, through the admin API): their choice stands.
  if (row.qboId !== qbo.Id) await markSynced(deps, ctx, customer.id, row.qboId, null, realm);
  return row.qboName ? { value: row.qboId, name: row.qboName } : { value: row.qboId };
}

async function markSynced(
  deps: SyncDeps,
  ctx: TenantContext,
  externalId: string,
  qboId: string,
  syncToken: string | null,
  realm: RealmClient,
): Promise<SyncRecordRow> {
  const record = await ensureRecord(deps.db, { tenantId: ctx.tenantId, entityType: 'customer', externalId });
  if (record.status === 'synced' && record.qboId === qboId) return record;
  const { record: next, changed } = await setStatus(deps.db, record.id, {
    status: 'synced',
    reasonCode: null,
    reason: null,
    qboId,
    syncToken,
    qboUrl: realm.appLink('customer', qboId),
    syncedAt: new Date(deps.now()),
  });
  if (changed) await announce(deps, next, ctx.settings.callbackUrl);
  return next;
}
