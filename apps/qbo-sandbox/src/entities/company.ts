// Read-only company documents: Preferences and CompanyInfo.
import { qboMetaTime } from '../clock.js';
import type { Realm } from '../store.js';

export function companyInfo(realm: Realm): Record<string, unknown> {
  const t = qboMetaTime(realm.createdAt);
  return {
    CompanyName: realm.companyName,
    LegalName: realm.companyName,
    CompanyAddr: { Id: '1', ...realm.country.address, Country: realm.country.code },
    Country: realm.country.code,
    Email: { Address: 'sandbox@qbo-sandbox.local' },
    SupportedLanguages: 'en',
    DefaultTimeZone: realm.country.timeZone,
    FiscalYearStartMonth: 'January',
    CompanyStartDate: t.slice(0, 10),
    NameValue: [{ Name: 'OfferingSku', Value: 'QuickBooks Online Plus' }],
    domain: 'QBO',
    sparse: false,
    Id: '1',
    SyncToken: '0',
    MetaData: { CreateTime: t, LastUpdatedTime: t },
  };
}

/** Deep-merges an admin patch into the preferences (objects merge, everything else replaces). */
export function mergePrefs(base: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    const cur = out[k];
    if (isObj(v) && isObj(cur)) out[k] = mergePrefs(cur, v);
    else out[k] = v;
  }
  return out;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
