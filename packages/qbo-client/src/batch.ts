// QBO batch: up to 30 operations in one request (one budget slot, one requestid for the whole batch).
import { z } from 'zod';
import type { BatchItem, BatchResult } from './entities.js';
import { ValidationError } from './errors/validation-error.js';
import { errorFromFaultItem, FaultSchema } from './faults.js';

/** Intuit recommends at most 30 payloads per batch; bIds are ≤ 10 chars when a requestid is sent. */
export const MAX_BATCH_ITEMS = 30;
const BID = /^[\w-]{1,10}$/;

export function batchBody(items: readonly BatchItem[]): { BatchItemRequest: Record<string, unknown>[] } {
  if (items.length === 0 || items.length > MAX_BATCH_ITEMS) {
    throw new ValidationError(`a batch holds 1..${MAX_BATCH_ITEMS} items, got ${items.length}`);
  }
  const seen = new Set<string>();
  const BatchItemRequest = items.map((item) => {
    if (!BID.test(item.bId) || seen.has(item.bId)) {
      throw new ValidationError(`batch bId ${JSON.stringify(item.bId)} must be unique, ≤ 10 word characters`);
    }
    seen.add(item.bId);
    if ('query' in item) return { bId: item.bId, Query: item.query.toString() };
    return { bId: item.bId, operation: item.operation, [item.entity]: item.body };
  });
  return { BatchItemRequest };
}

const BatchResponse = z.object({
  BatchItemResponse: z.array(z.looseObject({ bId: z.string(), Fault: FaultSchema.optional() })),
});

/** Results in request order; a failed item carries its typed error instead of throwing the whole batch. */
export function batchResults(body: unknown, items: readonly BatchItem[], status: number): BatchResult[] {
  const parsed = BatchResponse.safeParse(body);
  if (!parsed.success) throw new ValidationError('QBO answered a batch without BatchItemResponse');
  const byId = new Map(parsed.data.BatchItemResponse.map((r) => [r.bId, r]));
  return items.map((item): BatchResult => {
    const r = byId.get(item.bId);
    if (!r) return { bId: item.bId, ok: false, error: new ValidationError(`batch item ${item.bId} has no answer`) };
    if (r.Fault) {
      const first = r.Fault.Error[0];
      return {
        bId: item.bId,
        ok: false,
        error: errorFromFaultItem(first ?? {}, { status }),
      };
    }
    const entity = 'query' in item ? 'QueryResponse' : item.entity;
    return { bId: item.bId, ok: true, entity, value: (r as Record<string, unknown>)[entity] };
  });
}
