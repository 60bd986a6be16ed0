// Storage of QBO OAuth grants. Values arrive already encrypted (SecretBox); this module never sees plaintext.
import { and, eq, sql } from 'drizzle-orm';
import type { Database } from '../client.js';
import { cdcCursors, qboConnections } from '../schema.js';

export type ConnectionStatus = 'active' | 'needs_reconnect' | 'disconnected';
export type ConnectionRow = typeof qboConnections.$inferSelect;

export interface EncryptedGrant {
  realmId: string;
  keyId: string;
  accessTokenEnc: string;
  refreshTokenEnc: string;
  accessTokenExpiresAt: Date;
  refreshTokenExpiresAt: Date;
  /** When the token endpoint issued the pair (stored as last_refreshed_at; gives the access token's lifetime). */
  issuedAt: Date;
}

export async function getConnection(db: Database, tenantId: string): Promise<ConnectionRow | undefined> {
  const rows = await db.select().from(qboConnections).where(eq(qboConnections.tenantId, tenantId)).limit(1);
  return rows[0];
}

/** A new grant (OAuth callback): active again, version bumped so in-flight refreshes of the old grant lose their CAS. */
export async function saveGrant(db: Database, tenantId: string, grant: EncryptedGrant): Promise<ConnectionRow> {
  const { issuedAt, ...values } = grant;
  const rows = await db
    .insert(qboConnections)
    .values({ tenantId, ...values, status: 'active', statusReason: null, tokenVersion: 1, lastRefreshedAt: issuedAt })
    .onConflictDoUpdate({
      target: qboConnections.tenantId,
      set: {
        ...values,
        status: 'active',
        statusReason: null,
        tokenVersion: sql`${qboConnections.tokenVersion} + 1`,
        lastRefreshedAt: issuedAt,
        updatedAt: new Date(),
      },
    })
    .returning();
  await noteGrantForCdc(db, tenantId);
  return rows[0] as ConnectionRow;
}

/**
 * A first grant starts the company's CDC cursor now (nothing of ours is in QBO yet); a later one (a reconnect)
 * asks for a sweep at once: changes made while the connection was down sent webhooks nobody could act on.
 */
async function noteGrantForCdc(db: Database, tenantId: string): Promise<void> {
  await db
    .insert(cdcCursors)
    .values({ tenantId, changedSince: new Date() })
    .onConflictDoUpdate({ target: cdcCursors.tenantId, set: { requestedAt: new Date(), updatedAt: new Date() } });
}

/**
 * Stores a rotated token pair only if nobody changed the grant since `expectedVersion` was read.
 * Returns the new row, or undefined when the compare-and-set lost.
 */
export async function rotateTokens(
  db: Database,
  tenantId: string,
  expectedVersion: number,
  tokens: Omit<EncryptedGrant, 'realmId'>,
): Promise<ConnectionRow | undefined> {
  const { issuedAt, ...values } = tokens;
  const rows = await db
    .update(qboConnections)
    .set({
      ...values,
      tokenVersion: expectedVersion + 1,
      lastRefreshedAt: issuedAt,
      updatedAt: new Date(),
    })
    .where(
      and(
        eq(qboConnections.tenantId, tenantId),
        eq(qboConnections.tokenVersion, expectedVersion),
        eq(qboConnections.status, 'active'),
      ),
    )
    .returning();
  return rows[0];
}

/**
 * Sets a non-active status with a reason a support person can act on. With `expectedVersion`, only when
 * the grant is still the one that failed (a reconnect in between wins).
 */
export async function setConnectionStatus(
  db: Database,
  tenantId: string,
  status: Exclude<ConnectionStatus, 'active'>,
  reason: string,
  expectedVersion?: number,
  replaceTokens?: { keyId: string; accessTokenEnc: string; refreshTokenEnc: string },
): Promise<boolean> {
  const where =
    expectedVersion === undefined
      ? eq(qboConnections.tenantId, tenantId)
      : and(eq(qboConnections.tenantId, tenantId), eq(qboConnections.tokenVersion, expectedVersion));
  const rows = await db
    .update(qboConnections)
    .set({ status, statusReason: reason, updatedAt: new Date(), ...replaceTokens })
    .where(where)
    .returning({ tenantId: qboConnections.tenantId });
  return rows.length > 0;
}
