// Shapes of QBO success bodies. Parsed with zod so a surprising answer fails loudly, not later.
import { z } from 'zod';
import type { QboEntityBase } from './entities.js';
import { ServerError } from './errors/server-error.js';

const Entity = z.looseObject({ Id: z.string(), SyncToken: z.string().optional() });

// One schema per entity name, built once: building a zod schema costs more than parsing with it, and this
// runs on every QBO answer.
const envelopes = new Map<string, z.ZodType<Record<string, unknown>>>();
function envelopeOf(entity: string) {
  let schema = envelopes.get(entity);
  if (!schema) {
    schema = z.looseObject({ [entity]: Entity });
    envelopes.set(entity, schema);
  }
  return schema;
}

/** `{ "Invoice": { ... }, "time": ... }` → the entity. */
export function entityFrom<T extends QboEntityBase>(body: unknown, entity: string): T {
  const parsed = envelopeOf(entity).safeParse(body);
  if (!parsed.success) throw new ServerError(`QBO answered without a ${entity} object`);
  return parsed.data[entity] as unknown as T;
}

const QueryResponse = z.object({
  QueryResponse: z.looseObject({
    startPosition: z.number().optional(),
    maxResults: z.number().optional(),
    totalCount: z.number().optional(),
  }),
});

/** `{ "QueryResponse": { "Customer": [...] } }` → rows; an empty result has no entity key at all. */
export function rowsFrom<T>(body: unknown, entity: string): T[] {
  const parsed = QueryResponse.safeParse(body);
  if (!parsed.success) throw new ServerError('QBO answered a query without a QueryResponse');
  const rows = (parsed.data.QueryResponse as Record<string, unknown>)[entity];
  if (rows === undefined) return [];
  if (!Array.isArray(rows)) throw new ServerError(`QBO query answer has a non-list ${entity}`);
  return rows as T[];
}

export function countFrom(body: unknown): number {
  const parsed = QueryResponse.safeParse(body);
  const n = parsed.success ? parsed.data.QueryResponse.totalCount : undefined;
  if (n === undefined) throw new ServerError('QBO answered a count query without totalCount');
  return n;
}
