// Public entry: start a strict in-memory QuickBooks Online in-process.
import type { AddressInfo } from 'node:net';
import { mergeWebhookSettings } from './admin.js';
import { actAsPerson, type PersonAction } from './changes/as-person.js';
import type { WebhookSettings, WebhookStats } from './changes/webhooks.js';
import { mergePrefs } from './entities/company.js';
import { defFor } from './entities/registry.js';
import type { FaultRule, FaultRuleInput } from './inject.js';
import type { Limits } from './limits.js';
import { DEFAULT_LIMITS } from './limits.js';
import type { TokenResponse } from './oauth/tokens.js';
import { type CreateRealmOptions, type RealmSummary, Sandbox } from './sandbox.js';
import { buildServer } from './server.js';
import type { RealmStatsJson } from './stats.js';

export interface SandboxOptions {
  port?: number;
  host?: string;
  clients?: { clientId: string; clientSecret: string }[];
  accessTokenTtlSeconds?: number;
  refreshTokenTtlSeconds?: number;
  rotatedRefreshGraceSeconds?: number;
  limits?: {
    requestsPerWindow?: number;
    windowMs?: number;
    maxConcurrent?: number;
    batchPerWindow?: number;
    /** Send Retry-After with this many seconds on 429 (default 0 = no header, like QBO's docs). */
    retryAfterSeconds?: number;
  };
  now?: () => number;
  seed?: number;
  logger?: boolean;
}

export interface RunningSandbox {
  url: string;
  port: number;
  close(): Promise<void>;
  /** Create a company; `seed: true` adds accounts, items, payment methods and customers. */
  createRealm(opts?: CreateRealmOptions): RealmSummary;
  /** Issue a token pair bound to a realm without the browser flow. */
  issueTokens(realmId: string, clientId?: string): TokenResponse;
  stats(realmId: string): RealmStatsJson;
  resetStats(realmId: string): void;
  /** All rows of an entity (including inactive), as JSON. */
  entities(realmId: string, entity: string): Record<string, unknown>[];
  injectFault(realmId: string, rule: FaultRuleInput): FaultRule;
  clearFaults(realmId: string): void;
  setLimits(realmId: string, limits: Partial<Limits>): Limits;
  setPreferences(realmId: string, patch: Record<string, unknown>): Record<string, unknown>;
  expireAccessTokens(realmId?: string): number;
  expireRefreshTokens(realmId?: string): number;
  /** Moves the sandbox clock forward; returns the new now (ms). */
  advanceClock(ms: number): number;
  reset(): void;
  /** Sets (merges) the app's webhook endpoint, verifier token, format, batching and retry delays. */
  configureWebhooks(patch: Partial<WebhookSettings>): WebhookSettings;
  webhookStats(): WebhookStats;
  /** Deletes, voids or edits an object as a person in QuickBooks would (no API request, no SyncToken needed). */
  asPerson(realmId: string, entity: string, id: string, act: PersonAction): Record<string, unknown>;
  /** The underlying core, for anything not covered above. */
  sandbox: Sandbox;
}

export const DEFAULT_CLIENT = { clientId: 'sandbox-client-id', clientSecret: 'sandbox-client-secret' };

export async function startSandbox(opts: SandboxOptions = {}): Promise<RunningSandbox> {
  const clients = new Map((opts.clients ?? [DEFAULT_CLIENT]).map((c) => [c.clientId, c.clientSecret]));
  const limits: Limits = { ...DEFAULT_LIMITS };
  for (const [k, v] of Object.entries(opts.limits ?? {})) if (v !== undefined) limits[k as keyof Limits] = v;
  const sb = new Sandbox(
    {
      clients,
      accessTtlMs: (opts.accessTokenTtlSeconds ?? 3600) * 1000,
      refreshTtlMs: (opts.refreshTokenTtlSeconds ?? 8_640_000) * 1000,
      graceMs: (opts.rotatedRefreshGraceSeconds ?? 86_400) * 1000,
      limits,
      seed: opts.seed ?? 1,
    },
    opts.now,
  );
  const app = buildServer(sb, opts.logger ?? false);
  await app.listen({ port: opts.port ?? 0, host: opts.host ?? '127.0.0.1' });
  const addr = app.server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const firstClient = [...clients.keys()][0] ?? '';
  return {
    url: `http://${host}:${addr.port}`,
    port: addr.port,
    close: () => {
      sb.webhooks.close();
      return app.close();
    },
    createRealm: (o) => sb.createRealm(o),
    issueTokens: (realmId, clientId) => sb.tokens.issueDirect(clientId ?? firstClient, sb.realm(realmId).id),
    stats: (realmId) => sb.realm(realmId).stats.toJSON(),
    resetStats: (realmId) => sb.realm(realmId).stats.reset(),
    entities: (realmId, entity) => {
      const def = defFor(entity);
      if (!def) throw new Error(`unknown entity ${entity}`);
      return [...sb.realm(realmId).table(def.name).rows.values()].map(
        (d) => JSON.parse(JSON.stringify(d)) as Record<string, unknown>,
      );
    },
    injectFault: (realmId, rule) => sb.realm(realmId).injector.add(rule),
    clearFaults: (realmId) => sb.realm(realmId).injector.clear(),
    setLimits: (realmId, l) => sb.realm(realmId).limiter.set(l),
    setPreferences: (realmId, patch) => {
      const realm = sb.realm(realmId);
      realm.prefs = mergePrefs(realm.prefs, patch);
      return realm.prefs;
    },
    expireAccessTokens: (realmId) => sb.tokens.expireAccess(realmId),
    expireRefreshTokens: (realmId) => sb.tokens.expireRefresh(realmId),
    advanceClock: (ms) => sb.clock.advance(ms),
    reset: () => sb.reset(),
    configureWebhooks: (patch) => {
      const next = mergeWebhookSettings(sb.webhooks.config, patch);
      sb.webhooks.configure(next);
      return next;
    },
    webhookStats: () => sb.webhooks.stats,
    asPerson: (realmId, entity, id, act) => {
      const realm = sb.realm(realmId);
      return JSON.parse(JSON.stringify(actAsPerson(sb.ctx(realm), entity, id, act))) as Record<string, unknown>;
    },
    sandbox: sb,
  };
}

export type { PersonAction } from './changes/as-person.js';
export { intuitSignature, type WebhookSettings, type WebhookStats } from './changes/webhooks.js';
export type { SeededIds } from './entities/seed.js';
export type { FaultRule, FaultRuleInput } from './inject.js';
export type { Limits } from './limits.js';
export type { TokenResponse } from './oauth/tokens.js';
export type { CreateRealmOptions, RealmSummary } from './sandbox.js';
export { Sandbox } from './sandbox.js';
export type { RealmStatsJson } from './stats.js';
