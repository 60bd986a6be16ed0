import type { Tenant } from '@qbo-sync/db/repositories/tenants';
import { findTenantByApiKey, getTenantSigningSecret, hashApiKey } from '@qbo-sync/db/repositories/tenants';
import { FailureLimiter, type FailureLimiterOptions } from '@qbo-sync/security';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiDeps } from './deps.js';
import { ApiError } from './errors.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifySignature } from './signature.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by requireApiKey: the tenant the X-Api-Key belongs to. */
    tenant: Tenant | null;
  }
}

export const API_KEY_HEADER = 'x-api-key';

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The tenant set by requireApiKey; throws if a route forgot the hook. */
export function tenantOf(request: FastifyRequest): Tenant {
  if (!request.tenant) throw new Error('route needs the requireApiKey hook');
  return request.tenant;
}

/**
 * Unknown API keys allowed per client address and window; beyond them the address's unknown keys get 429
 * without a database lookup until the window has passed (each was one PostgreSQL query).
 */
export const API_KEY_FAILURE_LIMIT: FailureLimiterOptions = { maxFailures: 20, windowMs: 60_000 };
/** How long an unknown key is answered from memory (a misconfigured client repeating one key costs nothing). */
export const UNKNOWN_KEY_MEMORY_MS = 10_000;
/** How long a key that authenticated stays exempt from its address's back-off (a tenant behind a shared NAT). */
const KNOWN_KEY_MEMORY_MS = 3_600_000;
const MAX_REMEMBERED_KEYS = 10_000;

/** Key hashes with an expiry, bounded (the oldest entry goes first); in memory, per API instance. */
class ExpiringSet {
  private readonly until = new Map<string, number>();
  constructor(private readonly ttlMs: number) {}
  has(key: string, now: number): boolean {
    const expires = this.until.get(key);
    if (expires !== undefined && expires <= now) this.until.delete(key);
    return expires !== undefined && expires > now;
  }
  add(key: string, now: number): void {
    this.until.delete(key);
    this.until.set(key, now + this.ttlMs);
    if (this.until.size > MAX_REMEMBERED_KEYS) {
      const oldest = this.until.keys().next().value;
      if (oldest !== undefined) this.until.delete(oldest);
    }
  }
  delete(key: string): void {
    this.until.delete(key);
  }
}

interface KeyMemory {
  failures: FailureLimiter;
  unknownKeys: ExpiringSet;
  knownKeys: ExpiringSet;
}
const keyMemories = new WeakMap<ApiDeps, KeyMemory>();
/** One memory per built API (every route plugin that checks keys gets the same deps object). */
function keyMemoryOf(deps: ApiDeps): KeyMemory {
  let memory = keyMemories.get(deps);
  if (!memory) {
    memory = {
      failures: new FailureLimiter(API_KEY_FAILURE_LIMIT),
      unknownKeys: new ExpiringSet(UNKNOWN_KEY_MEMORY_MS),
      knownKeys: new ExpiringSet(KNOWN_KEY_MEMORY_MS),
    };
    keyMemories.set(deps, memory);
  }
  return memory;
}

const invalidApiKey = () =>
  new ApiError(
    401,
    'invalid_api_key',
    'The X-Api-Key is not valid. Check for a rotated key; ask your administrator for the current one.',
  );

/**
 * onRequest hook: X-Api-Key → request.tenant, before any body is read. Failed authentication is bounded per
 * address: an address past API_KEY_FAILURE_LIMIT gets 429 for keys it has not used successfully, with no
 * lookup; an unknown key is remembered for UNKNOWN_KEY_MEMORY_MS. A key that authenticated is always looked
 * up (a rotation or deletion takes effect at once) and never throttled.
 */
export function requireApiKey(deps: ApiDeps) {
  const now = deps.now ?? Date.now;
  const { failures, unknownKeys, knownKeys } = keyMemoryOf(deps);
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const apiKey = header(request, API_KEY_HEADER);
    if (!apiKey) {
      throw new ApiError(401, 'missing_api_key', 'Send your tenant API key in the X-Api-Key header.');
    }
    const at = now();
    const hash = hashApiKey(apiKey);
    if (!knownKeys.has(hash, at)) {
      const waitMs = failures.blockedForMs(request.ip, at);
      if (waitMs > 0) {
        const seconds = Math.ceil(waitMs / 1000);
        reply.header('retry-after', String(seconds));
        throw new ApiError(
          429,
          'too_many_auth_failures',
          `Too many unknown API keys from this address; try again in ${seconds} s with your tenant's current key.`,
        );
      }
      if (unknownKeys.has(hash, at)) {
        failures.fail(request.ip, at);
        throw invalidApiKey();
      }
    }
    const tenant = await findTenantByApiKey(deps.db, apiKey);
    if (!tenant) {
      knownKeys.delete(hash);
      unknownKeys.add(hash, at);
      failures.fail(request.ip, at);
      throw invalidApiKey();
    }
    knownKeys.add(hash, at);
    request.tenant = tenant;
  };
}

/**
 * Verifies the HMAC over the raw body bytes (kept as a Buffer by the route's parser) and the timestamp's
 * replay window. Run after requireApiKey.
 */
export async function verifyRequestSignature(deps: ApiDeps, request: FastifyRequest, rawBody: Buffer): Promise<void> {
  const tenant = tenantOf(request);
  const secret = await getTenantSigningSecret(deps.db, deps.secrets, tenant.id);
  if (!secret) throw new ApiError(401, 'invalid_api_key', 'The tenant of this X-Api-Key no longer exists.');
  const check = verifySignature({
    secret,
    timestamp: header(request, TIMESTAMP_HEADER),
    signature: header(request, SIGNATURE_HEADER),
    rawBody,
    nowMs: (deps.now ?? Date.now)(),
    toleranceSeconds: deps.config.api.signatureToleranceSeconds,
  });
  if (!check.ok) throw new ApiError(401, check.reason, check.message);
}
