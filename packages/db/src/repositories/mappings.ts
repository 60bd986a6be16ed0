// Per-tenant mappings of billing-side keys to QBO entities (kinds: MappingKind in @qbo-sync/contracts).
import { and, eq, max, ne } from 'drizzle-orm';
import type { Database } from '../client.js';
import { mappings } from '../schema.js';

export type MappingRow = typeof mappings.$inferSelect;

export interface MappingInput {
  tenantId: string;
  kind: string;
  externalKey: string;
  qboId: string;
  qboName?: string | null;
}

export async function listMappings(db: Database, tenantId: string, kind?: string): Promise<MappingRow[]> {
  const where = kind ? and(eq(mappings.tenantId, tenantId), eq(mappings.kind, kind)) : eq(mappings.tenantId, tenantId);
  return db.select().from(mappings).where(where).orderBy(mappings.kind, mappings.externalKey);
}

export async function getMapping(
  db: Database,
  tenantId: string,
  kind: string,
  externalKey: string,
): Promise<MappingRow | undefined> {
  const rows = await db
    .select()
    .from(mappings)
    .where(and(eq(mappings.tenantId, tenantId), eq(mappings.kind, kind), eq(mappings.externalKey, externalKey)))
    .limit(1);
  return rows[0];
}

/** Creates or re-points a mapping (a person choosing in the admin UI: the latest choice wins). */
export async function upsertMapping(db: Database, input: MappingInput): Promise<MappingRow> {
  const rows = await db
    .insert(mappings)
    .values({ ...input, qboName: input.qboName ?? null })
    .onConflictDoUpdate({
      target: [mappings.tenantId, mappings.kind, mappings.externalKey],
      set: { qboId: input.qboId, qboName: input.qboName ?? null, updatedAt: new Date() },
    })
    .returning();
  return rows[0] as MappingRow;
}

/**
 * Records a mapping only if none exists, and returns whichever row is stored: when two workers resolve
 * the same billing customer at once, both end up using the first one written.
 */
export async function insertMappingIfAbsent(db: Database, input: MappingInput): Promise<MappingRow> {
  await db
    .insert(mappings)
    .values({ ...input, qboName: input.qboName ?? null })
    .onConflictDoNothing({ target: [mappings.tenantId, mappings.kind, mappings.externalKey] });
  const row = await getMapping(db, input.tenantId, input.kind, input.externalKey);
  if (!row) throw new Error(`mapping ${input.kind}/${input.externalKey} vanished right after insert`);
  return row;
}

export async function deleteMapping(
  db: Database,
  tenantId: string,
  kind: string,
  externalKey: string,
): Promise<boolean> {
  const rows = await db
    .delete(mappings)
    .where(and(eq(mappings.tenantId, tenantId), eq(mappings.kind, kind), eq(mappings.externalKey, externalKey)))
    .returning({ id: mappings.id });
  return rows.length > 0;
}

/**
 * Every mapping except customer mappings (one per billing customer, so possibly many): what a sync job
 * loads up front; customers are looked up one by one with getMapping.
 */
export async function listSettingMappings(db: Database, tenantId: string): Promise<MappingRow[]> {
  return db
    .select()
    .from(mappings)
    .where(and(eq(mappings.tenantId, tenantId), ne(mappings.kind, 'customer')))
    .orderBy(mappings.kind, mappings.externalKey);
}

/** When the tenant's mappings last changed (parked `needs_mapping` records newer than this stay parked). */
export async function lastMappingChange(db: Database, tenantId: string): Promise<Date | undefined> {
  const rows = await db
    .select({ at: max(mappings.updatedAt) })
    .from(mappings)
    .where(eq(mappings.tenantId, tenantId));
  return rows[0]?.at ?? undefined;
}
