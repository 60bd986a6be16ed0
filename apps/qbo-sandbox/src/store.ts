// In-memory realm state: tables with O(1) indexes, id sequences, preferences and per-realm machinery.

import { ChangeLog } from './changes/change-log.js';
import { qboMetaTime } from './clock.js';
import { COUNTRIES, type CountryProfile } from './entities/country.js';
import { Links } from './entities/links.js';
import { DEFS } from './entities/registry.js';
import type { Doc, EntityDef, EntityName, IdFamily } from './entities/types.js';
import { FaultInjector } from './inject.js';
import { Limiter, type Limits } from './limits.js';
import { RealmStats } from './stats.js';

export class Table {
  readonly rows = new Map<string, Doc>();
  /** Ids of deleted rows, so reads can say "deleted" rather than "never existed". */
  readonly deleted = new Set<string>();
  /** lower-cased indexField value -> ids */
  readonly index = new Map<string, Set<string>>();

  constructor(readonly def: EntityDef) {}

  get(id: string): Doc | undefined {
    return this.rows.get(id);
  }

  keyOf(doc: Doc): string | undefined {
    const f = this.def.indexField;
    const v = f ? doc[f] : undefined;
    return typeof v === 'string' ? v.toLowerCase() : undefined;
  }

  byKey(key: string): Doc[] {
    const ids = this.index.get(key.toLowerCase());
    if (!ids) return [];
    const out: Doc[] = [];
    for (const id of ids) {
      const d = this.rows.get(id);
      if (d) out.push(d);
    }
    return out;
  }

  put(doc: Doc): void {
    const prev = this.rows.get(doc.Id);
    if (prev) this.unindex(prev);
    this.rows.set(doc.Id, doc);
    const k = this.keyOf(doc);
    if (k !== undefined) {
      let set = this.index.get(k);
      if (!set) {
        set = new Set();
        this.index.set(k, set);
      }
      set.add(doc.Id);
    }
  }

  remove(id: string): void {
    const prev = this.rows.get(id);
    if (!prev) return;
    this.unindex(prev);
    this.rows.delete(id);
    this.deleted.add(id);
  }

  private unindex(doc: Doc): void {
    const k = this.keyOf(doc);
    if (k === undefined) return;
    const set = this.index.get(k);
    set?.delete(doc.Id);
    if (set && set.size === 0) this.index.delete(k);
  }
}

export interface StoredResponse {
  status: number;
  body: string;
}

export class Realm {
  readonly tables: Record<EntityName, Table>;
  readonly counters: Record<IdFamily, number> = {
    name: 0,
    txn: 0,
    item: 0,
    account: 0,
    paymentmethod: 0,
    taxcode: 0,
    taxrate: 0,
  };
  nextDocNumber = 1001;
  readonly stats = new RealmStats();
  readonly limiter: Limiter;
  readonly injector: FaultInjector;
  readonly requestIds = new Map<string, StoredResponse>();
  readonly links = new Links();
  /** Transactions voided (QBO only marks them through zero amounts and PrivateNote). */
  readonly voided = new Set<string>();
  /** Purchase id -> cents posted to Accounts Receivable (what a Payment can link against). */
  readonly purchaseAr = new Map<string, number>();
  /** "Entity:Id" -> what that transaction currently adds to its customer's Balance. */
  readonly contrib = new Map<string, { customer: string; cents: number }>();
  prefs: Record<string, unknown>;
  /** What changed when: CDC reads it, webhook notifications are sent from it. */
  readonly changes: ChangeLog;

  constructor(
    readonly id: string,
    readonly companyName: string,
    readonly createdAt: number,
    limits: Limits,
    seed: number,
    /** The country the company file is set up for: home currency and sales-tax model. */
    readonly country: CountryProfile = COUNTRIES.US,
  ) {
    const tables = {} as Record<EntityName, Table>;
    for (const def of DEFS) tables[def.name] = new Table(def);
    this.tables = tables;
    this.limiter = new Limiter({ ...limits }, this.stats);
    this.injector = new FaultInjector(seed);
    this.prefs = defaultPreferences(createdAt, country);
    this.changes = new ChangeLog(id);
  }

  table(name: EntityName): Table {
    return this.tables[name];
  }

  nextId(family: IdFamily): string {
    this.counters[family]++;
    return String(this.counters[family]);
  }

  customTxnNumbers(): boolean {
    const sales = this.prefs['SalesFormsPrefs'];
    return !(
      typeof sales === 'object' &&
      sales !== null &&
      (sales as Record<string, unknown>)['CustomTxnNumbers'] === false
    );
  }
}

function defaultPreferences(now: number, country: CountryProfile): Record<string, unknown> {
  const us = country.code === 'US';
  const t = qboMetaTime(now);
  return {
    AccountingInfoPrefs: { TrackDepartments: false, ClassTrackingPerTxn: false, CustomerTerminology: 'Customers' },
    ProductAndServicesPrefs: {
      ForSales: true,
      ForPurchase: true,
      QuantityWithPriceAndRate: true,
      QuantityOnHand: true,
    },
    SalesFormsPrefs: {
      CustomTxnNumbers: true,
      AllowDeposit: true,
      AllowDiscount: true,
      AllowShipping: false,
      DefaultTerms: { value: '3' },
      AutoApplyCredit: true,
    },
    VendorAndPurchasesPrefs: { TrackingByCustomer: true, BillableExpenseTracking: true },
    // Outside the US a company charges GST/HST/VAT through tax codes (set up with the company); Automated
    // Sales Tax (PartnerTaxEnabled) is US only.
    TaxPrefs: us ? { UsingSalesTax: false, PartnerTaxEnabled: false } : { UsingSalesTax: true },
    CurrencyPrefs: { MultiCurrencyEnabled: false, HomeCurrency: { value: country.homeCurrency } },
    domain: 'QBO',
    sparse: false,
    Id: '1',
    SyncToken: '0',
    MetaData: { CreateTime: t, LastUpdatedTime: t },
  };
}
