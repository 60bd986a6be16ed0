import type { RealmClient } from '@qbo-sync/qbo-client';

/** The QBO company preferences that change what we send. */
export interface CompanyPrefs {
  /** SalesFormsPrefs.CustomTxnNumbers: false → QBO numbers invoices itself, send no DocNumber. */
  customTxnNumbers: boolean;
  /** TaxPrefs.UsingSalesTax: QBO computes tax from TxnTaxDetail. */
  usingSalesTax: boolean;
  multiCurrency: boolean;
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
    const p = await (await realm()).getPreferences();
    return {
      customTxnNumbers: p.SalesFormsPrefs?.CustomTxnNumbers !== false,
      usingSalesTax: p.TaxPrefs?.UsingSalesTax === true,
      multiCurrency: p.CurrencyPrefs?.MultiCurrencyEnabled === true,
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
