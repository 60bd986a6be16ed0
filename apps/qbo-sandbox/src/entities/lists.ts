// List entities: Item, Account, PaymentMethod and (read-only) TaxCode.
import { z } from 'zod';
import { fault } from '../faults.js';
import { Money } from '../money.js';
import {
  checkNameChars,
  decOf,
  deletedName,
  keySet,
  maxLen,
  parseWith,
  passthrough,
  rejectUnknown,
  requireValue,
  resolveRef,
  zBool,
  zNum,
  zRef,
  zStr,
} from './common.js';
import type { Body, Doc, EntityDef, EntityName, WriteCtx } from './types.js';

function uniqueName(ctx: WriteCtx, entity: EntityName, name: string, selfId: string | undefined): void {
  const clash = ctx.realm
    .table(entity)
    .byKey(name)
    .find((d) => d.Id !== selfId);
  if (clash) throw fault.duplicateName(clash.Id);
}

function listName(raw: string | null | undefined): string {
  const name = requireValue(raw?.trim(), 'Name');
  maxLen(name, 100, 'Name');
  checkNameChars(name, 'Name');
  return name;
}

// ---- Item ----
const ITEM_HANDLED = new Set([
  'Name',
  'Type',
  'Active',
  'IncomeAccountRef',
  'ExpenseAccountRef',
  'UnitPrice',
  'PurchaseCost',
  'Sku',
  'FullyQualifiedName',
  'Description',
]);
const ITEM_ALLOWED = keySet(
  [...ITEM_HANDLED],
  [
    'SubItem',
    'ParentRef',
    'Level',
    'Taxable',
    'SalesTaxIncluded',
    'PurchaseDesc',
    'PurchaseTaxIncluded',
    'AssetAccountRef',
    'TrackQtyOnHand',
    'QtyOnHand',
    'InvStartDate',
    'SalesTaxCodeRef',
    'PurchaseTaxCodeRef',
    'ClassRef',
    'Source',
    'PrefVendorRef',
    'ReorderPoint',
    'ItemCategoryType',
    'AbatementRate',
    'ReverseChargeRate',
    'ServiceType',
    'TaxClassificationRef',
  ],
);
const itemSchema = z.looseObject({
  Name: zStr,
  Type: zStr,
  Active: zBool,
  IncomeAccountRef: zRef,
  ExpenseAccountRef: zRef,
  UnitPrice: zNum,
  PurchaseCost: zNum,
  Sku: zStr,
  Description: zStr,
});
const ITEM_TYPES = ['Service', 'NonInventory', 'Inventory', 'Category', 'Group'];

function buildItem(ctx: WriteCtx, input: Record<string, unknown>, prev: Doc | undefined): Body {
  rejectUnknown(input, ITEM_ALLOWED, 'Item');
  const p = parseWith(itemSchema, input);
  let name = listName(p.Name);
  const type = p.Type ?? 'Service';
  if (!ITEM_TYPES.includes(type)) throw fault.invalidEnum('Type', type);
  if (type !== 'Service' && type !== 'NonInventory') {
    throw fault.business(`qbo-sandbox supports only Service and NonInventory items, not ${type}.`, 'Type');
  }
  maxLen(p.Sku, 100, 'Sku');
  maxLen(p.Description, 4000, 'Description');
  const body: Body = passthrough(input, ITEM_HANDLED);
  const income = resolveRef(ctx, 'Account', requireValue(p.IncomeAccountRef, 'IncomeAccountRef'), 'IncomeAccountRef');
  body['IncomeAccountRef'] = { value: income.Id, name: income['Name'] };
  if (p.ExpenseAccountRef) {
    const exp = resolveRef(ctx, 'Account', p.ExpenseAccountRef, 'ExpenseAccountRef');
    body['ExpenseAccountRef'] = { value: exp.Id, name: exp['Name'] };
  }
  // UnitPrice may carry more than 2 decimals in QBO; validate it is a number and keep it.
  if (p.UnitPrice !== null && p.UnitPrice !== undefined) body['UnitPrice'] = Number(fmtDec(p.UnitPrice, 'UnitPrice'));
  if (p.PurchaseCost !== null && p.PurchaseCost !== undefined) {
    body['PurchaseCost'] = Number(fmtDec(p.PurchaseCost, 'PurchaseCost'));
  }
  const active = p.Active ?? true;
  if (!active && prev?.['Active'] !== false) {
    const taken = (c: string): boolean => ctx.realm.table('Item').byKey(c).length > 0;
    name = deletedName(name, taken);
  }
  uniqueName(ctx, 'Item', name, prev?.Id);
  return {
    ...body,
    Name: name,
    FullyQualifiedName: name,
    Type: type,
    Active: active,
    ...(p.Sku ? { Sku: p.Sku } : {}),
    ...(p.Description ? { Description: p.Description } : {}),
  };
}

function fmtDec(v: string | number, element: string): string {
  const d = decOf(v, element);
  const s = (d.units < 0n ? -d.units : d.units).toString().padStart(d.scale + 1, '0');
  const int = s.slice(0, s.length - d.scale);
  const frac = s.slice(s.length - d.scale);
  return `${d.units < 0n ? '-' : ''}${int}${frac ? `.${frac}` : ''}`;
}

// ---- Account ----
const CLASSIFICATION: Record<string, string> = {
  Bank: 'Asset',
  'Other Current Asset': 'Asset',
  'Fixed Asset': 'Asset',
  'Other Asset': 'Asset',
  'Accounts Receivable': 'Asset',
  Equity: 'Equity',
  Expense: 'Expense',
  'Other Expense': 'Expense',
  'Cost of Goods Sold': 'Expense',
  'Accounts Payable': 'Liability',
  'Credit Card': 'Liability',
  'Long Term Liability': 'Liability',
  'Other Current Liability': 'Liability',
  Income: 'Revenue',
  'Other Income': 'Revenue',
};
const ACCOUNT_HANDLED = new Set([
  'Name',
  'AccountType',
  'AccountSubType',
  'Active',
  'Classification',
  'FullyQualifiedName',
  'CurrentBalance',
  'CurrentBalanceWithSubAccounts',
  'SubAccount',
]);
const ACCOUNT_ALLOWED = keySet(
  [...ACCOUNT_HANDLED],
  [
    'ParentRef',
    'Description',
    'AcctNum',
    'CurrencyRef',
    'OpeningBalance',
    'OpeningBalanceDate',
    'TaxCodeRef',
    'AccountAlias',
    'TxnLocationType',
  ],
);
const accountSchema = z.looseObject({ Name: zStr, AccountType: zStr, AccountSubType: zStr, Active: zBool });

function buildAccount(ctx: WriteCtx, input: Record<string, unknown>, prev: Doc | undefined): Body {
  rejectUnknown(input, ACCOUNT_ALLOWED, 'Account');
  const p = parseWith(accountSchema, input);
  const name = listName(p.Name);
  const type = requireValue(p.AccountType, 'AccountType');
  const classification = CLASSIFICATION[type];
  if (!classification) throw fault.invalidEnum('AccountType', type);
  uniqueName(ctx, 'Account', name, prev?.Id);
  return {
    ...passthrough(input, ACCOUNT_HANDLED),
    Name: name,
    FullyQualifiedName: name,
    SubAccount: false,
    AccountType: type,
    ...(p.AccountSubType ? { AccountSubType: p.AccountSubType } : {}),
    Classification: classification,
    Active: p.Active ?? true,
    CurrentBalance: new Money(0),
    CurrentBalanceWithSubAccounts: new Money(0),
  };
}

// ---- PaymentMethod ----
const PM_ALLOWED = keySet(['Name', 'Active', 'Type']);
const pmSchema = z.looseObject({ Name: zStr, Active: zBool, Type: zStr });

function buildPaymentMethod(ctx: WriteCtx, input: Record<string, unknown>, prev: Doc | undefined): Body {
  rejectUnknown(input, PM_ALLOWED, 'PaymentMethod');
  const p = parseWith(pmSchema, input);
  const name = listName(p.Name);
  maxLen(name, 31, 'Name');
  const type = p.Type ?? 'NON_CREDIT_CARD';
  if (type !== 'CREDIT_CARD' && type !== 'NON_CREDIT_CARD') throw fault.invalidEnum('Type', type);
  uniqueName(ctx, 'PaymentMethod', name, prev?.Id);
  return { Name: name, Active: p.Active ?? true, Type: type };
}

// ---- TaxCode and TaxRate (seeded only; the v3 API creates them through TaxService, not modelled) ----
const taxSchema = z.looseObject({
  Name: zStr,
  Description: zStr,
  Taxable: zBool,
  Active: zBool,
  /** Non-US: the TaxRates the code applies on sales, in order. */
  SalesRates: z.array(zStr).nullish(),
});

function buildTaxCode(ctx: WriteCtx, input: Record<string, unknown>): Body {
  const p = parseWith(taxSchema, input);
  const body: Body = {
    Name: requireValue(p.Name, 'Name'),
    Description: p.Description ?? p.Name,
    Active: p.Active ?? true,
    Taxable: p.Taxable ?? false,
    TaxGroup: (p.SalesRates?.length ?? 0) > 1,
  };
  if (p.SalesRates?.length) {
    body['SalesTaxRateList'] = {
      TaxRateDetail: p.SalesRates.map((id, i) => {
        const rate = resolveRef(ctx, 'TaxRate', { value: id ?? '' }, 'TaxRateRef');
        return { TaxRateRef: { value: rate.Id, name: rate['Name'] }, TaxTypeApplicable: 'TaxOnAmount', TaxOrder: i };
      }),
    };
    body['PurchaseTaxRateList'] = { TaxRateDetail: [] };
  }
  return body;
}

const taxRateSchema = z.looseObject({
  Name: zStr,
  Description: zStr,
  RateValue: zStr,
  AgencyName: zStr,
  Active: zBool,
});

function buildTaxRate(_ctx: WriteCtx, input: Record<string, unknown>): Body {
  const p = parseWith(taxRateSchema, input);
  return {
    Name: requireValue(p.Name, 'Name'),
    Description: p.Description ?? p.Name,
    Active: p.Active ?? true,
    // QBO's RateValue is a percentage (9.975 for Quebec's QST).
    RateValue: Number(requireValue(p.RateValue, 'RateValue')),
    AgencyRef: { value: '1', name: p.AgencyName ?? 'Tax agency' },
    SpecialTaxType: 'NONE',
    DisplayType: 'ReadOnly',
  };
}

const list = (
  name: EntityName,
  idFamily: EntityDef['idFamily'],
  build: EntityDef['build'],
  extra: Partial<EntityDef> = {},
): EntityDef => ({
  name,
  path: name.toLowerCase(),
  idFamily,
  canCreate: true,
  canUpdate: true,
  canDelete: false,
  canVoid: false,
  hasActive: true,
  indexField: 'Name',
  build,
  ...extra,
});

export const itemDef = list('Item', 'item', buildItem);
export const accountDef = list('Account', 'account', buildAccount);
export const paymentMethodDef = list('PaymentMethod', 'paymentmethod', buildPaymentMethod);
export const taxCodeDef = list('TaxCode', 'taxcode', buildTaxCode, { canCreate: false, canUpdate: false });
export const taxRateDef = list('TaxRate', 'taxrate', buildTaxRate, { canCreate: false, canUpdate: false });
