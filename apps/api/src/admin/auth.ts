// Who may use the admin API, the queue dashboard, the console and /metrics. With ADMIN_TOKEN set: a bearer
// token, or the console's session cookie (browsers cannot add headers to dashboard navigation). Without it
// (development only; production config refuses to start): requests made on this machine, not through a proxy.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { Database } from '@qbo-sync/db';
import { isAdminSessionEnded } from '@qbo-sync/db/repositories/admin-sessions';
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
/**
 * Wrong admin tokens allowed per client address and window before further wrong ones get 429 for the rest of
 * the window. The right token always gets in: the address may be a proxy every operator shares, and a guesser
 * (or a web page) must not be able to lock them out.
 */
export const ADMIN_FAILURE_LIMIT = ADMIN_WRONG_TOKEN_LIMIT;

/**
 * How a request passed: the shared ADMIN_TOKEN (bearer), an operator's bearer token (looked up beforehand,
 * see identity.ts), a console session (naming `admin` or an operator id), or this machine without ADMIN_TOKEN.
 */
export type AdminCheck =
  | { ok: true; via: 'token' | 'operator' | 'local' }
  | { ok: true; via: 'session'; subject: SessionSubject }
  | { ok: false; status: number; code: string; message: string; retryAfterSeconds?: number };

/**
 * What the checks share across one API instance: the public URL (own origin), the bad-token counter and the
 * database (sessions ended by a sign-out).
 */
export interface AdminContext {
  publicUrl?: string;
  failures?: FailureLimiter;
  db?: Database;
}
const contexts = new WeakMap<ApiDeps, AdminContext>();
/** One context per built API (buildApi hands every plugin the same deps object). */
export function adminContext(deps: ApiDeps): AdminContext {
  let ctx = contexts.get(deps);
  if (!ctx) {
    ctx = { publicUrl: deps.config.api.publicUrl, failures: new FailureLimiter(ADMIN_FAILURE_LIMIT), db: deps.db };
    contexts.set(deps, ctx);
  }
  return ctx;
}

export function factsOf(request: FastifyRequest): RequestFacts {
  return { method: request.method, headers: request.headers, remoteAddress: request.socket.remoteAddress };
}

/** Who a console session belongs to: the shared admin token, or an operator (by id). */
export type SessionSubject = 'admin' | number;

function sessionMac(token: string, expiresAtMs: number, nonce: string, subject: SessionSubject): string {
  return createHmac('sha256', token)
    .update(`qbo-sync admin session ${expiresAtMs} ${nonce} ${subject}`)
    .digest('base64url');
}

/**
 * The cookie value of a console session: expiry + a random nonce (each sign-in its own session, so a sign-out
 * ends only that one) + who signed in (`admin` or an operator id; revoking the operator ends it, checked on
 * every request) + HMAC keyed by the admin token (rotating the token ends every session).
 */
export function sessionValue(token: string, expiresAtMs: number, subject: SessionSubject = 'admin'): string {
  const nonce = randomBytes(16).toString('base64url');
  return `${expiresAtMs}.${nonce}.${subject}.${sessionMac(token, expiresAtMs, nonce, subject)}`;
}

/** The expiry and subject of a well-signed, unexpired session value; undefined otherwise (ended sessions aside). */
export function verifySession(
  token: string,
  value: string,
  nowMs: number,
): { expiresAtMs: number; subject: SessionSubject } | undefined {
  const [expires, nonce, who, mac] = value.split('.');
  const expiresAtMs = Number(expires);
  const subject: SessionSubject | undefined =
    who === 'admin' ? 'admin' : /^[1-9]\d{0,15}$/.test(who ?? '') ? Number(who) : undefined;
  if (!nonce || !mac || subject === undefined || !Number.isSafeInteger(expiresAtMs) || expiresAtMs <= nowMs) {
    return undefined;
  }
  return sameSecret(mac, sessionMac(token, expiresAtMs, nonce, subject)) ? { expiresAtMs, subject } : undefined;
}

/** How a session is named in the database: its hash, since the cookie value is a credential. */
export const sessionHash = (value: string): string => createHash('sha256').update(value).digest('hex');

/** The session's subject while it is live (well signed, unexpired, not signed out); undefined otherwise. */
async function liveSession(
  token: string,
  value: string,
  nowMs: number,
  db: Database | undefined,
): Promise<SessionSubject | undefined> {
  const verified = verifySession(token, value, nowMs);
  if (!verified) return undefined;
  return db && (await isAdminSessionEnded(db, sessionHash(value))) ? undefined : verified.subject;
}

export function cookieValue(request: FastifyRequest, name: string): string | undefined {
  for (const part of (header(factsOf(request), 'cookie') ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

const fail = (status: number, code: string, message: string): AdminCheck => ({ ok: false, status, code, message });

/** 403 for a change (or a sign-in) made by another site's page. */
export function crossOrigin(facts: RequestFacts, ctx: AdminContext): AdminCheck | undefined {
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

/** 429 for a wrong token while the client's address has used up its wrong-token allowance. */
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

export async function checkAdmin(
  token: string | undefined,
  request: FastifyRequest,
  nowMs: number,
  ctx: AdminContext = {},
  /** The request's bearer is a known, active operator token (identity.ts looked it up). */
  operatorBearer = false,
): Promise<AdminCheck> {
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
    const bearer = bearerResult(facts, token);
    if (bearer === 'valid') return crossOrigin(facts, ctx) ?? { ok: true, via: 'token' };
    if (bearer === 'wrong') {
      const limited = throttled(ctx, request, nowMs);
      if (limited) return limited;
      noteWrongToken(ctx, request, nowMs);
      return fail(
        401,
        'invalid_admin_token',
        'The admin token is wrong. Send Authorization: Bearer <ADMIN_TOKEN> with the value configured on the server.',
      );
    }
    const session = cookieValue(request, ADMIN_COOKIE);
    const subject = session ? await liveSession(token, session, nowMs, ctx.db) : undefined;
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
