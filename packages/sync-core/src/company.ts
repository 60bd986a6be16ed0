// Which QuickBooks companies qbo-sync serves, and how their sales tax is sent. US companies take the TAX/NON
// pseudo codes (and TxnTaxDetail); Canadian and UK companies name a real TaxCode on every sales line and QBO
// computes the tax (Intuit, "Manage sales tax for non-US locales"). Other countries are refused at connect:
// their tax rules (AU GST, India GST, France TVA…) are not modelled or tested here.

export type TaxModel = 'us' | 'per_line';

const COUNTRY_NAMES: Record<string, string> = { US: 'the United States', CA: 'Canada', GB: 'the United Kingdom' };

/** QBO's CompanyInfo.Country, upper-cased; the UK edition may say "UK" where ISO says "GB". */
export function normaliseCountry(country: string | undefined): string {
  const c = (country ?? '').trim().toUpperCase();
  return c === 'UK' ? 'GB' : c || 'US';
}

export type CountrySupport = { ok: true; country: string; taxModel: TaxModel } | { ok: false; reason: string };

/** Whether a company in `country` (CompanyInfo.Country) can be synced, and how its tax is sent. */
export function countrySupport(country: string | undefined): CountrySupport {
  const c = normaliseCountry(country);
  if (c === 'US') return { ok: true, country: c, taxModel: 'us' };
  if (c === 'CA' || c === 'GB') return { ok: true, country: c, taxModel: 'per_line' };
  return {
    ok: false,
    reason: `This QuickBooks company is set up for country ${c}. qbo-sync supports QuickBooks companies in the United States, Canada and the United Kingdom only (their sales tax rules are what it sends); connect a company of one of those countries.`,
  };
}

/** How a company's sales tax is sent: US pseudo codes, or a real tax code on every line elsewhere. */
export function taxModelOf(country: string): TaxModel {
  return normaliseCountry(country) === 'US' ? 'us' : 'per_line';
}

/** "Canada", "the United Kingdom"… for reasons. */
export function countryName(country: string): string {
  return COUNTRY_NAMES[country] ?? country;
}

/** The tax-code mapping key for invoice lines that carry no tax code (CA/UK companies need one on every line). */
export const NO_TAX_CODE_KEY = '(none)';
