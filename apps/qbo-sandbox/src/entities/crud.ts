// Generic create / read / update / delete / void over an EntityDef, with SyncToken checks and indexes.
import { qboMetaTime } from '../clock.js';
import { fault } from '../faults.js';
import type { Realm } from '../store.js';
import { syncBalance } from './linking.js';
import type { Body, Doc, EntityDef, EntityName, WriteCtx } from './types.js';

function makeDoc(ctx: WriteCtx, id: string, syncToken: string, createTime: string, body: Body): Doc {
  return {
    ...body,
    domain: 'QBO',
    sparse: false,
    Id: id,
    SyncToken: syncToken,
    MetaData: { CreateTime: createTime, LastUpdatedTime: qboMetaTime(ctx.now) },
  };
}

/** The JSON view of a stored doc (Money -> number), as a client would have read it. */
export function plain(doc: Doc): Record<string, unknown> {
  return JSON.parse(JSON.stringify(doc)) as Record<string, unknown>;
}

/** Stores (or removes) a doc and runs the knock-on effects: links, customer balances, indexes. */
export function storeDoc(ctx: WriteCtx, def: EntityDef, prev: Doc | undefined, next: Doc | undefined): void {
  const table = ctx.realm.table(def.name);
  if (next) table.put(next);
  else if (prev) table.remove(prev.Id);
  def.afterWrite?.(ctx, prev, next);
  const id = (next ?? prev)?.Id;
  if (id === undefined) return;
  syncBalance(ctx, def.name, id, next);
  const operation = !prev ? 'Create' : !next ? 'Delete' : ctx.realm.voided.has(id) ? 'Void' : 'Update';
  ctx.realm.changes.note({ entity: def.name, id, operation, at: ctx.now });
}

/** Rewrites derived fields of a doc (Balance, LinkedTxn...) as QBO does: new SyncToken, new LastUpdatedTime. */
export function touchDoc(ctx: WriteCtx, entity: EntityName, doc: Doc, patch: Body): void {
  const next = makeDoc(ctx, doc.Id, String(Number(doc.SyncToken) + 1), doc.MetaData.CreateTime, { ...doc, ...patch });
  ctx.realm.table(entity).put(next);
  syncBalance(ctx, entity, next.Id, next);
  ctx.realm.changes.note({ entity, id: next.Id, operation: 'Update', at: ctx.now });
}

export function createEntity(ctx: WriteCtx, def: EntityDef, input: Record<string, unknown>, forcedId?: string): Doc {
  if (!def.canCreate && forcedId === undefined) throw fault.unsupported(`create for ${def.name}`);
  const body = def.build(ctx, input, undefined);
  const id = forcedId ?? ctx.realm.nextId(def.idFamily);
  const t = qboMetaTime(ctx.now);
  const doc = makeDoc(ctx, id, '0', t, body);
  storeDoc(ctx, def, undefined, doc);
  return doc;
}

export function readEntity(realm: Realm, def: EntityDef, id: string): Doc {
  const table = realm.table(def.name);
  const doc = table.get(id);
  if (doc) return doc;
  throw table.deleted.has(id) ? fault.deleted() : fault.notFound();
}

/** Resolves Id + SyncToken of a write request to the stored doc, or throws 2020/610/5010. */
function current(ctx: WriteCtx, def: EntityDef, input: Record<string, unknown>): Doc {
  const id = input['Id'];
  if (id === undefined || id === null || id === '') throw fault.required('Id');
  const token = input['SyncToken'];
  if (token === undefined || token === null || token === '') throw fault.required('SyncToken');
  const prev = readEntity(ctx.realm, def, String(id));
  if (String(token) !== prev.SyncToken) throw fault.stale();
  return prev;
}

export function updateEntity(ctx: WriteCtx, def: EntityDef, input: Record<string, unknown>): Doc {
  if (!def.canUpdate) throw fault.unsupported(`update for ${def.name}`);
  const prev = current(ctx, def, input);
  // Sparse: only the fields sent change. Full: omitted writable fields are cleared.
  const merged = input['sparse'] === true ? { ...plain(prev), ...input } : input;
  const body = def.build(ctx, merged, prev);
  const next = makeDoc(ctx, prev.Id, String(Number(prev.SyncToken) + 1), prev.MetaData.CreateTime, body);
  storeDoc(ctx, def, prev, next);
  return next;
}

export function deleteEntity(ctx: WriteCtx, def: EntityDef, input: Record<string, unknown>): Body {
  if (!def.canDelete) throw fault.unsupported(`delete for ${def.name}`);
  const prev = current(ctx, def, input);
  def.beforeRemove?.(ctx, prev);
  ctx.realm.voided.delete(prev.Id);
  storeDoc(ctx, def, prev, undefined);
  return { domain: 'QBO', status: 'Deleted', Id: prev.Id };
}

export function voidEntity(ctx: WriteCtx, def: EntityDef, input: Record<string, unknown>): Doc {
  if (!def.canVoid || !def.voidBody) throw fault.unsupported(`void for ${def.name}`);
  const prev = current(ctx, def, input);
  if (ctx.realm.voided.has(prev.Id)) throw fault.business('This transaction has already been voided.');
  def.beforeRemove?.(ctx, prev);
  const body = def.voidBody(ctx, prev);
  const next = makeDoc(ctx, prev.Id, String(Number(prev.SyncToken) + 1), prev.MetaData.CreateTime, body);
  ctx.realm.voided.add(prev.Id);
  storeDoc(ctx, def, prev, next);
  return next;
}
