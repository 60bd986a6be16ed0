// Validation helpers shared by entity modules: schema parsing, field rules, money and reference resolution.
import { z } from 'zod';
import { isDate, qboDate } from '../clock.js';
import { fault } from '../faults.js';
import { type Dec, decToCents, Money, parseDec } from '../money.js';
import type { Doc, EntityName, Ref, WriteCtx } from './types.js';

export const zStr = z.string().nullish();
export const zBool = z.boolean().nullish();
export const zNum = z.union([z.number(), z.string()]).nullish();
export const zRef = z
  .looseObject({
    value: z.union([z.string(), z.number()]).transform(String),
    name: z.string().nullish(),
    type: z.string().nullish(),
  })
  .nullish();
export type RefIn = z.infer<typeof zRef>;

/** Fields every entity accepts and the server maintains itself. */
const BASE_KEYS = ['Id', 'SyncToken', 'MetaData', 'domain', 'sparse', 'status'];

export function keySet(...lists: readonly (readonly string[])[]): ReadonlySet<string> {
  return new Set([...BASE_KEYS, ...lists.flat()]);
}

export function parseWith<T>(schema: z.ZodType<T>, input: unknown): T {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const path = issue ? issue.path.map(String).join('.') : '';
  throw fault.invalidProperty(path, `${path} ${issue?.message ?? 'is invalid'}`);
}

/** QBO's deserialiser rejects fields it does not know; so do we (catches typos like "Displayname"). */
export function rejectUnknown(input: Record<string, unknown>, allowed: ReadonlySet<string>, entity: string): void {
  for (const k of Object.keys(input)) {
    if (!allowed.has(k)) {
      throw fault.invalidProperty(
        k,
        `Unrecognized field "${k}" (class com.intuit.schema.finance.v3.${entity}), not marked as ignorable specified is unsupported or invalid`,
      );
    }
  }
}

/** Copies client-supplied fields the sandbox stores verbatim (addresses, memos, custom fields...). */
export function passthrough(input: Record<string, unknown>, handled: ReadonlySet<string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, val] of Object.entries(input)) {
    if (!handled.has(k) && !BASE_KEYS.includes(k) && val !== null && val !== undefined) out[k] = val;
  }
  return out;
}

export function maxLen(s: string | null | undefined, max: number, element: string): void {
  if (s !== null && s !== undefined && [...s].length > max) throw fault.stringLength(element, max, [...s].length);
}

const BAD_NAME_CHARS = /[:\t\n\r]/;

export function checkNameChars(s: string | null | undefined, element: string): void {
  if (s && BAD_NAME_CHARS.test(s)) {
    throw fault.business(`${element} can't contain a colon (:), tab or new line.`, element);
  }
}

export function decOf(v: unknown, element: string): Dec {
  const d = parseDec(v);
  if (!d) throw fault.invalidProperty(element, `${element} is not a valid number`);
  return d;
}

export function moneyOf(v: unknown, element: string): Money {
  const cents = decToCents(decOf(v, element));
  if (cents === null) throw fault.business(`${element} must have at most 2 decimal places.`, element);
  return new Money(cents);
}

export function requireValue<T>(v: T | null | undefined, element: string): T {
  if (v === null || v === undefined || v === '') throw fault.required(element);
  return v;
}

export function dateOf(v: string | null | undefined, element: string, fallback: string): string {
  if (v === null || v === undefined || v === '') return fallback;
  if (!isDate(v)) throw fault.invalidProperty(element, `${element} "${v}" is not a valid date (yyyy-MM-dd)`);
  return v;
}

export function today(ctx: WriteCtx): string {
  return qboDate(ctx.now);
}

/** Looks up a referenced entity: never existed -> 2500, deleted or inactive -> 610. */
export function resolveRef(ctx: WriteCtx, entity: EntityName, ref: RefIn, element: string): Doc {
  const r = requireValue(ref, element);
  const table = ctx.realm.table(entity);
  const doc = table.get(r.value);
  if (!doc) {
    if (table.deleted.has(r.value)) throw fault.deleted(element);
    throw fault.invalidRef(element, `${entity} with Id ${r.value} does not exist.`);
  }
  if (doc['Active'] === false) throw fault.inactive(element);
  return doc;
}

export function nameOf(doc: Doc): string | undefined {
  const v = doc['DisplayName'] ?? doc['FullyQualifiedName'] ?? doc['Name'];
  return typeof v === 'string' ? v : undefined;
}

export function refTo(doc: Doc, type?: string): Ref {
  const ref: Ref = { value: doc.Id };
  const name = nameOf(doc);
  if (name !== undefined) ref.name = name;
  if (type) ref.type = type;
  return ref;
}

export function moneyField(doc: Doc | undefined, field: string): number {
  const m = doc?.[field];
  return m instanceof Money ? m.cents : 0;
}

/** "Name (deleted)", the rename QBO applies when a name-list entry is made inactive. */
export function deletedName(name: string, taken: (candidate: string) => boolean): string {
  let candidate = `${name} (deleted)`;
  for (let i = 1; taken(candidate); i++) candidate = `${name} (deleted-${i})`;
  return candidate;
}
