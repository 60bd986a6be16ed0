// POST /batch: up to 30 operations or queries, each answered (or faulted) independently with HTTP 200.
import { defFor } from '../entities/registry.js';
import type { WriteCtx } from '../entities/types.js';
import { fault, QboError } from '../faults.js';
import { runQuery } from '../query/execute.js';
import { entityOp } from './entity-op.js';

export const MAX_BATCH_ITEMS = 30;

const RESERVED = new Set(['bId', 'operation', 'optionsData']);

function item(ctx: WriteCtx, raw: Record<string, unknown>): Record<string, unknown> {
  const query = raw['Query'];
  if (typeof query === 'string') return { QueryResponse: runQuery(ctx.realm, query) };
  const key = Object.keys(raw).find((k) => !RESERVED.has(k));
  const def = key ? defFor(key) : undefined;
  if (!key || !def || def.name !== key) throw fault.invalidProperty(key ?? '', `Unsupported batch entity ${key ?? ''}`);
  const body = raw[key];
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw fault.invalidProperty(key, `${key} must be an object`);
  }
  const operation = String(raw['operation'] ?? 'create').toLowerCase();
  const op = operation === 'update' && raw['optionsData'] === 'void' ? 'void' : operation;
  return { [def.name]: entityOp(ctx, def, op, body as Record<string, unknown>) };
}

export function runBatch(ctx: WriteCtx, json: Record<string, unknown>, time: string): Record<string, unknown> {
  const items = json['BatchItemRequest'];
  if (!Array.isArray(items) || items.length === 0) throw fault.required('BatchItemRequest');
  if (items.length > MAX_BATCH_ITEMS) throw fault.batchTooLarge(MAX_BATCH_ITEMS);
  const seen = new Set<string>();
  for (const raw of items as Record<string, unknown>[]) {
    const bId = raw?.['bId'];
    if (typeof bId !== 'string' || bId === '') throw fault.required('bId');
    if (seen.has(bId)) throw fault.invalidProperty('bId', `Duplicate bId ${bId}`);
    seen.add(bId);
  }
  const responses = (items as Record<string, unknown>[]).map((raw) => {
    const bId = raw['bId'];
    try {
      return { bId, ...item(ctx, raw) };
    } catch (e) {
      if (!(e instanceof QboError)) throw e;
      ctx.realm.stats.fault(e.code);
      return { bId, Fault: { Error: e.items, type: e.type } };
    }
  });
  return { BatchItemResponse: responses, time };
}
