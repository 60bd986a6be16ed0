import type { Tenant } from '@qbo-sync/db/repositories/tenants';
import { findTenantByApiKey, getTenantSigningSecret } from '@qbo-sync/db/repositories/tenants';
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

/** onRequest hook: X-Api-Key → request.tenant, before any body is read. */
export function requireApiKey(deps: ApiDeps) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const apiKey = header(request, API_KEY_HEADER);
    if (!apiKey) {
      throw new ApiError(401, 'missing_api_key', 'Send your tenant API key in the X-Api-Key header.');
    }
    const tenant = await findTenantByApiKey(deps.db, apiKey);
    if (!tenant) {
      throw new ApiError(
        401,
        'invalid_api_key',
        'The X-Api-Key is not valid. Check for a rotated key; ask your administrator for the current one.',
      );
    }
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
