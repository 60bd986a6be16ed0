// Database rows → the admin API's views (contracts/admin-api.ts): ISO dates, no hashes, tokens or snapshots.
import {
  type AttemptView,
  type ConnectionView,
  type MappingView,
  RetryState,
  type SyncEntityType,
  type SyncRecordView,
  type SyncStatus,
  TenantSettings,
  type TenantView,
} from '@qbo-sync/contracts';
import type { AttemptRow } from '@qbo-sync/db/repositories/attempts';
import type { ConnectionRow } from '@qbo-sync/db/repositories/connections';
import type { MappingRow } from '@qbo-sync/db/repositories/mappings';
import type { SyncRecordRow } from '@qbo-sync/db/repositories/sync-records';
import type { Tenant } from '@qbo-sync/db/repositories/tenants';

const iso = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);

/** Stored settings with defaults applied; a stored value that no longer parses shows the defaults. */
export function settingsOf(tenant: Tenant): TenantSettings {
  const parsed = TenantSettings.safeParse(tenant.settings ?? {});
  return parsed.success ? parsed.data : TenantSettings.parse({});
}

export function tenantView(tenant: Tenant): TenantView {
  return {
    id: tenant.id,
    name: tenant.name,
    apiKeyPrefix: tenant.apiKeyPrefix,
    settings: settingsOf(tenant),
    createdAt: tenant.createdAt.toISOString(),
    updatedAt: tenant.updatedAt.toISOString(),
  };
}

const CONNECTION_STATUSES = new Set<string>(['active', 'needs_reconnect', 'disconnected']);

/** A stored connection status in the API's vocabulary (anything unexpected counts as needing a reconnect). */
export function connectionStatusName(stored: string | undefined): ConnectionView['status'] {
  if (stored === undefined) return 'not_connected';
  return (CONNECTION_STATUSES.has(stored) ? stored : 'needs_reconnect') as ConnectionView['status'];
}

/** The tenant's QBO connection as support sees it (never the tokens). */
export function connectionView(row: ConnectionRow | undefined, tenantId: string): ConnectionView {
  if (!row) {
    return {
      status: 'not_connected',
      realmId: null,
      reason: `QuickBooks is not connected. Connect it: GET /admin/tenants/${tenantId}/connect (or the CLI's connect).`,
      accessTokenExpiresAt: null,
      refreshTokenExpiresAt: null,
      lastRefreshedAt: null,
    };
  }
  const status = connectionStatusName(row.status);
  return {
    status,
    realmId: row.realmId,
    reason: status === 'active' ? null : (row.statusReason ?? 'Reconnect QuickBooks for this tenant.'),
    accessTokenExpiresAt: status === 'active' ? iso(row.accessTokenExpiresAt) : null,
    refreshTokenExpiresAt: status === 'active' ? iso(row.refreshTokenExpiresAt) : null,
    lastRefreshedAt: iso(row.lastRefreshedAt),
  };
}

export function mappingView(row: MappingRow): MappingView {
  return {
    kind: row.kind as MappingView['kind'],
    key: row.externalKey,
    qboId: row.qboId,
    qboName: row.qboName,
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** The stored retry state, or null (also when it does not parse: the list must still render). */
function retryOf(stored: unknown): RetryState | null {
  if (stored == null) return null;
  const parsed = RetryState.safeParse(stored);
  return parsed.success ? parsed.data : null;
}

export function recordView(row: SyncRecordRow): SyncRecordView {
  return {
    tenantId: row.tenantId,
    entityType: row.entityType as SyncEntityType,
    externalId: row.externalId,
    status: row.status as SyncStatus,
    reasonCode: row.reasonCode,
    reason: row.reason,
    details: row.details ?? null,
    qboId: row.qboId,
    qboUrl: row.qboUrl,
    docNumber: row.docNumber,
    attempts: row.attempts,
    lastEventId: row.lastEventId,
    pendingJob: row.pendingJob,
    waitingFor: row.waitingFor,
    manualSyncRequestedAt: iso(row.manualSyncRequestedAt),
    retry: retryOf(row.retry),
    syncedAt: iso(row.syncedAt),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function attemptView(row: AttemptRow): AttemptView {
  return {
    attempt: row.attempt,
    outcome: row.outcome,
    status: row.status,
    faultCode: row.faultCode,
    message: row.message,
    retryable: row.retryable,
    jobId: row.jobId,
    eventId: row.eventId,
    startedAt: row.startedAt.toISOString(),
    finishedAt: row.finishedAt.toISOString(),
  };
}
