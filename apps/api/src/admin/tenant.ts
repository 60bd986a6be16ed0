import { TenantId } from '@qbo-sync/contracts';
import { getTenant, type Tenant } from '@qbo-sync/db/repositories/tenants';
import { queueEnqueue, type ReplayDeps } from '@qbo-sync/producer';
import type { QboClient } from '@qbo-sync/qbo-client';
import type { ApiDeps } from '../deps.js';
import { ApiError } from '../errors.js';

/** The tenant named in the path, or 404 saying how to find the right id. */
export async function loadTenant(deps: ApiDeps, tenantId: string): Promise<Tenant> {
  // An id no tenant can have (a NUL would even fail the query) is simply not found.
  const tenant = TenantId.safeParse(tenantId).success ? await getTenant(deps.db, tenantId) : undefined;
  if (!tenant) {
    throw new ApiError(
      404,
      'tenant_not_found',
      `There is no tenant "${tenantId}". GET /admin/tenants lists them; POST /admin/tenants creates one.`,
    );
  }
  return tenant;
}

/** The QBO client, or 503 when this API process was started without one. */
export function qboOf(deps: ApiDeps): QboClient {
  if (!deps.qbo) {
    throw new ApiError(
      503,
      'qbo_unavailable',
      'This API process has no QuickBooks client configured, so it cannot connect or read QuickBooks. Check the QBO_* settings and restart.',
    );
  }
  return deps.qbo;
}

/** What producer's replay functions need, from the API's deps (the same queues ingest uses). */
export function replayDepsOf(deps: ApiDeps): ReplayDeps {
  return {
    db: deps.db,
    enqueue: queueEnqueue(deps.producer.queues, deps.producer.pacer),
    ...(deps.now ? { now: deps.now } : {}),
  };
}
