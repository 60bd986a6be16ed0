// Demo/test data: the chart of accounts, items, payment methods and customers a moving company needs.
import { createEntity } from './crud.js';
import { accountDef, itemDef, paymentMethodDef, taxCodeDef, taxRateDef } from './lists.js';
import { customerDef } from './names.js';
import type { WriteCtx } from './types.js';

export interface SeededIds {
  accounts: {
    accountsReceivable: string;
    checking: string;
    clientTrust: string;
    undepositedFunds: string;
    sales: string;
    services: string;
    officeExpenses: string;
    creditCard: string;
  };
  items: { movingLabor: string; packingMaterials: string; storage: string; consultation: string };
  paymentMethods: { cash: string; check: string; creditCard: string; ach: string };
  /** US: TAX and NON; elsewhere every seeded code by name (e.g. 'HST ON', '20.0% S'). */
  taxCodes: Record<string, string>;
  customers: { id: string; displayName: string }[];
}

/**
 * Every US company has the TAX and NON codes; companies elsewhere get their country's rates and codes
 * (GST/HST/PST/QST, UK VAT…). The API cannot create them.
 */
export function seedTaxCodes(ctx: WriteCtx): void {
  const country = ctx.realm.country;
  if (country.code === 'US') {
    createEntity(ctx, taxCodeDef, { Name: 'TAX', Description: 'Taxable', Taxable: true }, 'TAX');
    createEntity(ctx, taxCodeDef, { Name: 'NON', Description: 'Non-taxable', Taxable: false }, 'NON');
    return;
  }
  const rateIds = new Map<string, string>();
  for (const r of country.rates) {
    const doc = createEntity(
      ctx,
      taxRateDef,
      { Name: r.name, RateValue: r.rate, AgencyName: r.agency },
      ctx.realm.nextId('taxrate'),
    );
    rateIds.set(r.name, doc.Id);
  }
  for (const c of country.codes) {
    const rates = c.rates.map((name) => rateIds.get(name) ?? '');
    const taxable = c.rates.some((name) => country.rates.find((r) => r.name === name)?.rate !== '0');
    createEntity(
      ctx,
      taxCodeDef,
      { Name: c.name, Description: c.description, Taxable: taxable, SalesRates: rates },
      ctx.realm.nextId('taxcode'),
    );
  }
}

/** The seeded tax codes by name (ids differ per country; US: TAX, NON). */
export function taxCodesByName(ctx: WriteCtx): Record<string, string> {
  const out: Record<string, string> = {};
  for (const doc of ctx.realm.table('TaxCode').rows.values()) out[String(doc['Name'])] = doc.Id;
  return out;
}

export function seedRealm(ctx: WriteCtx): SeededIds {
  const account = (Name: string, AccountType: string, AccountSubType: string): string =>
    createEntity(ctx, accountDef, { Name, AccountType, AccountSubType }).Id;
  const accounts = {
    accountsReceivable: account('Accounts Receivable (A/R)', 'Accounts Receivable', 'AccountsReceivable'),
    checking: account('Checking', 'Bank', 'Checking'),
    clientTrust: account('Client Trust Account', 'Bank', 'TrustAccounts'),
    undepositedFunds: account('Undeposited Funds', 'Other Current Asset', 'UndepositedFunds'),
    sales: account('Sales', 'Income', 'SalesOfProductIncome'),
    services: account('Services', 'Income', 'ServiceFeeIncome'),
    officeExpenses: account('Office Expenses', 'Expense', 'OfficeGeneralAdministrativeExpenses'),
    creditCard: account('Visa Credit Card', 'Credit Card', 'CreditCard'),
  };
  const item = (Name: string, Type: string, UnitPrice: number, income: string): string =>
    createEntity(ctx, itemDef, { Name, Type, UnitPrice, IncomeAccountRef: { value: income } }).Id;
  const items = {
    movingLabor: item('Moving Labor', 'Service', 120, accounts.services),
    packingMaterials: item('Packing Materials', 'NonInventory', 2.5, accounts.sales),
    storage: item('Storage', 'Service', 150, accounts.services),
    consultation: item('Consultation', 'Service', 95.5, accounts.services),
  };
  const pm = (Name: string, Type: string): string => createEntity(ctx, paymentMethodDef, { Name, Type }).Id;
  const paymentMethods = {
    cash: pm('Cash', 'NON_CREDIT_CARD'),
    check: pm('Check', 'NON_CREDIT_CARD'),
    creditCard: pm('Credit Card', 'CREDIT_CARD'),
    ach: pm('ACH', 'NON_CREDIT_CARD'),
  };
  const customers = [
    {
      DisplayName: 'Acme Moving Co.',
      CompanyName: 'Acme Moving Co.',
      PrimaryEmailAddr: { Address: 'ap@acme.example' },
    },
    { DisplayName: "Jane O'Brien", GivenName: 'Jane', FamilyName: "O'Brien" },
    { DisplayName: 'Müller GmbH', CompanyName: 'Müller GmbH' },
  ].map((c) => {
    const doc = createEntity(ctx, customerDef, c);
    return { id: doc.Id, displayName: String(doc['DisplayName']) };
  });
  const taxCodes = ctx.realm.country.code === 'US' ? { tax: 'TAX', non: 'NON' } : taxCodesByName(ctx);
  return { accounts, items, paymentMethods, taxCodes, customers };
}
