import type { Database } from '@qbo-sync/db';
import { listParked } from '@qbo-sync/db/repositories/sync-records';
import type { Enqueue } from './sync/deps.js';
import { enqueueResume } from './sync/resume.js';

/** Statuses a person's fix (a mapping, a reconnect, a replay) can release. */
export const RESUMABLE_STATUSES = ['needs_mapping', 'needs_reconnect', 'waiting', 'failed', 'conflict'] as const;

/**
 * Re-queues a tenant's parked syncs, e.g. every `MISSING_MAPPING` after a mapping was added, or every
 * `failed` one for a replay. The admin API calls this; the periodic sweeps also resume parked records by
 * themselves once their cause is gone. Returns how many were queued.
 */
export async function resumeParked(
  deps: { db: Database; enqueue: Enqueue },
  tenantId: string,
  filter: { reasonCode?: string; statuses?: readonly string[] } = {},
): Promise<number> {
  const rows = await listParked(deps.db, {
    tenantId,
    statuses: [...(filter.statuses ?? ['needs_mapping', 'needs_reconnect'])],
    ...(filter.reasonCode ? { reasonCode: filter.reasonCode } : {}),
    limit: 10_000,
  });
  let queued = 0;
  for (const r of rows) if (await enqueueResume(deps, r)) queued++;
  return queued;
}
