// Tenants and their credentials. The API key is shown once and stored as sha256 + a short prefix; the
// signing secret is needed in clear to verify HMACs, so it is stored encrypted (SecretBox).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { type Database, rawClient } from '../client.js';
import { tenants } from '../schema.js';
import type { SecretBox } from '../secrets.js';

export type TenantRow = typeof tenants.$inferSelect;
/** A tenant as callers see it: credentials stay out (the encrypted secret is read via getTenantSigningSecret). */
export type Tenant = Omit<TenantRow, 'apiKeyHash' | 'signingSecretEnc'>;
/** TenantSettings from @qbo-sync/contracts, stored as jsonb; parse it with that schema when reading. */
export type TenantSettingsJson = Record<string, unknown>;

export class TenantExistsError extends Error {
  readonly code = 'TENANT_EXISTS';
  constructor(readonly tenantId: string) {
    super(`tenant "${tenantId}" already exists`);
    this.name = 'TenantExistsError';
  }
}

export class TenantNotFoundError extends Error {
  readonly code = 'TENANT_NOT_FOUND';
  constructor(readonly tenantId: string) {
    super(`tenant "${tenantId}" does not exist`);
    this.name = 'TenantNotFoundError';
  }
}

/** `qsk_` + 43 base64url characters (256 random bits); the first 12 characters identify it in listings. */
const API_KEY_PREFIX_LENGTH = 12;

export function generateApiKey(): string {
  return `qsk_${randomBytes(32).toString('base64url')}`;
}

export function hashApiKey(apiKey: string): string {
  return createHash('sha256').update(apiKey, 'utf8').digest('hex');
}

function generateSigningSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

function publicView(row: TenantRow): Tenant {
  const { apiKeyHash: _hash, signingSecretEnc: _secret, ...rest } = row;
  return rest;
}

export interface CreatedTenant {
  tenant: Tenant;
  /** Shown once; only its hash is stored. */
  apiKey: string;
  /** Shown once to the tenant (they sign requests and verify callbacks with it); stored encrypted. */
  signingSecret: string;
}

export async function createTenant(
  db: Database,
  secrets: SecretBox,
  input: { id: string; name: string; settings?: TenantSettingsJson },
): Promise<CreatedTenant> {
  const apiKey = generateApiKey();
  const signingSecret = generateSigningSecret();
  const rows = await db
    .insert(tenants)
    .values({
      id: input.id,
      name: input.name,
      apiKeyHash: hashApiKey(apiKey),
      apiKeyPrefix: apiKey.slice(0, API_KEY_PREFIX_LENGTH),
      signingSecretEnc: secrets.encrypt(signingSecret),
      settings: input.settings ?? {},
    })
    .onConflictDoNothing({ target: tenants.id })
    .returning();
  const row = rows[0];
  if (!row) throw new TenantExistsError(input.id);
  return { tenant: publicView(row), apiKey, signingSecret };
}

export async function getTenant(db: Database, tenantId: string): Promise<Tenant | undefined> {
  const rows = await db.select().from(tenants).where(eq(tenants.id, tenantId)).limit(1);
  return rows[0] && publicView(rows[0]);
}

/** Which of these tenant ids exist. */
export async function existingTenantIds(db: Database, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  // Raw, fixed text: it runs on every ingest batch (drizzle would rebuild the SQL each time).
  const rows = await rawClient(db)<
    { id: string }[]
  >`select id from tenants where id = any(${[...new Set(ids)]}::text[])`;
  return new Set(rows.map((r) => r.id));
}

export async function listTenants(db: Database): Promise<Tenant[]> {
  const rows = await db.select().from(tenants).orderBy(tenants.id);
  return rows.map(publicView);
}

// Both run on every signed request: built once per database and prepared by the driver, not rebuilt.
const authQueryCache = new WeakMap<Database, ReturnType<typeof prepareAuthQueries>>();
function prepareAuthQueries(db: Database) {
  return {
    byApiKeyHash: db
      .select()
      .from(tenants)
      .where(eq(tenants.apiKeyHash, sql.placeholder('hash')))
      .limit(1)
      .prepare('tenant_by_api_key_hash'),
    signingSecret: db
      .select({ enc: tenants.signingSecretEnc })
      .from(tenants)
      .where(eq(tenants.id, sql.placeholder('tenantId')))
      .limit(1)
      .prepare('tenant_signing_secret'),
  };
}
function authQueries(db: Database) {
  let q = authQueryCache.get(db);
  if (!q) {
    q = prepareAuthQueries(db);
    authQueryCache.set(db, q);
  }
  return q;
}

/**
 * The tenant an API key belongs to, or undefined. The hash comparison is constant-time so a caller
 * cannot learn anything from response timing beyond "no such key".
 */
export async function findTenantByApiKey(db: Database, apiKey: string): Promise<Tenant | undefined> {
  if (!apiKey) return undefined;
  const hash = hashApiKey(apiKey);
  const rows = await authQueries(db).byApiKeyHash.execute({ hash });
  const row = rows[0];
  if (!row) return undefined;
  const stored = Buffer.from(row.apiKeyHash, 'hex');
  const given = Buffer.from(hash, 'hex');
  return stored.length === given.length && timingSafeEqual(stored, given) ? publicView(row) : undefined;
}

/** The tenant's HMAC signing secret in clear, or undefined when the tenant does not exist. */
export async function getTenantSigningSecret(
  db: Database,
  secrets: SecretBox,
  tenantId: string,
): Promise<string | undefined> {
  const rows = await authQueries(db).signingSecret.execute({ tenantId });
  return rows[0] && secrets.decrypt(rows[0].enc);
}

/** Merges the given top-level settings keys into the stored ones and returns the tenant. */
export async function updateTenantSettings(db: Database, tenantId: string, patch: TenantSettingsJson): Promise<Tenant> {
  if (patch['callbackUrl']) {
    // A first callback URL announces changes from now on, as if it had always been listened to: the
    // changes made while the tenant had none are not sent (a callback run reads every unannounced version).
    await db.execute(sql`update sync_records set callback_version = status_version
      where tenant_id = ${tenantId} and status_version > callback_version
        and exists (select 1 from tenants where id = ${tenantId} and settings->>'callbackUrl' is null)`);
  }
  const rows = await db
    .update(tenants)
    .set({ settings: sql`${tenants.settings} || ${JSON.stringify(patch)}::jsonb`, updatedAt: new Date() })
    .where(eq(tenants.id, tenantId))
    .returning();
  if (!rows[0]) throw new TenantNotFoundError(tenantId);
  return publicView(rows[0]);
}

/** Issues a new API key; the old one stops working at once. Returns the new key (shown once). */
export async function rotateApiKey(db: Database, tenantId: string): Promise<{ apiKey: string; apiKeyPrefix: string }> {
  const apiKey = generateApiKey();
  const apiKeyPrefix = apiKey.slice(0, API_KEY_PREFIX_LENGTH);
  const rows = await db
    .update(tenants)
    .set({ apiKeyHash: hashApiKey(apiKey), apiKeyPrefix, updatedAt: new Date() })
    .where(eq(tenants.id, tenantId))
    .returning({ id: tenants.id });
  if (!rows[0]) throw new TenantNotFoundError(tenantId);
  return { apiKey, apiKeyPrefix };
}

/** Issues a new signing secret (stored encrypted with the current key); returns it in clear, once. */
export async function rotateSigningSecret(db: Database, secrets: SecretBox, tenantId: string): Promise<string> {
  const signingSecret = generateSigningSecret();
  const rows = await db
    .update(tenants)
    .set({ signingSecretEnc: secrets.encrypt(signingSecret), updatedAt: new Date() })
    .where(eq(tenants.id, tenantId))
    .returning({ id: tenants.id });
  if (!rows[0]) throw new TenantNotFoundError(tenantId);
  return signingSecret;
}

/**
 * Deletes a tenant and, by cascade, its connection, mappings, inbox events, sync records and attempts.
 * Returns false when there was no such tenant.
 */
export async function deleteTenant(db: Database, tenantId: string): Promise<boolean> {
  const rows = await db.delete(tenants).where(eq(tenants.id, tenantId)).returning({ id: tenants.id });
  return rows.length > 0;
}
