// Filterable (and sortable) fields per entity, with how to read and compare each one.
import type { Doc, EntityName } from '../entities/types.js';

export type FieldKind = 'id' | 'string' | 'bool' | 'money' | 'date' | 'datetime' | 'ref';

export interface FieldSpec {
  name: string;
  kind: FieldKind;
  get(doc: Doc): unknown;
}

const top =
  (name: string) =>
  (d: Doc): unknown =>
    d[name];
const sub =
  (name: string, key: string) =>
  (d: Doc): unknown =>
    (d[name] as Record<string, unknown> | undefined)?.[key];

const f = (name: string, kind: FieldKind, get: (d: Doc) => unknown = top(name)): FieldSpec => ({ name, kind, get });

const META = [
  f('MetaData.CreateTime', 'datetime', (d) => d.MetaData.CreateTime),
  f('MetaData.LastUpdatedTime', 'datetime', (d) => d.MetaData.LastUpdatedTime),
];
const ID = f('Id', 'id');
const ACTIVE = f('Active', 'bool');
const NAME = f('Name', 'string');
const PERSON = [
  ID,
  f('DisplayName', 'string'),
  f('GivenName', 'string'),
  f('MiddleName', 'string'),
  f('FamilyName', 'string'),
  f('FullyQualifiedName', 'string'),
  f('CompanyName', 'string'),
  f('PrimaryEmailAddr', 'string', sub('PrimaryEmailAddr', 'Address')),
  ACTIVE,
  ...META,
];

const FIELDS: Record<EntityName, FieldSpec[]> = {
  Customer: PERSON,
  Vendor: PERSON,
  Employee: PERSON,
  Invoice: [
    ID,
    f('DocNumber', 'string'),
    f('TxnDate', 'date'),
    f('DueDate', 'date'),
    f('CustomerRef', 'ref', sub('CustomerRef', 'value')),
    f('TotalAmt', 'money'),
    f('Balance', 'money'),
    ...META,
  ],
  Payment: [
    ID,
    f('TxnDate', 'date'),
    f('CustomerRef', 'ref', sub('CustomerRef', 'value')),
    f('PaymentRefNum', 'string'),
    f('TotalAmt', 'money'),
    ...META,
  ],
  Purchase: [ID, f('DocNumber', 'string'), f('TxnDate', 'date'), f('PaymentType', 'string'), ...META],
  SalesReceipt: [
    ID,
    f('DocNumber', 'string'),
    f('TxnDate', 'date'),
    f('CustomerRef', 'ref', sub('CustomerRef', 'value')),
    f('TotalAmt', 'money'),
    ...META,
  ],
  Item: [ID, NAME, ACTIVE, f('Type', 'string'), f('Sku', 'string'), ...META],
  Account: [
    ID,
    NAME,
    f('AccountType', 'string'),
    f('AccountSubType', 'string'),
    f('Classification', 'string'),
    ACTIVE,
    ...META,
  ],
  PaymentMethod: [ID, NAME, ACTIVE, ...META],
  TaxCode: [ID, NAME, ACTIVE, ...META],
  TaxRate: [ID, NAME, ACTIVE, ...META],
};

const LOOKUP = new Map<EntityName, Map<string, FieldSpec>>(
  Object.entries(FIELDS).map(([e, specs]) => [e as EntityName, new Map(specs.map((s) => [s.name.toLowerCase(), s]))]),
);

/** Case-insensitive field lookup; undefined = not queryable. */
export function fieldFor(entity: EntityName, name: string): FieldSpec | undefined {
  return LOOKUP.get(entity)?.get(name.toLowerCase());
}
