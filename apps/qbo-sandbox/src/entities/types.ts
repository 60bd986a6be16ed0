// Shared entity types: stored documents, the write context and the per-entity definition contract.
import type { Realm } from '../store.js';

export type EntityName =
  | 'Customer'
  | 'Vendor'
  | 'Employee'
  | 'Item'
  | 'Account'
  | 'PaymentMethod'
  | 'TaxCode'
  | 'TaxRate'
  | 'Invoice'
  | 'Payment'
  | 'Purchase'
  | 'SalesReceipt';

export const ENTITY_NAMES: readonly EntityName[] = [
  'Customer',
  'Vendor',
  'Employee',
  'Item',
  'Account',
  'PaymentMethod',
  'TaxCode',
  'TaxRate',
  'Invoice',
  'Payment',
  'Purchase',
  'SalesReceipt',
];

/** QBO numbers names, transactions and lists from separate sequences. */
export type IdFamily = 'name' | 'txn' | 'item' | 'account' | 'paymentmethod' | 'taxcode' | 'taxrate';

export interface MetaData {
  CreateTime: string;
  LastUpdatedTime: string;
}

/** A stored entity exactly as it is serialised (money fields are Money instances). */
export interface Doc {
  Id: string;
  SyncToken: string;
  MetaData: MetaData;
  [k: string]: unknown;
}

/** An entity's fields without Id, SyncToken and MetaData. */
export type Body = Record<string, unknown>;

export interface Ref {
  value: string;
  name?: string;
  type?: string;
}

export interface WriteCtx {
  realm: Realm;
  now: number;
  /** Values of the `include` query parameter, lower-cased (e.g. allowduplicatedocnum). */
  include: ReadonlySet<string>;
}

export interface EntityDef {
  name: EntityName;
  /** URL segment, e.g. "paymentmethod". */
  path: string;
  idFamily: IdFamily;
  canCreate: boolean;
  canUpdate: boolean;
  canDelete: boolean;
  canVoid: boolean;
  hasActive: boolean;
  /** Field kept in a lower-cased index for uniqueness checks and fast queries. */
  indexField?: string;
  /** Validates the (merged) input and returns the new body; must not mutate anything. */
  build(ctx: WriteCtx, input: Record<string, unknown>, prev: Doc | undefined): Body;
  /** Body of the voided transaction. */
  voidBody?(ctx: WriteCtx, prev: Doc): Body;
  /** Checks run before a delete or void (throw to refuse). */
  beforeRemove?(ctx: WriteCtx, prev: Doc): void;
  /** Side effects on other entities (links, balances) after this one is stored or removed. */
  afterWrite?(ctx: WriteCtx, prev: Doc | undefined, next: Doc | undefined): void;
}
