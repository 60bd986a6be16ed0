// Intuit-style OAuth grants: single-use auth codes, realm-bound access tokens, rotating refresh tokens.
import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';

export interface TokenResponse {
  access_token: string;
  refresh_token: string;
  token_type: 'bearer';
  expires_in: number;
  x_refresh_token_expires_in: number;
}

export interface TokenConfig {
  accessTtlMs: number;
  refreshTtlMs: number;
  /** How long a rotated-away refresh token keeps working. */
  graceMs: number;
}

interface Grant {
  clientId: string;
  realmId: string;
  revoked: boolean;
}

interface AccessRec {
  grant: Grant;
  expiresAt: number;
}

interface RefreshRec {
  grant: Grant;
  expiresAt: number;
}

interface CodeRec {
  clientId: string;
  redirectUri: string;
  realmId: string;
  expiresAt: number;
  grant?: Grant;
}

const CODE_TTL_MS = 10 * 60 * 1000;

function token(prefix: string): string {
  return `${prefix}${randomBytes(24).toString('base64url')}`;
}

export class TokenStore {
  private readonly access = new Map<string, AccessRec>();
  private readonly refreshTokens = new Map<string, RefreshRec>();
  private readonly codes = new Map<string, CodeRec>();

  constructor(
    private readonly cfg: TokenConfig,
    private readonly clock: Clock,
    private readonly onRefresh: (realmId: string) => void,
  ) {}

  issueCode(clientId: string, redirectUri: string, realmId: string): string {
    const code = token('AB11');
    this.codes.set(code, { clientId, redirectUri, realmId, expiresAt: this.clock.now() + CODE_TTL_MS });
    return code;
  }

  exchangeCode(clientId: string, code: string, redirectUri: string): TokenResponse | undefined {
    const rec = this.codes.get(code);
    if (!rec || rec.clientId !== clientId) return undefined;
    if (rec.grant) {
      // A replayed code revokes what it issued (RFC 6749 4.1.2; Intuit poisons the grant too).
      rec.grant.revoked = true;
      return undefined;
    }
    if (rec.expiresAt <= this.clock.now() || rec.redirectUri !== redirectUri) return undefined;
    rec.grant = { clientId, realmId: rec.realmId, revoked: false };
    return this.issue(rec.grant);
  }

  /** Rotates: a new pair each time; the presented token then only lives for the grace period. */
  refresh(clientId: string, refreshToken: string): TokenResponse | undefined {
    const rec = this.refreshTokens.get(refreshToken);
    const now = this.clock.now();
    if (!rec || rec.grant.revoked || rec.grant.clientId !== clientId || rec.expiresAt <= now) return undefined;
    // Rotation: the presented token survives only for the grace period.
    rec.expiresAt = Math.min(rec.expiresAt, now + this.cfg.graceMs);
    this.onRefresh(rec.grant.realmId);
    return this.issue(rec.grant);
  }

  /** Revokes the whole grant behind an access or refresh token. Unknown tokens are ignored (RFC 7009). */
  revoke(clientId: string, tokenValue: string): void {
    const grant = this.access.get(tokenValue)?.grant ?? this.refreshTokens.get(tokenValue)?.grant;
    if (grant && grant.clientId === clientId) grant.revoked = true;
  }

  issueDirect(clientId: string, realmId: string): TokenResponse {
    return this.issue({ clientId, realmId, revoked: false });
  }

  /** True when the bearer token is live and bound to this realm. O(1): it is on every API request. */
  checkAccess(tokenValue: string, realmId: string): boolean {
    const rec = this.access.get(tokenValue);
    return !!rec && !rec.grant.revoked && rec.grant.realmId === realmId && rec.expiresAt > this.clock.now();
  }

  expireAccess(realmId?: string): number {
    return this.expire(this.access, realmId);
  }

  expireRefresh(realmId?: string): number {
    return this.expire(this.refreshTokens, realmId);
  }

  clear(): void {
    this.access.clear();
    this.refreshTokens.clear();
    this.codes.clear();
  }

  private expire(map: Map<string, AccessRec | RefreshRec>, realmId?: string): number {
    const now = this.clock.now();
    let n = 0;
    for (const rec of map.values()) {
      if ((realmId === undefined || rec.grant.realmId === realmId) && rec.expiresAt > now) {
        rec.expiresAt = now;
        n++;
      }
    }
    return n;
  }

  private issue(grant: Grant): TokenResponse {
    const now = this.clock.now();
    const access_token = token('eyJsandbox.');
    const refresh_token = token('RT1-');
    this.access.set(access_token, { grant, expiresAt: now + this.cfg.accessTtlMs });
    this.refreshTokens.set(refresh_token, { grant, expiresAt: now + this.cfg.refreshTtlMs });
    return {
      access_token,
      refresh_token,
      token_type: 'bearer',
      expires_in: Math.round(this.cfg.accessTtlMs / 1000),
      x_refresh_token_expires_in: Math.round(this.cfg.refreshTtlMs / 1000),
    };
  }
}
