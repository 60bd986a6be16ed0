// One entity write, shared by single requests and batch items; counts successful writes per entity.
import { createEntity, deleteEntity, updateEntity, voidEntity } from '../entities/crud.js';
import type { EntityDef, WriteCtx } from '../entities/types.js';
import { fault } from '../faults.js';

export function entityOp(ctx: WriteCtx, def: EntityDef, op: string, json: Record<string, unknown>): object {
  let result: object;
  switch (op) {
    case 'create':
      result = createEntity(ctx, def, json);
      break;
    case 'update':
      result = updateEntity(ctx, def, json);
      break;
    case 'delete':
      result = deleteEntity(ctx, def, json);
      break;
    case 'void':
      result = voidEntity(ctx, def, json);
      break;
    default:
      throw fault.unsupported(op);
  }
  ctx.realm.stats.write(def.name);
  return result;
}
