import { TenantSettings } from '@qbo-sync/contracts';
import { getConnection } from '@qbo-sync/db/repositories/connections';
import { listSettingMappings } from '@qbo-sync/db/repositories/mappings';
import { getTenant } from '@qbo-sync/db/repositories/tenants';
import type { RealmClient } from '@qbo-sync/qbo-client';
import { type DecideContext, MappingTable } from '@qbo-sync/sync-core';
import type { SyncDeps } from './deps.js';
import { currentJobScope } from './job-scope.js';
import type { CompanyPrefs } from './preferences.js';

/** Everything one job knows about its tenant, loaded once per job. */
export interface TenantContext {
  tenantId: string;
  settings: TenantSettings;
  connection: DecideContext['connection'];
  /** Items, tax codes, payment methods, accounts… (customer mappings are read one at a time). */
  mappings: MappingTable;
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

export class UnknownTenantError extends Error {
  readonly code = 'UNKNOWN_TENANT';
  constructor(readonly tenantId: string) {
    super(`tenant "${tenantId}" does not exist`);
    this.name = 'UnknownTenantError';
  }
}

export async function loadTenantContext(deps: SyncDeps, tenantId: string): Promise<TenantContext> {
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
  let realm: Promise<RealmClient> | undefined;
  const getRealm = () => {
    // Called inside the job's run: its abort signal (worker closing) stops every wait of its QBO calls.
    realm ??= deps.qbo.forTenant(tenantId, {
      signal: currentJobScope()?.signal,
      inJobBudgetWaitMs: IN_JOB_BUDGET_WAIT_MS,
    });
    return realm;
  };
  return {
    tenantId,
    settings,
    connection: state,
    mappings: new MappingTable(rows),
    realm: getRealm,
    prefs: () => deps.prefs.get(tenantId, getRealm),
    decide: (manual) => ({ tenantId, settings, connection: state, manual }),
  };
}
