import { clearWriteStarted, markWriteStarted, type SyncRecordRow } from '@qbo-sync/db/repositories/sync-records';
import { RealmBusyError } from '@qbo-sync/qbo-client';
import type { SyncDeps } from './deps.js';

/**
 * Runs a QBO create behind the record's write-started mark (a later run that finds the mark looks for an
 * object this create may have committed unheard). When the company's budget refused the create before
 * anything was sent, the mark is taken back — otherwise every deferred create costs its rerun a search of
 * QBO for an object that cannot exist. A mark left by an earlier run stays.
 */
export async function createBehindMark<T>(deps: SyncDeps, record: SyncRecordRow, create: () => Promise<T>): Promise<T> {
  const earlier = record.writeStartedAt !== null;
  const at = await markWriteStarted(deps.db, record.id);
  try {
    return await create();
  } catch (err) {
    if (!earlier && err instanceof RealmBusyError && err.nothingSent) await clearWriteStarted(deps.db, record.id, at);
    throw err;
  }
}
