// Who may use the admin surfaces (the API's admin routes and /metrics, the worker's /metrics): the checks
// that need only the request's method, headers and peer address, shared so every surface decides alike.
import { createHash, timingSafeEqual } from 'node:crypto';

/** What a check needs of a request; node's IncomingMessage and fastify's request both provide it. */
export interface RequestFacts {
  method: string;
  headers: Record<string, string | string[] | undefined>;
  remoteAddress: string | undefined;
}

/**
 * Marks requests the system itself makes (tenant callbacks). The admin surfaces refuse them: a request our
 * worker sends from this machine must never be taken for an operator on this machine.
 */
export const SYSTEM_REQUEST_HEADER = 'x-qbo-sync-delivery';

const PROXY_HEADERS = ['x-forwarded-for', 'x-forwarded-host', 'forwarded', 'x-real-ip'];
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function header(facts: Pick<RequestFacts, 'headers'>, name: string): string | undefined {
  const value = facts.headers[name];
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

/** Constant-time comparison of two secrets of any length (both hashed, so lengths are equal). */
export function sameSecret(a: string, b: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(a), digest(b));
}

export type BearerResult = 'absent' | 'valid' | 'wrong';
/** `Authorization: Bearer <token>` against the configured token; a malformed header counts as wrong. */
export function bearerResult(facts: Pick<RequestFacts, 'headers'>, token: string): BearerResult {
  const auth = header(facts, 'authorization');
  if (auth === undefined) return 'absent';
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(auth)?.[1];
  return bearer && sameSecret(bearer, token) ? 'valid' : 'wrong';
}

export function isSystemRequest(facts: Pick<RequestFacts, 'headers'>): boolean {
  return header(facts, SYSTEM_REQUEST_HEADER) !== undefined;
}

/** Without ADMIN_TOKEN: why a request is not "an operator on this machine", or undefined when it is. */
export function notLocalReason(facts: RequestFacts): string | undefined {
  if (PROXY_HEADERS.some((h) => header(facts, h) !== undefined)) return 'not through a proxy';
  if (!isLoopbackAddress(facts.remoteAddress) || !isLoopbackHost(header(facts, 'host'))) {
    return '127.0.0.1 or localhost';
  }
  return undefined;
}

function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

/**
 * A state-changing request must come from the API's own pages: an Origin other than the one the request
 * was addressed to (or the public URL), or a browser saying the request is cross-site or same-site (another
 * port on localhost is "same-site"), is refused. Tools such as the CLI and curl send neither header.
 */
export function crossOriginReason(facts: RequestFacts, publicUrl?: string): string | undefined {
  if (SAFE_METHODS.has(facts.method.toUpperCase())) return undefined;
  const site = header(facts, 'sec-fetch-site');
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    return `the browser marked it ${site} (Sec-Fetch-Site)`;
  }
  const origin = header(facts, 'origin');
  if (origin === undefined) return undefined;
  const host = header(facts, 'host');
  const own = new Set([host ? originOf(`http://${host}`) : undefined, host ? originOf(`https://${host}`) : undefined]);
  if (publicUrl) own.add(originOf(publicUrl));
  const given = originOf(origin);
  if (given !== undefined && own.has(given)) return undefined;
  return `it came from the web page ${origin}`;
}
