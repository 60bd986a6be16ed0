// GET /v3/company/{realmId}/cdc?entities=Invoice,Payment&changedSince=<ISO>: change data capture as Intuit
// documents it (developer.intuit.com …/learn/explore-the-quickbooks-online-api/change-data-capture): full
// payloads of objects changed since the look-back date, at most 30 days back, at most 1,000 objects per
// response, deleted objects as `{Id, status: "Deleted"}`.
import { qboMetaTime } from '../clock.js';
import { defFor } from '../entities/registry.js';
import type { EntityName } from '../entities/types.js';
import { fault } from '../faults.js';
import type { Realm } from '../store.js';

export const CDC_LOOKBACK_MS = 30 * 24 * 3600 * 1000;
export const CDC_MAX_OBJECTS = 1000;
/** Intuit lists these as not available through CDC. */
const NOT_IN_CDC = new Set(['journalcode', 'taxagency', 'timeactivity', 'taxcode', 'taxrate']);

export function runCdc(realm: Realm, now: number, entitiesParam: string | undefined, since: string | undefined) {
  if (!entitiesParam) throw fault.required('entities');
  if (!since) throw fault.required('changedSince');
  const sinceMs = Date.parse(since);
  if (Number.isNaN(sinceMs)) throw fault.invalidProperty('changedSince', `changedSince ${since} is not a date-time`);
  // Intuit documents the limit, not the error it answers beyond it: a validation fault naming the limit.
  if (sinceMs < now - CDC_LOOKBACK_MS) {
    throw fault.business(
      'changedSince must be within the last 30 days (change data capture look-back limit)',
      'changedSince',
    );
  }
  const names: EntityName[] = [];
  for (const raw of entitiesParam.split(',')) {
    const name = raw.trim();
    const def = defFor(name.toLowerCase());
    if (!def || NOT_IN_CDC.has(name.toLowerCase()))
      throw fault.invalidProperty('entities', `${name} is not supported by CDC`);
    if (!names.includes(def.name)) names.push(def.name);
  }
  // Oldest changes first, cut at the cap: a client that resumes from the last LastUpdatedTime it read moves on.
  const changes = realm.changes.since(new Set(names), sinceMs).slice(0, CDC_MAX_OBJECTS);
  const byEntity = new Map<EntityName, object[]>();
  for (const c of changes) {
    const doc = realm.table(c.entity).get(c.id);
    const out = doc ?? {
      domain: 'QBO',
      status: 'Deleted',
      Id: c.id,
      MetaData: { LastUpdatedTime: qboMetaTime(c.at) },
    };
    const list = byEntity.get(c.entity) ?? [];
    list.push(out);
    byEntity.set(c.entity, list);
  }
  const queryResponses = names.map((n) => {
    const rows = byEntity.get(n);
    return rows ? { [n]: rows, startPosition: 1, maxResults: rows.length } : {};
  });
  return { CDCResponse: [{ QueryResponse: queryResponses }] };
}
