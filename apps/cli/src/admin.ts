import {
  AuditListResponse,
  ConnectResponse,
  CreateOperatorResponse,
  CreateTenantResponse,
  DeleteTenantResponse,
  DisconnectResponse,
  ManualSyncResponse,
  type MappingKind,
  MappingListResponse,
  OperatorListResponse,
  type OperatorRole,
  OverviewResponse,
  type QboListName,
  QboListResponse,
  RecordSearchResponse,
  ReplayOneResponse,
  ReplayResponse,
  RevokeOperatorResponse,
  RotateKeyResponse,
  RotateSecretResponse,
  type SyncEntityType,
  SyncRecordDetailResponse,
  SyncRecordListResponse,
  type SyncStatus,
  TenantDetailResponse,
  TenantListResponse,
  type TenantSettingsPatch,
  TenantView,
  UpsertMappingResponse,
} from '@qbo-sync/contracts';
import { z } from 'zod';
import type { ApiClient } from './http.js';

// Typed calls of the admin API (packages/contracts/src/admin-api.ts), one function per endpoint.

const seg = encodeURIComponent;
const tenantPath = (tenantId: string) => `/admin/tenants/${seg(tenantId)}`;

function query(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

export const createTenant = (api: ApiClient, body: { id: string; name: string; settings?: TenantSettingsPatch }) =>
  api.admin('POST', '/admin/tenants', CreateTenantResponse, body);

export const listTenants = (api: ApiClient) => api.admin('GET', '/admin/tenants', TenantListResponse);

export const getTenant = (api: ApiClient, tenantId: string) =>
  api.admin('GET', tenantPath(tenantId), TenantDetailResponse);

export const updateSettings = (api: ApiClient, tenantId: string, patch: TenantSettingsPatch) =>
  api.admin('PATCH', `${tenantPath(tenantId)}/settings`, TenantView, patch);

export const rotateKey = (api: ApiClient, tenantId: string) =>
  api.admin('POST', `${tenantPath(tenantId)}/rotate-key`, RotateKeyResponse);

export const deleteTenant = (api: ApiClient, tenantId: string) =>
  api.admin('DELETE', tenantPath(tenantId), DeleteTenantResponse);

export const rotateSecret = (api: ApiClient, tenantId: string) =>
  api.admin('POST', `${tenantPath(tenantId)}/rotate-secret`, RotateSecretResponse);

export const connectUrl = (api: ApiClient, tenantId: string) =>
  api.admin('GET', `${tenantPath(tenantId)}/connect`, ConnectResponse);

export const disconnect = (api: ApiClient, tenantId: string) =>
  api.admin('POST', `${tenantPath(tenantId)}/disconnect`, DisconnectResponse);

export const listMappings = (api: ApiClient, tenantId: string, kind?: MappingKind) =>
  api.admin('GET', `${tenantPath(tenantId)}/mappings${query({ kind })}`, MappingListResponse);

export const setMapping = (
  api: ApiClient,
  tenantId: string,
  m: { kind: MappingKind; key: string; qboId: string; qboName?: string | undefined },
) =>
  api.admin('PUT', `${tenantPath(tenantId)}/mappings/${seg(m.kind)}/${seg(m.key)}`, UpsertMappingResponse, {
    qboId: m.qboId,
    ...(m.qboName !== undefined ? { qboName: m.qboName } : {}),
  });

export const removeMapping = (api: ApiClient, tenantId: string, kind: MappingKind, key: string) =>
  api.admin('DELETE', `${tenantPath(tenantId)}/mappings/${seg(kind)}/${seg(key)}`, z.unknown());

export const qboList = (api: ApiClient, tenantId: string, list: QboListName, search?: string) =>
  api.admin(
    'GET',
    `${tenantPath(tenantId)}/qbo/${list}${search ? `?q=${encodeURIComponent(search)}` : ''}`,
    QboListResponse,
  );

export interface RecordFilter {
  status?: SyncStatus | undefined;
  entityType?: SyncEntityType | undefined;
  from?: string | undefined;
  to?: string | undefined;
  limit?: number | undefined;
  cursor?: string | undefined;
}

export const listRecords = (api: ApiClient, tenantId: string, f: RecordFilter) =>
  api.admin('GET', `${tenantPath(tenantId)}/sync-records${query({ ...f })}`, SyncRecordListResponse);

const recordPath = (tenantId: string, entityType: SyncEntityType, externalId: string) =>
  `${tenantPath(tenantId)}/sync-records/${seg(entityType)}/${seg(externalId)}`;

export const getRecord = (api: ApiClient, tenantId: string, entityType: SyncEntityType, externalId: string) =>
  api.admin('GET', recordPath(tenantId, entityType, externalId), SyncRecordDetailResponse);

export const replayOne = (
  api: ApiClient,
  tenantId: string,
  entityType: SyncEntityType,
  externalId: string,
  note?: string | undefined,
) =>
  api.admin(
    'POST',
    `${recordPath(tenantId, entityType, externalId)}/replay`,
    ReplayOneResponse,
    note ? { note } : undefined,
  );

export const replayMany = (
  api: ApiClient,
  tenantId: string,
  body: { status?: SyncStatus; entityType?: SyncEntityType; from?: string; to?: string; note: string },
) => api.admin('POST', `${tenantPath(tenantId)}/replay`, ReplayResponse, body);

export const manualSync = (
  api: ApiClient,
  tenantId: string,
  body: { entityType?: SyncEntityType; from?: string; to?: string; note: string },
) => api.admin('POST', `${tenantPath(tenantId)}/sync`, ManualSyncResponse, body);

export const createOperator = (api: ApiClient, body: { name: string; role: OperatorRole }) =>
  api.admin('POST', '/admin/operators', CreateOperatorResponse, body);

export const listOperators = (api: ApiClient) => api.admin('GET', '/admin/operators', OperatorListResponse);

export const revokeOperator = (api: ApiClient, id: number) =>
  api.admin('DELETE', `/admin/operators/${id}`, RevokeOperatorResponse);

export const listAudit = (
  api: ApiClient,
  f: { tenantId?: string | undefined; actor?: string | undefined; action?: string | undefined; limit?: number },
) => api.admin('GET', `/admin/audit${query({ ...f })}`, AuditListResponse);

export const searchRecords = (api: ApiClient, q: string, tenantId?: string | undefined, limit?: number) =>
  api.admin('GET', `/admin/records/search${query({ q, tenantId, limit })}`, RecordSearchResponse);

export const overview = (api: ApiClient) => api.admin('GET', '/admin/overview', OverviewResponse);
