// The only place that touches intuit-oauth. Its endpoint URLs and retry settings are static class
// properties, i.e. process-global: they are set here, from config, and nowhere else.
import type { Config } from '@qbo-sync/config';
import OAuthClient from 'intuit-oauth';
import { z } from 'zod';
import { AuthError } from '../errors/auth-error.js';
import { NeedsReconnectError } from '../errors/needs-reconnect-error.js';
import { NetworkError } from '../errors/network-error.js';
import type { QboError } from '../errors/qbo-error.js';
import { ServerError } from '../errors/server-error.js';

export type QboSettings = Config['qbo'];
export const ACCOUNTING_SCOPE = 'com.intuit.quickbooks.accounting';

/** What the token endpoint returns (and what saveGrant accepts). */
export const TokenSet = z.object({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1),
  /** Seconds; 3600 at Intuit. */
  expires_in: z.coerce.number().positive(),
  /** Seconds; about 100 days at Intuit. */
  x_refresh_token_expires_in: z.coerce.number().positive(),
  token_type: z.string().optional(),
});
export type TokenSet = z.infer<typeof TokenSet>;

let configuredFor: string | undefined;

/**
 * Points intuit-oauth at the configured endpoints. Its own retry (3×, 1/2/4 s: up to 4 token calls and 7 s
 * of sleeping per refresh) is cut to one retry after 250 ms, so one refresh is at most 2 token calls inside
 * our deadline (min(http timeout, 20 s)) while other workers wait on the Redis lock; BullMQ retries the job
 * after that.
 * Returns a warning when a different configuration was already applied in this process (last one wins).
 */
export function configureIntuitOAuth(qbo: QboSettings): string | undefined {
  const signature = [qbo.authorizeUrl, qbo.tokenUrl, qbo.revokeUrl, qbo.apiBaseUrl].join(' ');
  const previous = configuredFor;
  OAuthClient.authorizeEndpoint = qbo.authorizeUrl;
  OAuthClient.tokenEndpoint = qbo.tokenUrl;
  OAuthClient.revokeEndpoint = qbo.revokeUrl;
  const apiBase = qbo.apiBaseUrl.endsWith('/') ? qbo.apiBaseUrl : `${qbo.apiBaseUrl}/`;
  OAuthClient.environment = { sandbox: apiBase, production: apiBase };
  OAuthClient.retryConfig = {
    maxRetries: 1,
    retryDelay: 250,
    retryableStatusCodes: [408, 500, 502, 503, 504],
    retryableErrors: ['ECONNRESET', 'ECONNREFUSED'],
  };
  configuredFor = signature;
  return previous !== undefined && previous !== signature
    ? 'intuit-oauth endpoints were already configured differently in this process; the latest configuration now applies'
    : undefined;
}

/** A fresh instance per operation: instances keep token state, which must never leak between tenants. */
export function newOAuthClient(qbo: QboSettings): OAuthClient {
  return new OAuthClient({
    clientId: qbo.clientId,
    clientSecret: qbo.clientSecret,
    environment: qbo.target === 'intuit' && qbo.apiBaseUrl.includes('sandbox') ? 'sandbox' : 'production',
    redirectUri: qbo.redirectUri,
    logging: false,
  });
}

interface TokenEndpointError {
  message?: unknown;
  error?: unknown;
  error_description?: unknown;
  code?: unknown;
  intuit_tid?: unknown;
  authResponse?: { response?: { status?: unknown } } | string;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/**
 * Maps an intuit-oauth failure to a QboError whose message names the failure only: the library's error
 * object carries the request (with the refresh token in its body), so it is never passed on or logged.
 */
export function tokenEndpointError(err: unknown, what: string): QboError {
  const e = (typeof err === 'object' && err !== null ? err : {}) as TokenEndpointError;
  const error = str(e.error) ?? str(e.message) ?? '';
  const status =
    typeof e.authResponse === 'object' && typeof e.authResponse.response?.status === 'number'
      ? e.authResponse.response.status
      : undefined;
  const intuitTid = str(e.intuit_tid);
  const details = { status, intuitTid, detail: str(e.error_description) };
  if (error === 'invalid_grant') {
    return new NeedsReconnectError(`${what}: QuickBooks rejected the grant (invalid_grant)`, {
      ...details,
      qboCode: 'invalid_grant',
    });
  }
  if (error === 'invalid_client' || status === 401) {
    return new AuthError(`${what}: QuickBooks rejected the app's client id/secret`, { ...details, qboCode: error });
  }
  if (status !== undefined && status >= 500)
    return new ServerError(`${what}: token endpoint answered ${status}`, details);
  if (status === undefined) {
    const code = str(e.code) ?? (/\b(E[A-Z]{4,})\b/.exec(error)?.[1] || undefined);
    return new NetworkError(`${what}: no answer from the token endpoint${code ? ` (${code})` : ''}`, details);
  }
  return new AuthError(`${what}: token endpoint answered ${status}${error ? ` (${error.slice(0, 80)})` : ''}`, {
    ...details,
    qboCode: error || undefined,
  });
}

/** Runs a token-endpoint call with a deadline (intuit-oauth sets no timeout on its own axios calls). */
export async function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new NetworkError(`${what}: token endpoint did not answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

export function parseTokenResponse(json: unknown, what: string): TokenSet {
  const parsed = TokenSet.safeParse(json);
  if (!parsed.success) throw new ServerError(`${what}: token endpoint answered without a usable token pair`);
  return parsed.data;
}
