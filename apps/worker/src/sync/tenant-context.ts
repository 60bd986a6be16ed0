import { TenantSettings } from '@qbo-sync/contracts';
import { getConnection } from '@qbo-sync/db/repositories/connections';
import { listSettingMappings } from '@qbo-sync/db/repositories/mappings';
import { getTenant } from '@qbo-sync/db/repositories/tenants';
import type { RealmClient } from '@qbo-sync/qbo-client';
import { type DecideContext, MappingTable, type Ref } from '@qbo-sync/sync-core';
import type { SyncDeps } from './deps.js';
import { currentJobScope } from './job-scope.js';
import type { CompanyPrefs } from './preferences.js';

/** Everything one job knows about its tenant. */
export interface TenantContext {
  tenantId: string;
  settings: TenantSettings;
  connection: DecideContext['connection'];
  /** Items, tax codes, payment methods, accounts… (customer mappings: `customers`, read through). */
  mappings: MappingTable;
  /** Customer mappings seen by this process for this context version (billing id → QBO ref). */
  customers: CustomerRefs;
  /**
   * Customers this process searched QBO for and did not find (billing id → whether the plain name is taken),
   * kept until the create succeeds: a create deferred for budget does not search again (2 requests) when it
   * is retried. Safe because creates carry a requestid fixed per customer and name.
   */
  notFound: Map<string, { nameTaken: boolean }>;
  /**
   * tenants.mappings_version read with the job's event, before these mappings were (or were last) loaded:
   * written with a status, so a needs_mapping record resumes on any later mapping change. Undefined for
   * callers that do not read it.
   */
  mappingsVersion: number | undefined;
  /** The QBO client for the tenant's company (connects lazily: parked jobs never touch QBO). */
  realm(): Promise<RealmClient>;
  prefs(): Promise<CompanyPrefs>;
  decide(manual: boolean): DecideContext;
}

/**
 * How long a job that already made QBO calls waits for the company's budget before stepping aside. A deferral
 * mid-job throws away the reads it made (they are repeated on the next run), so a short wait is cheaper; a
 * long one (a QBO 429 cooldown of a minute) still defers, so a worker slot is never held for long.
 */
export const IN_JOB_BUDGET_WAIT_MS = 5_000;

/**
 * With release pacing a job is taken when its company's budget has room by schedule; the budget counts a
 * request from its answer, so the previous window's last requests may still hold it for a request's
 * length. The first call waits this long for them rather than deferring.
 */
export const PACED_FIRST_CALL_WAIT_MS = 1_000;

/** A bounded read-through cache of customer mappings (a miss reads PostgreSQL and fills it). */
export class CustomerRefs {
  private readonly refs = new Map<string, Ref>();
  constructor(private readonly max = 20_000) {}
  get(customerId: string): Ref | undefined {
    return this.refs.get(customerId);
  }
  set(customerId: string, ref: Ref): void {
    // Simple bound: a tenant with more customers than this starts over instead of growing without limit.
    if (this.refs.size >= this.max) this.refs.clear();
    this.refs.set(customerId, ref);
  }
}

export class UnknownTenantError extends Error {
  readonly code = 'UNKNOWN_TENANT';
  constructor(readonly tenantId: string) {
    super(`tenant "${tenantId}" does not exist`);
    this.name = 'UnknownTenantError';
  }
}

/** What a context reads from the database (the rest is per job). */
type ContextData = Omit<TenantContext, 'realm' | 'prefs' | 'mappingsVersion'>;

/** What is cached per tenant: the data of a context, valid while tenants.context_version stays put. */
interface CachedContext {
  version: number;
  data: Promise<ContextData>;
}

// One cache per worker app (keyed by its SyncDeps), so apps in one process (tests) never share entries.
const caches = new WeakMap<SyncDeps, Map<string, CachedContext>>();

/**
 * The tenant's context for a job. `versions` are tenants.context_version and mappings_version, read with
 * the job's event (one statement); a trigger bumps them whenever settings, the QBO connection or a mapping
 * change, in any process. So the settings, connection state and mappings are read only when they changed,
 * never stale past the job that reads the new version — and without a TTL, nothing to tune. Without
 * `versions` (callers that do not read them) the context is loaded afresh.
 */
export async function loadTenantContext(
  deps: SyncDeps,
  tenantId: string,
  versions?: { contextVersion: number; mappingsVersion: number },
): Promise<TenantContext> {
  const version = versions?.contextVersion;
  let cache = caches.get(deps);
  if (!cache) {
    cache = new Map();
    caches.set(deps, cache);
  }
  let hit = version === undefined ? undefined : cache.get(tenantId);
  if (!hit || hit.version !== version) {
    // Cached tokens belong to the old version too (a refresh elsewhere or a reconnect bumps it).
    deps.qbo.forgetTenant(tenantId);
    const data = readContext(deps, tenantId);
    hit = { version: version ?? -1, data };
    if (version !== undefined) {
      const entry = hit;
      cache.set(tenantId, entry);
      // A failed read is not cached: the next job reads again.
      data.catch(() => {
        if (cache.get(tenantId) === entry) cache.delete(tenantId);
      });
    }
  }
  const data = await hit.data;
  let realm: Promise<RealmClient> | undefined;
  const getRealm = () => {
    // Called inside the job's run: its abort signal (worker closing) stops every wait of its QBO calls.
    realm ??= deps.qbo.forTenant(tenantId, {
      signal: currentJobScope()?.signal,
      inJobBudgetWaitMs: IN_JOB_BUDGET_WAIT_MS,
      ...(deps.pacer ? { firstCallWaitMs: PACED_FIRST_CALL_WAIT_MS } : {}),
    });
    return realm;
  };
  return {
    ...data,
    mappingsVersion: versions?.mappingsVersion,
    realm: getRealm,
    prefs: () => deps.prefs.get(tenantId, getRealm),
  };
}

async function readContext(deps: SyncDeps, tenantId: string): Promise<ContextData> {
  const [tenant, connection, rows] = await Promise.all([
    getTenant(deps.db, tenantId),
    getConnection(deps.db, tenantId),
    listSettingMappings(deps.db, tenantId),
  ]);
  if (!tenant) throw new UnknownTenantError(tenantId);
  const settings = TenantSettings.parse(tenant.settings ?? {});
  const state: DecideContext['connection'] =
    connection?.status === 'active'
      ? 'active'
      : connection?.status === 'needs_reconnect'
        ? 'needs_reconnect'
        : 'missing';
  return {
    tenantId,
    settings,
    connection: state,
    mappings: new MappingTable(rows),
    customers: new CustomerRefs(),
    notFound: new Map(),
    decide: (manual) => ({ tenantId, settings, connection: state, manual }),
  };
}
