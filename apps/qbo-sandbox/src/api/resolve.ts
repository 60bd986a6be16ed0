// Turns method + path + query + body into one API operation (used for routing and fault matching).
import { defFor } from '../entities/registry.js';
import type { EntityDef } from '../entities/types.js';
import { fault } from '../faults.js';

export type Operation =
  | 'create'
  | 'read'
  | 'update'
  | 'delete'
  | 'void'
  | 'query'
  | 'batch'
  | 'preferences'
  | 'companyinfo'
  | 'cdc';

export interface ApiCall {
  op: Operation;
  /** Lower-case resource name ("invoice", "query", "batch"...), for fault-rule matching. */
  entity: string;
  def?: EntityDef;
  id?: string;
  json?: Record<string, unknown>;
  text?: string;
  include: ReadonlySet<string>;
  /** Writes honour requestid. */
  isWrite: boolean;
  /** The CDC query's parameters (checked by runCdc). */
  cdc?: { entities: string | undefined; changedSince: string | undefined };
}

export function parseJsonObject(body: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = body.length === 0 ? undefined : JSON.parse(body);
  } catch (e) {
    throw fault.invalidProperty('', `Could not parse request body: ${(e as Error).message}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw fault.invalidProperty('', 'Request body must be a JSON object');
  }
  return v as Record<string, unknown>;
}

const NONE: ReadonlySet<string> = new Set();

function includes(raw: string | undefined): ReadonlySet<string> {
  if (!raw) return NONE;
  return new Set(raw.split(',').map((s) => s.trim().toLowerCase()));
}

export function resolveCall(
  method: string,
  path: string,
  query: Record<string, string | undefined>,
  body: string,
): ApiCall {
  const segs = path.split('/').filter((s) => s.length > 0);
  const head = (segs[0] ?? '').toLowerCase();
  const include = includes(query['include']);
  if (head === 'query' && segs.length === 1) {
    const text = method === 'GET' ? query['query'] : body;
    if (!text) throw fault.queryParse('Encountered "<EOF>" at line 1, column 1. Was expecting: "SELECT"');
    return { op: 'query', entity: 'query', text, include, isWrite: false };
  }
  if (head === 'batch' && segs.length === 1 && method === 'POST') {
    return { op: 'batch', entity: 'batch', json: parseJsonObject(body), include, isWrite: true };
  }
  if (head === 'cdc' && segs.length === 1 && method === 'GET') {
    return {
      op: 'cdc',
      entity: 'cdc',
      include,
      isWrite: false,
      cdc: { entities: query['entities'], changedSince: query['changedSince'] },
    };
  }
  if (head === 'preferences' && segs.length === 1 && method === 'GET') {
    return { op: 'preferences', entity: head, include, isWrite: false };
  }
  if (head === 'companyinfo' && segs.length === 2 && method === 'GET') {
    return { op: 'companyinfo', entity: head, id: segs[1], include, isWrite: false };
  }
  const def = defFor(head);
  if (def && def.path === head) {
    if (method === 'GET' && segs.length === 2)
      return { op: 'read', entity: head, def, id: segs[1], include, isWrite: false };
    if (method === 'POST' && segs.length === 1) {
      const json = parseJsonObject(body);
      const operation = (query['operation'] ?? '').toLowerCase();
      let op: Operation;
      if (operation === 'delete') op = 'delete';
      else if (operation === 'void' || (operation === 'update' && include.has('void'))) op = 'void';
      else if (operation === 'update') op = 'update';
      else if (operation === '' || operation === 'create')
        op = json['Id'] !== undefined && operation === '' ? 'update' : 'create';
      else throw fault.unsupported(operation);
      return { op, entity: head, def, json, include, isWrite: true };
    }
  }
  throw fault.unsupported(`${method} /${segs.join('/')}`);
}
