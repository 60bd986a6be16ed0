// Console sign-outs, kept so that a signed-out cookie stops working on every API instance at once.
import { eq, lt } from 'drizzle-orm';
import type { Database } from '../client.js';
import { adminSessionsEnded } from '../schema.js';

/** Records a session as ended (idempotent) and prunes ended sessions that have expired anyway. */
export async function endAdminSession(db: Database, sessionHash: string, expiresAt: Date, now: Date): Promise<void> {
  await db.insert(adminSessionsEnded).values({ sessionHash, expiresAt }).onConflictDoNothing();
  await db.delete(adminSessionsEnded).where(lt(adminSessionsEnded.expiresAt, now));
}

export async function isAdminSessionEnded(db: Database, sessionHash: string): Promise<boolean> {
  const rows = await db
    .select({ sessionHash: adminSessionsEnded.sessionHash })
    .from(adminSessionsEnded)
    .where(eq(adminSessionsEnded.sessionHash, sessionHash))
    .limit(1);
  return rows.length > 0;
}
