// The /v3/company/{realmId}/... pipeline: auth -> limits -> fault injection -> requestid -> dispatch.
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { qboTime } from '../clock.js';
import { fault, faultBody, type QboError } from '../faults.js';
import type { Sandbox } from '../sandbox.js';
import type { Realm } from '../store.js';
import { dispatch, failure } from './dispatch.js';
import { type ApiCall, resolveCall } from './resolve.js';

const BEARER = /^bearer\s+(\S+)\s*$/i;
let tidCounter = 0;

function send(reply: FastifyReply, realm: Realm | undefined, status: number, text: string): FastifyReply {
  reply
    .code(status)
    .header('content-type', 'application/json;charset=UTF-8')
    .header('intuit_tid', `1-sandbox-${(++tidCounter).toString(16)}`);
  const retryAfter = realm?.limiter.limits.retryAfterSeconds ?? 0;
  if (status === 429 && retryAfter > 0) reply.header('retry-after', String(retryAfter));
  return reply.send(text);
}

function sendFault(reply: FastifyReply, realm: Realm | undefined, err: QboError, time: string): FastifyReply {
  realm?.stats.fault(err.code);
  if (realm && err.status === 429) realm.stats.throttled429++;
  return send(reply, realm, err.status, JSON.stringify(faultBody(err, time)));
}

/** requestid rules: max 50 chars (36 for batch, whose bIds must then be at most 10). */
function checkRequestId(call: ApiCall, requestId: string): QboError | undefined {
  const max = call.op === 'batch' ? 36 : 50;
  if (requestId.length === 0 || requestId.length > max) return fault.stringLength('requestid', max, requestId.length);
  if (call.op === 'batch') {
    const items = call.json?.['BatchItemRequest'];
    if (Array.isArray(items) && items.some((i) => String((i as Record<string, unknown>)?.['bId']).length > 10)) {
      return fault.stringLength('bId', 10, 11);
    }
  }
  return undefined;
}

/** QBO's Stale Object fault code: the write's SyncToken was not the current one. */
const STALE_OBJECT = '5010';

async function handle(sb: Sandbox, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
  const params = req.params as { realmId: string; '*': string };
  const realm = sb.realms.get(params.realmId);
  const now = sb.clock.now();
  const token = BEARER.exec(req.headers.authorization ?? '')?.[1];
  if (!realm || !token || !sb.tokens.checkAccess(token, params.realmId)) {
    if (realm) realm.stats.requests++;
    return sendFault(reply, realm, fault.authentication(), qboTime(now));
  }
  realm.stats.requests++;
  const rest = params['*'];
  if (!realm.limiter.tryAcquire(now, /^batch\/?$/i.test(rest)))
    return sendFault(reply, realm, fault.throttle(), qboTime(now));
  try {
    const query = req.query as Record<string, string | undefined>;
    const body = typeof req.body === 'string' ? req.body : '';
    let call: ApiCall;
    try {
      call = resolveCall(req.method, rest, query, body);
    } catch (e) {
      const out = failure(sb.ctx(realm), e, qboTime(now));
      return send(reply, realm, out.status, out.text ?? JSON.stringify(out.body));
    }
    const inj = realm.injector.decide({ method: req.method, entity: call.entity, operation: call.op });
    if (inj.latencyMs > 0) await sleep(inj.latencyMs);
    const action = inj.action;
    if (action?.kind === 'http5xx')
      return sendFault(reply, realm, fault.system(action.status ?? 500), qboTime(sb.clock.now()));
    if (action?.kind === 'throttle') return sendFault(reply, realm, fault.throttle(), qboTime(sb.clock.now()));

    const requestId = call.isWrite ? query['requestid'] : undefined;
    let text: string | undefined;
    let status = 200;
    if (requestId !== undefined) {
      const bad = checkRequestId(call, requestId);
      if (bad) return sendFault(reply, realm, bad, qboTime(sb.clock.now()));
      const stored = realm.requestIds.get(requestId);
      if (stored) {
        realm.stats.requestIdReplays++;
        ({ status, body: text } = stored);
      }
    }
    if (text === undefined) {
      const out = dispatch(sb.ctx(realm, call.include), call);
      status = out.status;
      text = out.text ?? JSON.stringify(out.body);
      // Successful outcomes are remembered, so a retry after a fixed validation error can succeed; so is a
      // stale object (5010), as QBO answers a repeat: re-reading the SyncToken needs a new requestid too.
      if (requestId !== undefined && (status === 200 || out.faultCode === STALE_OBJECT))
        realm.requestIds.set(requestId, { status, body: text });
    }
    if (action?.kind === 'commit-then-drop') {
      reply.hijack();
      req.raw.socket.destroy();
      return undefined;
    }
    return send(reply, realm, status, text);
  } finally {
    realm.limiter.release();
  }
}

export function registerApi(app: FastifyInstance, sb: Sandbox): void {
  app.register(async (scope) => {
    // Bodies are parsed by the pipeline so bad JSON gets a QBO fault (and still counts against limits).
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    scope.route({
      method: ['GET', 'POST'],
      url: '/v3/company/:realmId/*',
      handler: (req, reply) => handle(sb, req, reply),
    });
  });
}
