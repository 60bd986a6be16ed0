// Who may use the admin API, the queue dashboard, the console and /metrics. With ADMIN_TOKEN set: a bearer
// token, or the console's session cookie (browsers cannot add headers to dashboard navigation). Without it
// (development only; production config refuses to start): requests made on this machine, not through a proxy.
import { createHmac } from 'node:crypto';
import {
  ADMIN_WRONG_TOKEN_LIMIT,
  bearerResult,
  crossOriginReason,
  FailureLimiter,
  header,
  isLoopbackHost,
  isSystemRequest,
  notLocalReason,
  type RequestFacts,
  sameSecret,
} from '@qbo-sync/security';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { assertRole, authenticateAdmin } from './identity.js';

export { isLoopbackAddress, isLoopbackHost, sameSecret } from '@qbo-sync/security';

export const ADMIN_COOKIE = 'qbo_sync_admin';
/** A console sign-in lasts a working day. */
export const SESSION_TTL_MS = 12 * 3600 * 1000;
/** Wrong admin tokens allowed per client address and window before it gets 429 for the rest of the window. */
export const ADMIN_FAILURE_LIMIT = ADMIN_WRONG_TOKEN_LIMIT;

/**
 * How a request passed: the shared ADMIN_TOKEN (bearer), an operator's bearer token (looked up beforehand,
 * see identity.ts), a console session (naming `admin` or an operator id), or this machine without ADMIN_TOKEN.
 */
export type AdminCheck =
  | { ok: true; via: 'token' | 'operator' | 'local' }
  | { ok: true; via: 'session'; subject: SessionSubject }
  | { ok: false; status: number; code: string; message: string; retryAfterSeconds?: number };

/** What the checks share across one API instance: the public URL (own origin) and the bad-token counter. */
export interface AdminContext {
  publicUrl?: string;
  failures?: FailureLimiter;
}
const contexts = new WeakMap<ApiDeps, AdminContext>();
/** One context per built API (buildApi hands every plugin the same deps object). */
export function adminContext(deps: ApiDeps): AdminContext {
  let ctx = contexts.get(deps);
  if (!ctx) {
    ctx = { publicUrl: deps.config.api.publicUrl, failures: new FailureLimiter(ADMIN_FAILURE_LIMIT) };
    contexts.set(deps, ctx);
  }
  return ctx;
}

function factsOf(request: FastifyRequest): RequestFacts {
  return { method: request.method, headers: request.headers, remoteAddress: request.socket.remoteAddress };
}

/** Who a console session belongs to: the shared admin token, or an operator (by id). */
export type SessionSubject = 'admin' | number;

function sessionMac(token: string, expiresAtMs: number, subject: SessionSubject): string {
  return createHmac('sha256', token).update(`qbo-sync admin session ${expiresAtMs} ${subject}`).digest('base64url');
}

/**
 * The cookie value of a console session: expiry, who signed in, HMAC keyed by the admin token (rotating the
 * token ends every session; revoking an operator ends theirs, checked on every request).
 */
export function sessionValue(token: string, expiresAtMs: number, subject: SessionSubject = 'admin'): string {
  return `${expiresAtMs}.${subject}.${sessionMac(token, expiresAtMs, subject)}`;
}

/** The session's subject, or undefined when the value is forged, malformed or expired. */
export function verifySession(token: string, value: string, nowMs: number): SessionSubject | undefined {
  const [expires, who, mac] = value.split('.');
  const expiresAtMs = Number(expires);
  const subject: SessionSubject | undefined =
    who === 'admin' ? 'admin' : /^[1-9]\d{0,15}$/.test(who ?? '') ? Number(who) : undefined;
  if (!mac || subject === undefined || !Number.isSafeInteger(expiresAtMs) || expiresAtMs <= nowMs) return undefined;
  return sameSecret(mac, sessionMac(token, expiresAtMs, subject)) ? subject : undefined;
}

export function cookieValue(request: FastifyRequest, name: string): string | undefined {
  for (const part of (header(factsOf(request), 'cookie') ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

const fail = (status: number, code: string, message: string): AdminCheck => ({ ok: false, status, code, message });

function crossOrigin(facts: RequestFacts, ctx: AdminContext): AdminCheck | undefined {
  const why = crossOriginReason(facts, ctx.publicUrl);
  if (!why) return undefined;
  return fail(
    403,
    'cross_origin_refused',
    `Admin changes are accepted only from this API's own pages, and ${why}. Use the console at /console or the CLI.`,
  );
}

/** Records a wrong admin token (sign-in form or bearer) against the client's address. */
export function noteWrongToken(ctx: AdminContext, request: FastifyRequest, nowMs: number): void {
  ctx.failures?.fail(request.ip, nowMs);
}

/** 429 while the client's address has used up its wrong-token allowance. */
export function throttled(ctx: AdminContext, request: FastifyRequest, nowMs: number): AdminCheck | undefined {
  const waitMs = ctx.failures?.blockedForMs(request.ip, nowMs) ?? 0;
  if (waitMs <= 0) return undefined;
  const retryAfterSeconds = Math.ceil(waitMs / 1000);
  return {
    ok: false,
    status: 429,
    code: 'too_many_admin_failures',
    message: `Too many wrong admin tokens from this address; try again in ${retryAfterSeconds} s with the right one.`,
    retryAfterSeconds,
  };
}

export function checkAdmin(
  token: string | undefined,
  request: FastifyRequest,
  nowMs: number,
  ctx: AdminContext = {},
  /** The request's bearer is a known, active operator token (identity.ts looked it up). */
  operatorBearer = false,
): AdminCheck {
  const facts = factsOf(request);
  if (isSystemRequest(facts)) {
    return fail(
      403,
      'system_request_refused',
      'Requests made by qbo-sync itself (tenant callbacks) are never admin requests.',
    );
  }
  if (operatorBearer) return crossOrigin(facts, ctx) ?? { ok: true, via: 'operator' };
  if (token) {
    const limited = throttled(ctx, request, nowMs);
    if (limited) return limited;
    const bearer = bearerResult(facts, token);
    if (bearer === 'valid') {
      ctx.failures?.succeed(request.ip);
      return crossOrigin(facts, ctx) ?? { ok: true, via: 'token' };
    }
    if (bearer === 'wrong') {
      noteWrongToken(ctx, request, nowMs);
      return fail(
        401,
        'invalid_admin_token',
        'The admin token is wrong. Send Authorization: Bearer <ADMIN_TOKEN> with the value configured on the server.',
      );
    }
    const session = cookieValue(request, ADMIN_COOKIE);
    const subject = session ? verifySession(token, session, nowMs) : undefined;
    if (subject !== undefined) return crossOrigin(facts, ctx) ?? { ok: true, via: 'session', subject };
    return fail(
      401,
      'admin_auth_required',
      'This needs the admin token: send Authorization: Bearer <ADMIN_TOKEN>, or sign in at /console.',
    );
  }
  const local =
    'ADMIN_TOKEN is not set, so the admin API, dashboard and console answer only requests made on this machine';
  const notLocal = notLocalReason(facts);
  if (notLocal)
    return fail(403, 'admin_loopback_only', `${local} (${notLocal}). Set ADMIN_TOKEN to use them remotely.`);
  const origin = header(facts, 'origin');
  if (origin !== undefined && !isLoopbackHost(origin)) {
    return fail(403, 'cross_origin_refused', `${local}; this request came from the web page ${origin}.`);
  }
  return crossOrigin(facts, ctx) ?? { ok: true, via: 'local' };
}

/** Sends a failed check as the error it is (with Retry-After when throttled). */
export function refuse(check: Extract<AdminCheck, { ok: false }>, reply: FastifyReply): never {
  if (check.retryAfterSeconds !== undefined) reply.header('retry-after', String(check.retryAfterSeconds));
  throw new ApiError(check.status, check.code, check.message);
}

/** onRequest hook guarding a plugin's routes: who is asking (request.operator), and may their role do this. */
export function requireAdmin(deps: ApiDeps) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    request.operator = await authenticateAdmin(deps, request, reply);
    assertRole(request);
  };
}
