// Attempt history of sync records: one row per processing attempt, what support staff read.
import { desc, eq, sql } from 'drizzle-orm';
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

/**
 * Synced and failed outcomes per bucket since `since` (index sync_attempts_finished, BRIN on finished_at):
 * `synced` attempts, and attempts that left their record `failed`. Empty buckets are included.
 */
export async function outcomesPerBucket(
  db: Database,
  since: Date,
  bucketSeconds: number,
): Promise<Array<{ at: Date; synced: number; failed: number }>> {
  const rows = await db.execute<{ bucket: string; synced: number; failed: number }>(sql`
    with buckets as (
      select generate_series(
        to_timestamp(floor(extract(epoch from ${since.toISOString()}::timestamptz) / ${bucketSeconds}) * ${bucketSeconds}),
        now(), make_interval(secs => ${bucketSeconds})) as bucket
    ), counted as (
      select to_timestamp(floor(extract(epoch from finished_at) / ${bucketSeconds}) * ${bucketSeconds}) as bucket,
        count(*) filter (where outcome = 'synced')::int as synced,
        count(*) filter (where status = 'failed')::int as failed
      from sync_attempts where finished_at >= ${since.toISOString()}::timestamptz
      group by 1
    )
    select b.bucket, coalesce(c.synced, 0)::int as synced, coalesce(c.failed, 0)::int as failed
    from buckets b left join counted c on c.bucket = b.bucket order by b.bucket`);
  return rows.map((r) => ({ at: new Date(r.bucket), synced: r.synced, failed: r.failed }));
}
