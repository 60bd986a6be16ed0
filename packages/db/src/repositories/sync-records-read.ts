// Read side of sync records for the status API and support tools. The worker owns the writes.
import { and, eq } from 'drizzle-orm';
import type { Database } from '../client.js';
import { syncRecords } from '../schema.js';

/** A sync record as read (search_terms is the search index's input, not read back). */
export type SyncRecordRow = Omit<typeof syncRecords.$inferSelect, 'searchTerms'>;

/** What a billing system may see about one entity's sync (no snapshot, hashes or tokens). */
export interface SyncStatusView {
  tenantId: string;
  entityType: string;
  externalId: string;
  status: string;
  qboId: string | null;
  qboUrl: string | null;
  docNumber: string | null;
  reasonCode: string | null;
  reason: string | null;
  details: unknown;
  lastEventId: string | null;
  attempts: number;
  syncedAt: Date | null;
  updatedAt: Date;
}

/** The sync record of an entity by its billing-side id, scoped to one tenant; undefined when none exists. */
export async function getSyncStatus(
  db: Database,
  tenantId: string,
  entityType: string,
  externalId: string,
): Promise<SyncStatusView | undefined> {
  const rows = await db
    .select({
      tenantId: syncRecords.tenantId,
      entityType: syncRecords.entityType,
      externalId: syncRecords.externalId,
      status: syncRecords.status,
      qboId: syncRecords.qboId,
      qboUrl: syncRecords.qboUrl,
      docNumber: syncRecords.docNumber,
      reasonCode: syncRecords.reasonCode,
      reason: syncRecords.reason,
      details: syncRecords.details,
      lastEventId: syncRecords.lastEventId,
      attempts: syncRecords.attempts,
      syncedAt: syncRecords.syncedAt,
      updatedAt: syncRecords.updatedAt,
    })
    .from(syncRecords)
    .where(
      and(
        eq(syncRecords.tenantId, tenantId),
        eq(syncRecords.entityType, entityType),
        eq(syncRecords.externalId, externalId),
      ),
    )
    .limit(1);
  return rows[0];
}
