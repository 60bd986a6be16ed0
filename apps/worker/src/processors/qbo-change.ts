import { QboChangeJobPayload } from '@qbo-sync/contracts';
import { recordByQboId } from '@qbo-sync/db/repositories/drift';
import { getRecord } from '@qbo-sync/db/repositories/sync-records';
import { checkDrift } from '../drift/check.js';
import { observe, stepAsideOrThrow } from '../drift/observe.js';
import type { SyncDeps } from '../sync/deps.js';
import { loadTenantContext } from '../sync/tenant-context.js';
import type { Processor } from './types.js';

const ENTITY_LOCK_WAIT_MS = 2_000;

/**
 * qbo.change (an Intuit webhook named a QBO invoice or payment): if we own it, compare it with our record under
 * the entity's lock and flag or heal drift. A Delete needs no read; anything else is one GET.
 */
export function qboChangeProcessor(deps: SyncDeps): Processor {
  return async (job, token) => {
    const p = QboChangeJobPayload.parse(job.data);
    const entityType = p.entity === 'Invoice' ? 'invoice' : 'payment';
    const owned = await recordByQboId(deps.db, { tenantId: p.tenantId, entityType, qboId: p.qboId });
    if (!owned) return 'not-ours';
    const ctx = await loadTenantContext(deps, p.tenantId);
    if (ctx.connection !== 'active') return 'not-connected';
    const key = { tenantId: p.tenantId, entityType, externalId: owned.externalId };
    try {
      return await deps.locks.withLock(key, ENTITY_LOCK_WAIT_MS, async () => {
        // Read again under the lock: a sync may have just re-created or updated it.
        const record = await getRecord(deps.db, key);
        if (!record || record.qboId !== p.qboId) return 'not-ours';
        const seen = p.operation === 'Delete' ? { deleted: true as const } : await observe(ctx, entityType, p.qboId);
        return checkDrift(deps, ctx, record, seen, 'webhook');
      });
    } catch (err) {
      return stepAsideOrThrow(deps, { job, token }, err);
    }
  };
}
