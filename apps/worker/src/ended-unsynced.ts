// bull-board and the console agree: a sync whose record ends failed, needs_mapping or conflict fails its
// BullMQ job (no retry: UnrecoverableError) with the record's reason and a link to it in the console as the
// failedReason, instead of completing as if all were well. The record, the attempt, the callback and the
// inbox mark are all written before (inner layers); this only changes how BullMQ files the job.
import { consoleRecordPath, ENTITY_OF_JOB, type JobName, SyncJobPayload } from '@qbo-sync/contracts';
import type { Database } from '@qbo-sync/db';
import { getRecord } from '@qbo-sync/db/repositories/sync-records';
import { UnrecoverableError } from 'bullmq';
import type { ProcessorLayer } from './pipeline.js';

/** Record statuses a person must act on: their jobs end in bull-board's Failed tab. */
export const ENDS_AS_FAILED: ReadonlySet<string> = new Set(['failed', 'needs_mapping', 'conflict']);

export class SyncEndedUnsyncedError extends UnrecoverableError {
  readonly code = 'SYNC_ENDED_UNSYNCED';
  constructor(
    readonly status: string,
    readonly reasonCode: string | null,
    reason: string | null,
    readonly consoleUrl: string,
  ) {
    super(`${status}${reasonCode ? ` (${reasonCode})` : ''}: ${reason ?? 'see the record'} — ${consoleUrl}`);
    this.name = 'SyncEndedUnsyncedError';
  }
}

/** The layer for a single-entity sync queue (others end as before); `publicUrl` makes the console link absolute. */
export function failingUnsyncedEnds(name: JobName, db: Database, publicUrl: string): ProcessorLayer | undefined {
  const entityType = ENTITY_OF_JOB[name];
  if (!entityType) return undefined;
  return (inner) => async (job, token) => {
    const result = await inner(job, token);
    if (!ENDS_AS_FAILED.has(result)) return result;
    const payload = SyncJobPayload.safeParse(job.data);
    if (!payload.success) return result;
    const key = { tenantId: payload.data.tenantId, entityType, externalId: payload.data.entityId };
    const record = await getRecord(db, key);
    const url = `${publicUrl.replace(/\/$/, '')}${consoleRecordPath(key)}`;
    throw new SyncEndedUnsyncedError(record?.status ?? result, record?.reasonCode ?? null, record?.reason ?? null, url);
  };
}
