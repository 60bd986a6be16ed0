// The country a company file is set up for: its home currency, address and sales-tax model. US companies
// use the TAX/NON pseudo codes and TxnTaxDetail; everywhere else every sales line carries a TaxCodeRef to a
// real TaxCode made of TaxRates, and QBO computes TxnTaxDetail from them ("Manage sales tax for non-US
// locales", developer.intuit.com/app/developer/qbo/docs/workflows/manage-sales-tax-for-non-us-locales).

export type CountryCode = 'US' | 'CA' | 'GB' | 'AU';
export const COUNTRY_CODES: readonly CountryCode[] = ['US', 'CA', 'GB', 'AU'];

export interface CountryProfile {
  code: CountryCode;
  homeCurrency: string;
  address: { Line1: string; City: string; CountrySubDivisionCode: string; PostalCode: string };
  timeZone: string;
  /** What a line without a tax code is refused for (non-US), e.g. "GST/HST". */
  taxLabel?: string;
  /** Seeded TaxRates: name → percent as a decimal string (QBO's RateValue). */
  rates: { name: string; rate: string; agency: string }[];
  /** Seeded TaxCodes and the rates each applies. */
  codes: { name: string; description: string; rates: string[] }[];
}

const one = (name: string, description = name) => ({ name, description, rates: [name] });

export const COUNTRIES: Record<CountryCode, CountryProfile> = {
  US: {
    code: 'US',
    homeCurrency: 'USD',
    address: { Line1: '1 Sandbox Way', City: 'Mountain View', CountrySubDivisionCode: 'CA', PostalCode: '94043' },
    timeZone: 'America/Los_Angeles',
    rates: [],
    codes: [],
  },
  // GST 5 %, HST 13 % (Ontario), PST 7 % (British Columbia), QST 9.975 % (Quebec).
  CA: {
    code: 'CA',
    homeCurrency: 'CAD',
    address: { Line1: '100 Queen St W', City: 'Toronto', CountrySubDivisionCode: 'ON', PostalCode: 'M5H 2N2' },
    timeZone: 'America/Toronto',
    taxLabel: 'GST/HST',
    rates: [
      { name: 'GST', rate: '5', agency: 'Canada Revenue Agency' },
      { name: 'HST ON', rate: '13', agency: 'Canada Revenue Agency' },
      { name: 'PST BC', rate: '7', agency: 'Minister of Finance (BC)' },
      { name: 'QST', rate: '9.975', agency: 'Revenu Québec' },
      { name: 'Exempt', rate: '0', agency: 'Canada Revenue Agency' },
      { name: 'Zero-rated', rate: '0', agency: 'Canada Revenue Agency' },
    ],
    codes: [
      one('GST'),
      one('HST ON'),
      { name: 'GST/PST BC', description: 'GST and PST (British Columbia)', rates: ['GST', 'PST BC'] },
      { name: 'GST/QST QC', description: 'GST and QST (Quebec)', rates: ['GST', 'QST'] },
      one('Exempt'),
      one('Zero-rated'),
    ],
  },
  // UK VAT: standard 20 %, reduced 5 %, zero 0 %, exempt, and "No VAT" (outside the scope of VAT).
  GB: {
    code: 'GB',
    homeCurrency: 'GBP',
    address: { Line1: '1 Sandbox Lane', City: 'London', CountrySubDivisionCode: 'LND', PostalCode: 'EC1A 1BB' },
    timeZone: 'Europe/London',
    taxLabel: 'VAT',
    rates: [
      { name: '20.0% S', rate: '20', agency: 'HM Revenue & Customs' },
      { name: '5.0% R', rate: '5', agency: 'HM Revenue & Customs' },
      { name: '0.0% Z', rate: '0', agency: 'HM Revenue & Customs' },
      { name: 'Exempt', rate: '0', agency: 'HM Revenue & Customs' },
      { name: 'No VAT', rate: '0', agency: 'HM Revenue & Customs' },
    ],
    codes: [one('20.0% S'), one('5.0% R'), one('0.0% Z'), one('Exempt'), one('No VAT')],
  },
  // A company qbo-sync does not serve (it is refused at connect); modelled so that can be shown.
  AU: {
    code: 'AU',
    homeCurrency: 'AUD',
    address: { Line1: '1 Sandbox St', City: 'Sydney', CountrySubDivisionCode: 'NSW', PostalCode: '2000' },
    timeZone: 'Australia/Sydney',
    taxLabel: 'GST',
    rates: [
      { name: 'GST', rate: '10', agency: 'Australian Taxation Office' },
      { name: 'GST free', rate: '0', agency: 'Australian Taxation Office' },
    ],
    codes: [one('GST'), one('FRE', 'GST free')].map((c) => (c.name === 'FRE' ? { ...c, rates: ['GST free'] } : c)),
  },
};
