// Named operators of the admin API and console, with a role. The token is shown once and stored as sha256 +
// a short prefix, like tenant API keys (a 256-bit random token needs no slow hash).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import type { Database } from '../client.js';
import { operators } from '../schema.js';

export type OperatorRow = typeof operators.$inferSelect;
/** An operator as callers see it: the token hash stays out. */
export type Operator = Omit<OperatorRow, 'tokenHash'>;

export class OperatorExistsError extends Error {
  readonly code = 'OPERATOR_EXISTS';
  constructor(readonly operatorName: string) {
    super(`an operator named "${operatorName}" exists`);
    this.name = 'OperatorExistsError';
  }
}

/** Every operator token starts with this, so a bearer that is not one is never looked up. */
export const OPERATOR_TOKEN_PREFIX = 'qso_';
const TOKEN_PREFIX_LENGTH = 12;

export function generateOperatorToken(): string {
  return `${OPERATOR_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

export function hashOperatorToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

function publicView(row: OperatorRow): Operator {
  const { tokenHash: _hash, ...rest } = row;
  return rest;
}

export async function createOperator(
  db: Database,
  input: { name: string; role: string; createdBy: string },
): Promise<{ operator: Operator; token: string }> {
  const token = generateOperatorToken();
  const rows = await db
    .insert(operators)
    .values({
      name: input.name,
      role: input.role,
      tokenHash: hashOperatorToken(token),
      tokenPrefix: token.slice(0, TOKEN_PREFIX_LENGTH),
      createdBy: input.createdBy,
    })
    .onConflictDoNothing({ target: operators.name, where: sql`${operators.revokedAt} is null` })
    .returning();
  const row = rows[0];
  if (!row) throw new OperatorExistsError(input.name);
  return { operator: publicView(row), token };
}

/** Active operators first (by name), then revoked ones. */
export async function listOperators(db: Database): Promise<Operator[]> {
  const rows = await db
    .select()
    .from(operators)
    .orderBy(sql`${operators.revokedAt} is not null`, asc(operators.name), asc(operators.id));
  return rows.map(publicView);
}

export async function getOperator(db: Database, id: number): Promise<Operator | undefined> {
  const rows = await db.select().from(operators).where(eq(operators.id, id)).limit(1);
  return rows[0] && publicView(rows[0]);
}

/** The active (not revoked) operator with this name. */
export async function findActiveOperatorByName(db: Database, name: string): Promise<Operator | undefined> {
  const rows = await db
    .select()
    .from(operators)
    .where(and(eq(operators.name, name), isNull(operators.revokedAt)))
    .limit(1);
  return rows[0] && publicView(rows[0]);
}

/**
 * The active operator a token belongs to, or undefined (unknown or revoked). Marks it used (at most once a
 * minute, so a busy console does not write on every request).
 */
export async function findOperatorByToken(db: Database, token: string, now: Date): Promise<Operator | undefined> {
  if (!token.startsWith(OPERATOR_TOKEN_PREFIX)) return undefined;
  const hash = hashOperatorToken(token);
  const rows = await db
    .select()
    .from(operators)
    .where(and(eq(operators.tokenHash, hash), isNull(operators.revokedAt)))
    .limit(1);
  const row = rows[0];
  if (!row) return undefined;
  const stored = Buffer.from(row.tokenHash, 'hex');
  const given = Buffer.from(hash, 'hex');
  if (stored.length !== given.length || !timingSafeEqual(stored, given)) return undefined;
  await touch(db, row, now);
  return publicView(row);
}

/** The active operator with this id (a console session names it), or undefined once revoked. */
export async function findActiveOperator(db: Database, id: number, now: Date): Promise<Operator | undefined> {
  const rows = await db
    .select()
    .from(operators)
    .where(and(eq(operators.id, id), isNull(operators.revokedAt)))
    .limit(1);
  const row = rows[0];
  if (!row) return undefined;
  await touch(db, row, now);
  return publicView(row);
}

async function touch(db: Database, row: OperatorRow, now: Date): Promise<void> {
  if (row.lastUsedAt && now.getTime() - row.lastUsedAt.getTime() < 60_000) return;
  await db.update(operators).set({ lastUsedAt: now }).where(eq(operators.id, row.id));
}

/** Revokes an operator: its token and console sessions stop working at once. Undefined when no such operator. */
export async function revokeOperator(db: Database, id: number, now: Date): Promise<Operator | undefined> {
  const rows = await db
    .update(operators)
    .set({ revokedAt: sql`coalesce(${operators.revokedAt}, ${now.toISOString()}::timestamptz)` })
    .where(eq(operators.id, id))
    .returning();
  return rows[0] && publicView(rows[0]);
}
