// The OAuth `state` of a connect flow: random, bound to one tenant, kept in Redis for a short while and
// usable once, so a forged, replayed or stale callback cannot attach a QBO company to a tenant.
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

/** Long enough to sign in to Intuit and pick a company; short enough that a leaked link soon dies. */
export const STATE_TTL_SECONDS = 600;

const STATE_FORMAT = /^[A-Za-z0-9_-]{32,64}$/;

/** `{qbo-sync}:oauth-state:<state>`: under the deployment's hash-tagged prefix, one key per flow. */
function stateKey(prefix: string, state: string): string {
  return `${prefix}:oauth-state:${state}`;
}

export async function createConnectState(redis: Redis, prefix: string, tenantId: string): Promise<string> {
  const state = randomBytes(24).toString('base64url');
  await redis.set(stateKey(prefix, state), tenantId, 'EX', STATE_TTL_SECONDS, 'NX');
  return state;
}

/** The tenant a state was issued for, consuming it; undefined when unknown, expired or already used. */
export async function consumeConnectState(redis: Redis, prefix: string, state: string): Promise<string | undefined> {
  if (!STATE_FORMAT.test(state)) return undefined;
  const tenantId = await redis.getdel(stateKey(prefix, state));
  return tenantId ?? undefined;
}
