import { CdcSweepJobPayload, DRIFT_QBO_ENTITIES } from '@qbo-sync/contracts';
import { advanceCdcCursor, getCdcCursor, recordByQboId } from '@qbo-sync/db/repositories/drift';
import { getRecord } from '@qbo-sync/db/repositories/sync-records';
import { CDC_LOOKBACK_MS, type CdcObject } from '@qbo-sync/qbo-client';
import { checkDrift } from '../drift/check.js';
import { observed, stepAsideOrThrow } from '../drift/observe.js';
import type { SyncDeps } from '../sync/deps.js';
import { loadTenantContext, type TenantContext } from '../sync/tenant-context.js';
import type { Processor } from './types.js';

const ENTITY_LOCK_WAIT_MS = 2_000;
/**
 * The next read starts this long before the last one did: QBO's change times have whole seconds and its clock
 * is not ours. Objects read twice are compared twice, which changes nothing.
 */
export const CDC_OVERLAP_MS = 5 * 60_000;
/** A first sweep (no cursor) looks back a day; never more than Intuit's 30 days (less a margin). */
const FIRST_LOOKBACK_MS = 24 * 3600_000;
const MAX_LOOKBACK_MS = CDC_LOOKBACK_MS - 3600_000;
/** Capped answers read per run; the rest waits for the next run, from where this one stopped. */
const MAX_READS_PER_RUN = 10;

/**
 * qbo.cdc-sweep: one company's change data capture since its cursor, every changed invoice and payment we own
 * compared with our record (no further requests: CDC answers full objects). Each CDC read is one request of the
 * company's budget, like a sync's; the cursor moves after each answer is handled, so a run cut short (a
 * deferral, a crash) resumes from where it stopped.
 */
export function cdcSweepProcessor(deps: SyncDeps): Processor {
  return async (job, token) => {
    const p = CdcSweepJobPayload.parse(job.data);
    const ctx = await loadTenantContext(deps, p.tenantId);
    if (ctx.connection !== 'active') return 'not-connected';
    const cursor = await getCdcCursor(deps.db, p.tenantId);
    const now = deps.now();
    let since = Math.max(cursor?.changedSince.getTime() ?? now - FIRST_LOOKBACK_MS, now - MAX_LOOKBACK_MS);
    let checked = 0;
    try {
      const realm = await ctx.realm();
      for (let read = 0; read < MAX_READS_PER_RUN; read++) {
        const startedAt = deps.now();
        const answer = await realm.changesSince(DRIFT_QBO_ENTITIES, new Date(since));
        for (const o of answer.objects) checked += (await checkObject(deps, ctx, o)) ? 1 : 0;
        if (!answer.capped) {
          await advanceCdcCursor(deps.db, p.tenantId, new Date(startedAt - CDC_OVERLAP_MS), {
            at: new Date(startedAt),
          });
          return `checked ${checked}`;
        }
        // A full answer may have left changes out: read on from the newest change it held.
        const newest = Math.max(since, ...answer.objects.map((o) => o.lastUpdatedMs ?? since));
        since = newest > since ? newest : since + 1000;
        await advanceCdcCursor(deps.db, p.tenantId, new Date(since), undefined);
      }
      return `checked ${checked}; more changes left for the next run`;
    } catch (err) {
      return stepAsideOrThrow(deps, { job, token }, err);
    }
  };
}

/** Compares one CDC object with our record when we own it; true when it was ours. */
async function checkObject(deps: SyncDeps, ctx: TenantContext, o: CdcObject): Promise<boolean> {
  const entityType = o.entity === 'Invoice' ? 'invoice' : 'payment';
  const owned = await recordByQboId(deps.db, { tenantId: ctx.tenantId, entityType, qboId: o.id });
  if (!owned) return false;
  const key = { tenantId: ctx.tenantId, entityType, externalId: owned.externalId };
  await deps.locks.withLock(key, ENTITY_LOCK_WAIT_MS, async () => {
    const record = await getRecord(deps.db, key);
    if (!record || record.qboId !== o.id) return;
    await checkDrift(deps, ctx, record, o.deleted ? { deleted: true } : observed(entityType, o.object), 'cdc');
  });
  return true;
}
