// Customer, Vendor and Employee: one DisplayName namespace shared by all three, like QBO.
import { z } from 'zod';
import { fault } from '../faults.js';
import { Money } from '../money.js';
import {
  checkNameChars,
  deletedName,
  keySet,
  maxLen,
  moneyField,
  parseWith,
  passthrough,
  rejectUnknown,
  resolveRef,
  zBool,
  zRef,
  zStr,
} from './common.js';
import type { Body, Doc, EntityDef, WriteCtx } from './types.js';

type NameEntity = 'Customer' | 'Vendor' | 'Employee';
const NAME_ENTITIES: readonly NameEntity[] = ['Customer', 'Vendor', 'Employee'];

const schema = z.looseObject({
  DisplayName: zStr,
  Title: zStr,
  GivenName: zStr,
  MiddleName: zStr,
  FamilyName: zStr,
  Suffix: zStr,
  PrintOnCheckName: zStr,
  CompanyName: zStr,
  Active: zBool,
  PrimaryEmailAddr: z.looseObject({ Address: zStr }).nullish(),
  ParentRef: zRef,
  Job: zBool,
  BillWithParent: zBool,
});

const PARTS = [
  ['Title', 16],
  ['GivenName', 100],
  ['MiddleName', 100],
  ['FamilyName', 100],
  ['Suffix', 16],
] as const;

const HANDLED = new Set([
  'DisplayName',
  'Title',
  'GivenName',
  'MiddleName',
  'FamilyName',
  'Suffix',
  'PrintOnCheckName',
  'CompanyName',
  'Active',
  'PrimaryEmailAddr',
  'ParentRef',
  'Job',
  'BillWithParent',
  'FullyQualifiedName',
  'Level',
  'Balance',
  'BalanceWithJobs',
]);

const COMMON = [
  ...HANDLED,
  'PrimaryPhone',
  'AlternatePhone',
  'Mobile',
  'Fax',
  'WebAddr',
  'Notes',
  'V4IDPseudonym',
  'Source',
];

const ALLOWED: Record<NameEntity, ReadonlySet<string>> = {
  Customer: keySet(COMMON, [
    'BillAddr',
    'ShipAddr',
    'OtherAddr',
    'Taxable',
    'TaxExemptionReasonId',
    'DefaultTaxCodeRef',
    'ResaleNum',
    'SalesTermRef',
    'PaymentMethodRef',
    'CurrencyRef',
    'PreferredDeliveryMethod',
    'OpenBalanceDate',
    'IsProject',
    'PrimaryTaxIdentifier',
    'SecondaryTaxIdentifier',
    'ARAccountRef',
    'GSTIN',
    'BusinessNumber',
    'GSTRegistrationType',
    'CustomerTypeRef',
    'ClientEntityId',
  ]),
  Vendor: keySet(COMMON, [
    'BillAddr',
    'OtherContactInfo',
    'Vendor1099',
    'AcctNum',
    'TermRef',
    'APAccountRef',
    'BillRate',
    'CostRate',
    'TaxIdentifier',
    'CurrencyRef',
    'VendorPaymentBank',
    'T4AEligible',
    'T5018Eligible',
    'HasTPAR',
    'TaxReportingBasis',
    'GSTIN',
    'BusinessNumber',
    'GSTRegistrationType',
  ]),
  Employee: keySet(COMMON, [
    'PrimaryAddr',
    'EmployeeNumber',
    'SSN',
    'BillableTime',
    'BillRate',
    'CostRate',
    'BirthDate',
    'Gender',
    'HiredDate',
    'ReleasedDate',
    'Organization',
  ]),
};

/** The Customer/Vendor/Employee using this DisplayName (case-insensitive), other than selfId. */
export function nameTaken(ctx: WriteCtx, name: string, selfId?: string): Doc | undefined {
  for (const e of NAME_ENTITIES) {
    for (const d of ctx.realm.table(e).byKey(name)) if (d.Id !== selfId) return d;
  }
  return undefined;
}

function build(entity: NameEntity, ctx: WriteCtx, input: Record<string, unknown>, prev: Doc | undefined): Body {
  rejectUnknown(input, ALLOWED[entity], entity);
  const p = parseWith(schema, input);
  const body: Body = passthrough(input, HANDLED);
  const parts: string[] = [];
  for (const [field, max] of PARTS) {
    const val = p[field]?.trim();
    maxLen(val, max, field);
    checkNameChars(val, field);
    if (val) {
      body[field] = val;
      parts.push(val);
    }
  }
  let display = p.DisplayName?.trim() || parts.join(' ');
  if (!display) throw fault.noName();
  maxLen(display, 500, 'DisplayName');
  checkNameChars(display, 'DisplayName');
  checkNameChars(p.PrintOnCheckName, 'PrintOnCheckName');
  maxLen(p.PrintOnCheckName, 110, 'PrintOnCheckName');
  maxLen(p.CompanyName, 100, 'CompanyName');
  const email = p.PrimaryEmailAddr?.Address?.trim();
  if (email) {
    maxLen(email, 100, 'PrimaryEmailAddr.Address');
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) {
      throw fault.business('Email Address does not conform to the syntax rules of RFC 822.', 'PrimaryEmailAddr');
    }
    body['PrimaryEmailAddr'] = { Address: email };
  }
  const active = p.Active ?? true;
  if (!active && prev?.['Active'] !== false) {
    display = deletedName(display, (c) => nameTaken(ctx, c, prev?.Id) !== undefined);
  }
  const clash = nameTaken(ctx, display, prev?.Id);
  if (clash) throw fault.duplicateName(clash.Id);
  body['DisplayName'] = display;
  body['PrintOnCheckName'] = p.PrintOnCheckName?.trim() || display;
  body['Active'] = active;
  if (p.CompanyName) body['CompanyName'] = p.CompanyName;
  body['FullyQualifiedName'] = display;
  if (entity === 'Customer') {
    let level = 0;
    if (p.ParentRef) {
      if (p.ParentRef.value === prev?.Id) throw fault.business('A customer cannot be its own parent.', 'ParentRef');
      const parent = resolveRef(ctx, 'Customer', p.ParentRef, 'ParentRef');
      level = (typeof parent['Level'] === 'number' ? parent['Level'] : 0) + 1;
      if (level > 4) throw fault.business('Sub-customers can be nested at most 4 levels deep.', 'ParentRef');
      body['ParentRef'] = { value: parent.Id };
      body['FullyQualifiedName'] = `${String(parent['FullyQualifiedName'])}:${display}`;
      body['BillWithParent'] = p.BillWithParent ?? false;
    }
    body['Job'] = level > 0;
    body['Level'] = level;
    body['Balance'] = new Money(moneyField(prev, 'Balance'));
    body['BalanceWithJobs'] = new Money(moneyField(prev, 'BalanceWithJobs'));
  }
  return body;
}

function nameDef(entity: NameEntity): EntityDef {
  return {
    name: entity,
    path: entity.toLowerCase(),
    idFamily: 'name',
    canCreate: true,
    canUpdate: true,
    canDelete: false,
    canVoid: false,
    hasActive: true,
    indexField: 'DisplayName',
    build: (ctx, input, prev) => build(entity, ctx, input, prev),
  };
}

export const customerDef = nameDef('Customer');
export const vendorDef = nameDef('Vendor');
export const employeeDef = nameDef('Employee');
