// The sandbox core shared by the HTTP layer, the admin API and in-process accessors.
import { randomInt } from 'node:crypto';
import { WebhookNotifier } from './changes/webhooks.js';
import { Clock } from './clock.js';
import { COUNTRIES, type CountryCode } from './entities/country.js';
import { type SeededIds, seedRealm, seedTaxCodes } from './entities/seed.js';
import { ENTITY_NAMES, type EntityName, type WriteCtx } from './entities/types.js';
import type { Limits } from './limits.js';
import { TokenStore } from './oauth/tokens.js';
import { seedFor } from './prng.js';
import { Realm } from './store.js';

export interface SandboxConfig {
  clients: Map<string, string>;
  accessTtlMs: number;
  refreshTtlMs: number;
  graceMs: number;
  limits: Limits;
  seed: number;
}

export interface CreateRealmOptions {
  realmId?: string;
  /** Seed accounts, items, payment methods and customers. */
  seed?: boolean;
  companyName?: string;
  /** The country the company is set up for (home currency, tax model); default US. */
  country?: CountryCode;
}

export interface RealmSummary {
  realmId: string;
  companyName: string;
  counts: Record<EntityName, number>;
  seeded?: SeededIds;
}

export class SandboxError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const NO_INCLUDE: ReadonlySet<string> = new Set();

export class Sandbox {
  readonly clock: Clock;
  readonly tokens: TokenStore;
  readonly realms = new Map<string, Realm>();
  /** The app's webhook endpoint: one for every company, as Intuit configures it per app. */
  readonly webhooks = new WebhookNotifier();

  constructor(
    readonly config: SandboxConfig,
    now?: () => number,
  ) {
    this.clock = new Clock(now);
    this.tokens = new TokenStore(
      { accessTtlMs: config.accessTtlMs, refreshTtlMs: config.refreshTtlMs, graceMs: config.graceMs },
      this.clock,
      (realmId) => {
        const realm = this.realms.get(realmId);
        if (realm) realm.stats.tokenRefreshes++;
      },
    );
  }

  ctx(realm: Realm, include: ReadonlySet<string> = NO_INCLUDE): WriteCtx {
    return { realm, now: this.clock.now(), include };
  }

  createRealm(opts: CreateRealmOptions = {}): RealmSummary {
    const realmId = opts.realmId ?? this.newRealmId();
    if (!/^\d{1,32}$/.test(realmId)) throw new SandboxError(400, 'realmId must be digits');
    if (this.realms.has(realmId)) throw new SandboxError(409, `realm ${realmId} already exists`);
    const name = opts.companyName ?? `Sandbox Company ${realmId.slice(-4)}`;
    const country = COUNTRIES[opts.country ?? 'US'];
    const realm = new Realm(
      realmId,
      name,
      this.clock.now(),
      this.config.limits,
      seedFor(this.config.seed, realmId),
      country,
    );
    this.realms.set(realmId, realm);
    seedTaxCodes(this.ctx(realm));
    const seeded = opts.seed ? seedRealm(this.ctx(realm)) : undefined;
    // Changes from here on are notified (a connected company's setup is not news to the app).
    realm.changes.onChange((id, change) => this.webhooks.notify(id, change));
    return { ...this.summary(realm), ...(seeded ? { seeded } : {}) };
  }

  realm(realmId: string): Realm {
    const realm = this.realms.get(realmId);
    if (!realm) throw new SandboxError(404, `realm ${realmId} not found`);
    return realm;
  }

  summary(realm: Realm): RealmSummary {
    const counts = {} as Record<EntityName, number>;
    for (const e of ENTITY_NAMES) counts[e] = realm.table(e).rows.size;
    return { realmId: realm.id, companyName: realm.companyName, counts };
  }

  reset(): void {
    this.realms.clear();
    this.tokens.clear();
  }

  private newRealmId(): string {
    for (;;) {
      const id = `9130${String(randomInt(0, 1e12)).padStart(12, '0')}`;
      if (!this.realms.has(id)) return id;
    }
  }
}
