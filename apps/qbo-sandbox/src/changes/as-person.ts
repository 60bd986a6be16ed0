// Changes "as a person in QuickBooks" (the sandbox admin API): what an accountant does in the QBO web app,
// so tests can cause drift. They go through the same rules as API writes (balances, links, SyncToken bump,
// change log and webhooks) but cost no API request and need no SyncToken from the caller.
import { deleteEntity, plain, updateEntity, voidEntity } from '../entities/crud.js';
import { defFor } from '../entities/registry.js';
import type { WriteCtx } from '../entities/types.js';
import { QboError } from '../faults.js';
import { SandboxError } from '../sandbox.js';

export type PersonAction =
  | { action: 'delete' }
  | { action: 'void' }
  | { action: 'edit'; patch: Record<string, unknown> };

export function actAsPerson(ctx: WriteCtx, entity: string, id: string, act: PersonAction): object {
  const def = defFor(entity.toLowerCase());
  if (!def) throw new SandboxError(404, `unknown entity ${entity}`);
  const doc = ctx.realm.table(def.name).get(id);
  if (!doc) throw new SandboxError(404, `${def.name} ${id} not found in realm ${ctx.realm.id}`);
  const ref = { Id: doc.Id, SyncToken: doc.SyncToken };
  try {
    switch (act.action) {
      case 'delete':
        return deleteEntity(ctx, def, ref);
      case 'void':
        return voidEntity(ctx, def, ref);
      case 'edit':
        return updateEntity(ctx, def, { ...plain(doc), ...act.patch, ...ref, sparse: true });
    }
  } catch (e) {
    if (e instanceof QboError) throw new SandboxError(400, `QuickBooks refused the change: ${e.message}`);
    throw e;
  }
}
