// Who may use the admin API, the queue dashboard, the console and /metrics. With ADMIN_TOKEN set: a bearer
// token, or the console's session cookie (browsers cannot add headers to dashboard navigation). Without it
// (development only; production config refuses to start): requests made on this machine, not through a proxy.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiDeps } from '../deps.js';
import { ApiError } from '../errors.js';

export const ADMIN_COOKIE = 'qbo_sync_admin';
/** A console sign-in lasts a working day. */
export const SESSION_TTL_MS = 12 * 3600 * 1000;

export type AdminCheck = { ok: true } | { ok: false; status: number; code: string; message: string };

const PROXY_HEADERS = ['x-forwarded-for', 'x-forwarded-host', 'forwarded', 'x-real-ip'];

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** 127.0.0.0/8 and ::1, also as IPv4-mapped IPv6. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  if (address === '::1') return true;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

/** A Host or Origin naming this machine (defeats DNS rebinding of a loopback-only API). */
export function isLoopbackHost(hostOrUrl: string | undefined): boolean {
  if (!hostOrUrl) return false;
  let hostname: string;
  try {
    hostname = new URL(hostOrUrl.includes('://') ? hostOrUrl : `http://${hostOrUrl}`).hostname;
  } catch {
    return false;
  }
  if (hostname === 'localhost' || hostname.endsWith('.localhost')) return true;
  return isLoopbackAddress(hostname.replace(/^\[|\]$/g, ''));
}

/** Constant-time comparison of two secrets of any length. */
export function sameSecret(a: string, b: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(a), digest(b));
}

function sessionMac(token: string, expiresAtMs: number): string {
  return createHmac('sha256', token).update(`qbo-sync admin session ${expiresAtMs}`).digest('base64url');
}

/** The cookie value of a console session: expiry + HMAC keyed by the admin token (rotating the token ends it). */
export function sessionValue(token: string, expiresAtMs: number): string {
  return `${expiresAtMs}.${sessionMac(token, expiresAtMs)}`;
}

export function verifySession(token: string, value: string, nowMs: number): boolean {
  const [expires, mac] = value.split('.');
  const expiresAtMs = Number(expires);
  if (!mac || !Number.isSafeInteger(expiresAtMs) || expiresAtMs <= nowMs) return false;
  return sameSecret(mac, sessionMac(token, expiresAtMs));
}

export function cookieValue(request: FastifyRequest, name: string): string | undefined {
  for (const part of (header(request, 'cookie') ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** A browser request from another site (cookies ride along; a bearer header never does). */
function crossSite(request: FastifyRequest): boolean {
  const site = header(request, 'sec-fetch-site');
  if (site && site !== 'same-origin' && site !== 'none') return true;
  const origin = header(request, 'origin');
  if (!origin) return false;
  try {
    return new URL(origin).host !== header(request, 'host');
  } catch {
    return true;
  }
}

const fail = (status: number, code: string, message: string): AdminCheck => ({ ok: false, status, code, message });

export function checkAdmin(token: string | undefined, request: FastifyRequest, nowMs: number): AdminCheck {
  if (token) {
    const auth = header(request, 'authorization');
    if (auth !== undefined) {
      const bearer = /^Bearer\s+(\S+)\s*$/i.exec(auth)?.[1];
      if (bearer && sameSecret(bearer, token)) return { ok: true };
      return fail(
        401,
        'invalid_admin_token',
        'The admin token is wrong. Send Authorization: Bearer <ADMIN_TOKEN> with the value configured on the server.',
      );
    }
    const session = cookieValue(request, ADMIN_COOKIE);
    if (session && verifySession(token, session, nowMs)) {
      if (!SAFE_METHODS.has(request.method) && crossSite(request)) {
        return fail(403, 'cross_origin_refused', 'Admin changes are accepted only from the console page itself.');
      }
      return { ok: true };
    }
    return fail(
      401,
      'admin_auth_required',
      'This needs the admin token: send Authorization: Bearer <ADMIN_TOKEN>, or sign in at /console.',
    );
  }
  const local =
    'ADMIN_TOKEN is not set, so the admin API, dashboard and console answer only requests made on this machine';
  if (PROXY_HEADERS.some((h) => header(request, h) !== undefined)) {
    return fail(403, 'admin_loopback_only', `${local}, not through a proxy. Set ADMIN_TOKEN to use them remotely.`);
  }
  if (!isLoopbackAddress(request.socket.remoteAddress) || !isLoopbackHost(header(request, 'host'))) {
    return fail(403, 'admin_loopback_only', `${local} (127.0.0.1 or localhost). Set ADMIN_TOKEN to use them remotely.`);
  }
  const origin = header(request, 'origin');
  if (origin !== undefined && !isLoopbackHost(origin)) {
    return fail(403, 'cross_origin_refused', `${local}; this request came from the web page ${origin}.`);
  }
  return { ok: true };
}

/** onRequest hook guarding a plugin's routes. */
export function requireAdmin(deps: ApiDeps) {
  const now = deps.now ?? Date.now;
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const check = checkAdmin(deps.config.api.adminToken, request, now());
    if (!check.ok) throw new ApiError(check.status, check.code, check.message);
  };
}
