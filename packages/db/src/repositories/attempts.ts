// Attempt history of sync records: one row per processing attempt, what support staff read.
import { desc, eq } from 'drizzle-orm';
import type { Database } from '../client.js';
import { syncAttempts } from '../schema.js';

export type AttemptRow = typeof syncAttempts.$inferSelect;
export type AttemptInput = Omit<typeof syncAttempts.$inferInsert, 'id' | 'finishedAt'> & { finishedAt?: Date };

export async function appendAttempt(db: Database, input: AttemptInput): Promise<AttemptRow> {
  const rows = await db.insert(syncAttempts).values(input).returning();
  return rows[0] as AttemptRow;
}

/** Newest first. */
export async function listAttempts(db: Database, syncRecordId: number, limit = 50): Promise<AttemptRow[]> {
  return db
    .select()
    .from(syncAttempts)
    .where(eq(syncAttempts.syncRecordId, syncRecordId))
    .orderBy(desc(syncAttempts.id))
    .limit(limit);
}
