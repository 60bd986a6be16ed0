// Change data capture (GET /cdc): what changed in a company since a point in time, full objects, deleted ones
// as `{ Id, status: "Deleted" }`. Intuit: at most 30 days back, at most 1,000 objects per answer.
import { z } from 'zod';
import type { QboEntityBase } from './entities.js';
import { ServerError } from './errors/server-error.js';

/** Intuit's CDC look-back limit. */
export const CDC_LOOKBACK_MS = 30 * 24 * 3600 * 1000;
/** Intuit's per-answer object cap: an answer this full may have left changes out. */
export const CDC_MAX_OBJECTS = 1000;

/** One changed object; `deleted` when QBO reports it with `status: "Deleted"` (then only Id and MetaData). */
export interface CdcObject {
  entity: string;
  id: string;
  deleted: boolean;
  /** QBO's LastUpdatedTime, ms (undefined when QBO sent none). */
  lastUpdatedMs: number | undefined;
  object: QboEntityBase;
}

export interface CdcAnswer {
  objects: CdcObject[];
  /** The answer held the cap: read again from the newest `lastUpdatedMs` to get the rest. */
  capped: boolean;
}

const CdcBody = z.object({
  CDCResponse: z.array(z.object({ QueryResponse: z.array(z.record(z.string(), z.unknown())) })),
});
const CdcRow = z.looseObject({
  Id: z.string(),
  SyncToken: z.string().optional(),
  status: z.string().optional(),
  MetaData: z.looseObject({ LastUpdatedTime: z.string().optional() }).optional(),
});

export function cdcFrom(body: unknown, entities: readonly string[]): CdcAnswer {
  const parsed = CdcBody.safeParse(body);
  if (!parsed.success) throw new ServerError('QBO answered a CDC request without a CDCResponse');
  const objects: CdcObject[] = [];
  for (const qr of parsed.data.CDCResponse.flatMap((r) => r.QueryResponse)) {
    for (const entity of entities) {
      const rows = qr[entity];
      if (!Array.isArray(rows)) continue;
      for (const raw of rows) {
        const row = CdcRow.safeParse(raw);
        if (!row.success) throw new ServerError(`QBO answered a CDC ${entity} row without an Id`);
        const t = row.data.MetaData?.LastUpdatedTime;
        objects.push({
          entity,
          id: row.data.Id,
          deleted: row.data.status === 'Deleted',
          lastUpdatedMs: t === undefined ? undefined : Date.parse(t),
          object: row.data as unknown as QboEntityBase,
        });
      }
    }
  }
  return { objects, capped: objects.length >= CDC_MAX_OBJECTS };
}
