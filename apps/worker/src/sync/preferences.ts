import type { RealmClient } from '@qbo-sync/qbo-client';
import { normaliseCountry, type TaxModel, taxModelOf } from '@qbo-sync/sync-core';

/** The QBO company preferences that change what we send. */
export interface CompanyPrefs {
  /** SalesFormsPrefs.CustomTxnNumbers: false → QBO numbers invoices itself, send no DocNumber. */
  customTxnNumbers: boolean;
  /** TaxPrefs.UsingSalesTax: QBO computes tax from TxnTaxDetail. */
  usingSalesTax: boolean;
  multiCurrency: boolean;
  /** CompanyInfo.Country (ISO, "UK" read as GB). */
  country: string;
  /** How sales tax is sent: US pseudo codes, or a real tax code per line (CA/UK). */
  taxModel: TaxModel;
  /** per_line companies: their tax codes (inactive included), to match billing tax rates by name. */
  taxCodes: { Id: string; Name: string; Active?: boolean }[];
  /** OtherPrefs `SalesFormsPrefs.AllowGratuity`: tips are on, a tip can go on QBO's gratuity line. */
  allowGratuity: boolean;
}

export interface PreferencesCache {
  get(tenantId: string, realm: () => Promise<RealmClient>): Promise<CompanyPrefs>;
  forget(tenantId: string): void;
}

/**
 * Preferences are re-read when they matter (posting an invoice or payment) but at most every `ttlMs`
 * per tenant: a change in QBO is picked up within minutes, with no reconnect.
 */
export function createPreferencesCache(now: () => number, ttlMs = 5 * 60_000): PreferencesCache {
  // The promise is cached, so concurrent jobs of one tenant share a single read.
  const cache = new Map<string, { at: number; prefs: Promise<CompanyPrefs> }>();
  const read = async (realm: () => Promise<RealmClient>): Promise<CompanyPrefs> => {
    const client = await realm();
    const [p, info] = await Promise.all([client.getPreferences(), client.getCompanyInfo()]);
    const country = normaliseCountry(info.Country);
    const taxModel = taxModelOf(country);
    return {
      customTxnNumbers: p.SalesFormsPrefs?.CustomTxnNumbers !== false,
      usingSalesTax: p.TaxPrefs?.UsingSalesTax === true,
      multiCurrency: p.CurrencyPrefs?.MultiCurrencyEnabled === true,
      country,
      taxModel,
      taxCodes: taxModel === 'per_line' ? await client.listTaxCodes() : [],
      allowGratuity:
        p.OtherPrefs?.NameValue?.some((nv) => nv.Name === 'SalesFormsPrefs.AllowGratuity' && nv.Value === 'true') ??
        false,
    };
  };
  return {
    get(tenantId, realm) {
      const hit = cache.get(tenantId);
      if (hit && now() - hit.at < ttlMs) return hit.prefs;
      const prefs = read(realm);
      cache.set(tenantId, { at: now(), prefs });
      // A failed read is not cached: the next job asks QBO again.
      prefs.catch(() => {
        if (cache.get(tenantId)?.prefs === prefs) cache.delete(tenantId);
      });
      return prefs;
    },
    forget(tenantId) {
      cache.delete(tenantId);
    },
  };
}
