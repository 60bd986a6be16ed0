// Executes one resolved API call against a realm and shapes the QBO response body.
import { runCdc } from '../changes/cdc.js';
import { qboTime } from '../clock.js';
import { companyInfo } from '../entities/company.js';
import { readEntity } from '../entities/crud.js';
import type { EntityDef, WriteCtx } from '../entities/types.js';
import { fault, faultBody, QboError } from '../faults.js';
import { docJson, entityResponse } from '../json.js';
import { runQuery } from '../query/execute.js';
import { runBatch } from './batch.js';
import { entityOp } from './entity-op.js';
import type { ApiCall } from './resolve.js';

export interface Outcome {
  status: number;
  /** Either a body to serialise or the serialised text itself. */
  body?: unknown;
  text?: string;
  /** The QBO fault code of a failure. */
  faultCode?: string;
}

export function dispatch(ctx: WriteCtx, call: ApiCall): Outcome {
  const { realm } = ctx;
  const time = qboTime(ctx.now);
  try {
    switch (call.op) {
      case 'query':
        return {
          status: 200,
          text: `{"QueryResponse":${queryJson(runQuery(realm, call.text ?? ''))},"time":"${time}"}`,
        };
      case 'batch':
        return { status: 200, body: runBatch(ctx, call.json ?? {}, time) };
      case 'cdc':
        return { status: 200, body: { ...runCdc(realm, ctx.now, call.cdc?.entities, call.cdc?.changedSince), time } };
      case 'preferences':
        return { status: 200, body: { Preferences: realm.prefs, time } };
      case 'companyinfo':
        if (call.id !== realm.id) throw fault.notFound();
        return { status: 200, body: { CompanyInfo: companyInfo(realm), time } };
      case 'read': {
        const def = call.def as EntityDef;
        return { status: 200, text: entityResponse(def.name, readEntity(realm, def, call.id ?? ''), time) };
      }
      default: {
        const def = call.def as EntityDef;
        return { status: 200, text: entityResponse(def.name, entityOp(ctx, def, call.op, call.json ?? {}), time) };
      }
    }
  } catch (e) {
    return failure(ctx, e, time);
  }
}

/** QueryResponse JSON with the rows spliced in from the per-doc cache. */
function queryJson(qr: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(qr)) {
    parts.push(`"${k}":${Array.isArray(v) ? `[${v.map((d: object) => docJson(d)).join(',')}]` : JSON.stringify(v)}`);
  }
  return `{${parts.join(',')}}`;
}

export function failure(ctx: WriteCtx, e: unknown, time: string): Outcome {
  const err = e instanceof QboError ? e : fault.system(500);
  if (!(e instanceof QboError)) console.error('qbo-sandbox internal error', e);
  ctx.realm.stats.fault(err.code);
  return { status: err.status, body: faultBody(err, time), faultCode: err.code };
}
