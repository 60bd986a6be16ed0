import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { RunningSandbox } from '../src/index.js';
import { arr, type Company, faultCode, faultDetail, get, type J, newCustomer, post, query, start } from './helpers.js';

/** A seeded company set up for `country`. */
function companyIn(sb: RunningSandbox, country: 'CA' | 'GB' | 'AU'): Company {
  const summary = sb.createRealm({ seed: true, country });
  if (!summary.seeded) throw new Error('seed missing');
  const token = sb.issueTokens(summary.realmId).access_token;
  return {
    sb,
    realmId: summary.realmId,
    token,
    ids: summary.seeded,
    base: `${sb.url}/v3/company/${summary.realmId}`,
  };
}

const taxLines = (inv: J) =>
  arr((inv['TxnTaxDetail'] as J)['TaxLine']).map((l) => [
    ((l['TaxLineDetail'] as J)['TaxRateRef'] as J)['name'],
    l['Amount'],
    (l['TaxLineDetail'] as J)['NetAmountTaxable'],
  ]);

describe('companies outside the US: per-line tax codes, QBO-computed tax', () => {
  let sb: RunningSandbox;
  let ca: Company;
  let uk: Company;
  const line = (c: Company, amount: number, code?: string): Record<string, unknown> => ({
    Amount: amount,
    DetailType: 'SalesItemLineDetail',
    SalesItemLineDetail: {
      ItemRef: { value: c.ids.items.movingLabor },
      ...(code ? { TaxCodeRef: { value: code } } : {}),
    },
  });
  beforeAll(async () => {
    sb = await start();
    ca = companyIn(sb, 'CA');
    uk = companyIn(sb, 'GB');
  });
  afterAll(() => sb.close());

  it('says the country and home currency in CompanyInfo and Preferences; no Automated Sales Tax setting', async () => {
    const info = (await get(ca, `/companyinfo/${ca.realmId}`)).body['CompanyInfo'] as J;
    expect(info).toMatchObject({ Country: 'CA', CompanyAddr: { CountrySubDivisionCode: 'ON', Country: 'CA' } });
    const prefs = (await get(ca, '/preferences')).body['Preferences'] as J;
    expect(prefs['CurrencyPrefs']).toMatchObject({ HomeCurrency: { value: 'CAD' } });
    expect(prefs['TaxPrefs']).toEqual({ UsingSalesTax: true });
    const ukInfo = (await get(uk, `/companyinfo/${uk.realmId}`)).body['CompanyInfo'] as J;
    expect(ukInfo['Country']).toBe('GB');
    const ukPrefs = (await get(uk, '/preferences')).body['Preferences'] as J;
    expect(ukPrefs['CurrencyPrefs']).toMatchObject({ HomeCurrency: { value: 'GBP' } });
  });

  it('lists named tax codes made of named rates (GST, HST, PST, QST; UK VAT), and no TAX/NON', async () => {
    const codes = arr((await query(ca, 'SELECT * FROM TaxCode')).body['QueryResponse']?.['TaxCode']);
    expect(codes.map((c) => c['Name'])).toEqual(['GST', 'HST ON', 'GST/PST BC', 'GST/QST QC', 'Exempt', 'Zero-rated']);
    const qc = codes.find((c) => String(c['Name']) === 'GST/QST QC') as J;
    expect(qc['TaxGroup']).toBe(true);
    expect(arr((qc['SalesTaxRateList'] as J)['TaxRateDetail']).map((d) => (d['TaxRateRef'] as J)['name'])).toEqual([
      'GST',
      'QST',
    ]);
    const rates = arr((await query(ca, 'SELECT * FROM TaxRate')).body['QueryResponse']?.['TaxRate']);
    expect(rates.find((r) => String(r['Name']) === 'QST')).toMatchObject({ RateValue: 9.975, Active: true });
    const vat = arr((await query(uk, 'SELECT * FROM TaxCode')).body['QueryResponse']?.['TaxCode']);
    expect(vat.map((c) => c['Name'])).toEqual(['20.0% S', '5.0% R', '0.0% Z', 'Exempt', 'No VAT']);
  });

  it('computes GST/HST/QST per rate from the lines and adds it to the total; TxnTaxDetail sent in is recomputed', async () => {
    const cust = await newCustomer(ca, 'Tremblay Inc');
    const res = await post(ca, '/invoice', {
      CustomerRef: { value: cust },
      Line: [line(ca, 100, ca.ids.taxCodes['HST ON']), line(ca, 33.33, ca.ids.taxCodes['GST/QST QC'])],
      TxnTaxDetail: { TotalTax: 999 },
    });
    expect(res.status).toBe(200);
    const inv = res.body['Invoice'] as J;
    // HST 13 % of 100.00; GST 5 % of 33.33 = 1.6665 → 1.67; QST 9.975 % of 33.33 = 3.3247 → 3.32.
    expect(taxLines(inv)).toEqual([
      ['HST ON', 13, 100],
      ['GST', 1.67, 33.33],
      ['QST', 3.32, 33.33],
    ]);
    expect(inv).toMatchObject({ TotalAmt: 151.32, Balance: 151.32, TxnTaxDetail: { TotalTax: 17.99 } });
  });

  it('computes UK VAT at 20 % and 5 %', async () => {
    const cust = await newCustomer(uk, 'Smith Ltd');
    const res = await post(uk, '/invoice', {
      CustomerRef: { value: cust },
      Line: [line(uk, 250, uk.ids.taxCodes['20.0% S']), line(uk, 10, uk.ids.taxCodes['5.0% R'])],
    });
    expect(res.status).toBe(200);
    expect(res.body['Invoice']).toMatchObject({ TotalAmt: 310.5, TxnTaxDetail: { TotalTax: 50.5 } });
  });

  it('refuses a sales line without a tax code (6000) and the US TAX code', async () => {
    const cust = await newCustomer(ca, 'No Code Ltd');
    const none = await post(ca, '/invoice', { CustomerRef: { value: cust }, Line: [line(ca, 10)] });
    expect(none.status).toBe(400);
    expect(faultCode(none)).toBe('6000');
    expect(faultDetail(none)).toContain('Make sure all your transactions have a GST/HST rate before you save.');
    const ukNone = await post(uk, '/invoice', {
      CustomerRef: { value: await newCustomer(uk, 'Nc') },
      Line: [line(uk, 1)],
    });
    expect(faultDetail(ukNone)).toContain('Make sure all your transactions have a VAT rate before you save.');
    const us = await post(ca, '/invoice', { CustomerRef: { value: cust }, Line: [line(ca, 10, 'TAX')] });
    expect(us.status).toBe(400);
    expect(faultCode(us)).toBe('2500');
  });
});
