// Connect, reconnect and disconnect a tenant's QBO company (intuit-oauth for every token call).
import type { Database, SecretBox } from '@qbo-sync/db';
import { getConnection, saveGrant, setConnectionStatus } from '@qbo-sync/db/repositories/connections';
import type { Logger } from '@qbo-sync/observability';
import { AuthError } from '../errors/auth-error.js';
import { CompanyRefusedError } from '../errors/company-refused-error.js';
import { QboError } from '../errors/qbo-error.js';
import { RealmMismatchError } from '../errors/realm-mismatch-error.js';
import {
  ACCOUNTING_SCOPE,
  newOAuthClient,
  parseTokenResponse,
  type QboSettings,
  TokenSet,
  tokenEndpointError,
  withDeadline,
} from './intuit.js';
import type { StatusChange, TokenManager } from './tokens.js';
import { verifyRealmAccess } from './verify-realm.js';

export type ConnectionStatusName = 'active' | 'needs_reconnect' | 'disconnected' | 'not_connected';

export interface ConnectionStatusView {
  status: ConnectionStatusName;
  realmId?: string;
  /** Plain words for support staff when the status is not active. */
  reason?: string;
  accessTokenExpiresAt?: Date;
  refreshTokenExpiresAt?: Date;
  lastRefreshedAt?: Date | undefined;
}

export interface OAuthService {
  /** Where to send the user to connect (or reconnect) a QBO company; `state` comes back on the callback. */
  authorizeUrl(state: string): string;
  /**
   * Exchanges the callback URL's code for a grant, checks that the grant can read the company the callback
   * names (RealmMismatchError otherwise, and nothing is stored), stores it encrypted and marks the connection
   * active.
   */
  exchangeCode(
    tenantId: string,
    callbackUrl: string,
    opts?: {
      /**
       * Refuses a company before anything is stored: a sentence saying why and what to do, or undefined to
       * accept. A refusal revokes the grant and throws CompanyRefusedError.
       */
      refuseCompany?: (company: { country: string | undefined }) => string | undefined;
    },
  ): Promise<{ realmId: string; state?: string | undefined }>;
  /** Stores a token pair obtained elsewhere (tests, the sandbox admin API, migrations). */
  saveGrant(tenantId: string, realmId: string, tokens: TokenSet): Promise<void>;
  /** Revokes the grant at Intuit (best effort) and marks the connection disconnected. */
  revoke(tenantId: string): Promise<{ revokedAtIntuit: boolean }>;
  connectionStatus(tenantId: string): Promise<ConnectionStatusView>;
}

export interface OAuthServiceDeps {
  qbo: QboSettings;
  db: Database;
  secrets: SecretBox;
  logger: Logger;
  tokens: TokenManager;
  onStatusChange?: ((change: StatusChange) => void | Promise<void>) | undefined;
}

const REALM_ID = /^[\w-]{1,64}$/;

export function createOAuthService(deps: OAuthServiceDeps): OAuthService {
  const log = deps.logger.child({ component: 'qbo.oauth' });
  const deadlineMs = Math.min(deps.qbo.httpTimeoutMs, 20_000);

  async function store(tenantId: string, realmId: string, tokens: TokenSet): Promise<void> {
    if (!REALM_ID.test(realmId)) throw new AuthError('the QuickBooks callback carried no usable realmId');
    await saveGrant(deps.db, tenantId, { realmId, ...deps.tokens.encryptTokens(tokens) });
    deps.tokens.forget(tenantId);
    log.info({ tenantId, realmId }, 'QBO grant saved; connection active');
    try {
      await deps.onStatusChange?.({ tenantId, realmId, status: 'active' });
    } catch (err) {
      log.warn({ err, tenantId }, 'onStatusChange hook failed');
    }
  }

  return {
    authorizeUrl(state) {
      return newOAuthClient(deps.qbo).authorizeUri({ scope: [ACCOUNTING_SCOPE], state });
    },

    async exchangeCode(tenantId, callbackUrl, opts = {}) {
      const client = newOAuthClient(deps.qbo);
      let tokens: TokenSet;
      try {
        const res = await withDeadline(client.createToken(callbackUrl), deadlineMs, 'code exchange');
        tokens = parseTokenResponse(res.json, 'code exchange');
      } catch (err) {
        // A reused or expired code answers invalid_grant: the user must start the connect flow again.
        const mapped = err instanceof QboError ? err : tokenEndpointError(err, 'code exchange');
        log.warn({ tenantId, code: mapped.code }, 'QBO code exchange failed');
        throw mapped;
      }
      const realmId = client.getToken().realmId;
      if (!REALM_ID.test(realmId)) throw new AuthError('the QuickBooks callback carried no usable realmId');
      try {
        const info = await verifyRealmAccess(deps.qbo, realmId, tokens.access_token);
        const refusal = opts.refuseCompany?.({ country: info.Country });
        if (refusal) throw new CompanyRefusedError(realmId, refusal);
      } catch (err) {
        // Nothing is stored, so the grant would only dangle at Intuit: revoke it (best effort).
        await withDeadline(client.revoke({ refresh_token: tokens.refresh_token }), deadlineMs, 'revoke').catch(
          () => undefined,
        );
        const code = err instanceof QboError ? err.code : 'UNKNOWN';
        log.warn({ tenantId, realmId, code, mismatch: err instanceof RealmMismatchError }, 'QBO company check failed');
        throw err;
      }
      await store(tenantId, realmId, tokens);
      return { realmId, state: client.getToken().state };
    },

    async saveGrant(tenantId, realmId, tokens) {
      await store(tenantId, realmId, TokenSet.parse(tokens));
    },

    async revoke(tenantId) {
      const row = await getConnection(deps.db, tenantId);
      if (!row) return { revokedAtIntuit: false };
      let revokedAtIntuit = false;
      if (row.status !== 'disconnected') {
        try {
          const refreshToken = deps.secrets.decrypt(row.refreshTokenEnc);
          await withDeadline(newOAuthClient(deps.qbo).revoke({ refresh_token: refreshToken }), deadlineMs, 'revoke');
          revokedAtIntuit = true;
        } catch (err) {
          // The user asked to disconnect: we stop using the grant whatever Intuit answered.
          const mapped = err instanceof QboError ? err : tokenEndpointError(err, 'revoke');
          log.warn({ tenantId, code: mapped.code }, 'QBO revoke failed; disconnecting locally');
        }
      }
      // Dead tokens are overwritten so no usable secret stays behind.
      const blank = deps.secrets.encrypt('');
      deps.tokens.forget(tenantId);
      await setConnectionStatus(deps.db, tenantId, 'disconnected', 'Disconnected from QuickBooks.', undefined, {
        keyId: deps.secrets.currentKeyId,
        accessTokenEnc: blank,
        refreshTokenEnc: blank,
      });
      try {
        await deps.onStatusChange?.({ tenantId, realmId: row.realmId, status: 'disconnected' });
      } catch (err) {
        log.warn({ err, tenantId }, 'onStatusChange hook failed');
      }
      return { revokedAtIntuit };
    },

    async connectionStatus(tenantId) {
      const row = await getConnection(deps.db, tenantId);
      if (!row) return { status: 'not_connected', reason: 'QuickBooks is not connected for this tenant.' };
      const status = row.status as ConnectionStatusName;
      return {
        status,
        realmId: row.realmId,
        ...(status === 'active' ? {} : { reason: row.statusReason ?? 'Reconnect QuickBooks for this tenant.' }),
        accessTokenExpiresAt: row.accessTokenExpiresAt,
        refreshTokenExpiresAt: row.refreshTokenExpiresAt,
        lastRefreshedAt: row.lastRefreshedAt ?? undefined,
      };
    },
  };
}
