import type { QboError } from './errors/qbo-error.js';

// The QBO shapes the workers read and write. Only the fields we rely on are typed; QBO sends many more,
// and bodies we send may carry any documented field, hence the open index signatures.

export interface Ref {
  value: string;
  name?: string;
  type?: string;
}

export interface QboEntityBase {
  Id: string;
  SyncToken: string;
  MetaData?: { CreateTime: string; LastUpdatedTime: string };
  [field: string]: unknown;
}

/** What create accepts: the same shape without Id/SyncToken. */
export type NewEntity<T extends QboEntityBase> = Omit<T, 'Id' | 'SyncToken' | 'MetaData'> & {
  [field: string]: unknown;
};
/** What update accepts: Id + current SyncToken, and (sparse by default) only the fields to change. */
export type EntityUpdate<T extends QboEntityBase> = Partial<Omit<T, 'Id' | 'SyncToken'>> & {
  Id: string;
  SyncToken: string;
  sparse?: boolean;
};

export interface QboCustomer extends QboEntityBase {
  DisplayName: string;
  GivenName?: string;
  FamilyName?: string;
  CompanyName?: string;
  PrimaryEmailAddr?: { Address: string };
  Active?: boolean;
  Job?: boolean;
  ParentRef?: Ref;
  Notes?: string;
}

export interface QboLine {
  Amount: number | string;
  DetailType: string;
  Description?: string;
  [field: string]: unknown;
}

export interface QboInvoice extends QboEntityBase {
  CustomerRef: Ref;
  Line: QboLine[];
  DocNumber?: string;
  TxnDate?: string;
  TotalAmt?: number;
  Balance?: number;
  PrivateNote?: string;
}

export interface QboPayment extends QboEntityBase {
  CustomerRef: Ref;
  TotalAmt: number | string;
  Line?: { Amount: number | string; LinkedTxn: { TxnId: string; TxnType: string }[] }[];
  PaymentRefNum?: string;
  UnappliedAmt?: number;
  PrivateNote?: string;
}

export interface QboPurchase extends QboEntityBase {
  PaymentType: 'Cash' | 'Check' | 'CreditCard';
  AccountRef: Ref;
  EntityRef?: Ref;
  Line: QboLine[];
  TotalAmt?: number;
  PrivateNote?: string;
}

/** A sale paid on the spot; qbo-sync posts a payment's tip as one (see sync-core tips.ts). */
export interface QboSalesReceipt extends QboEntityBase {
  CustomerRef?: Ref;
  TxnDate?: string;
  TotalAmt?: number | string;
  PrivateNote?: string;
  Line: QboLine[];
}

export interface QboItem extends QboEntityBase {
  Name: string;
  Type?: string;
  Active?: boolean;
  IncomeAccountRef?: Ref;
}

export interface QboAccount extends QboEntityBase {
  Name: string;
  AccountType: string;
  AccountSubType?: string;
  Active?: boolean;
}

export interface QboPaymentMethod extends QboEntityBase {
  Name: string;
  Type?: string;
  Active?: boolean;
}

export interface QboTaxCode extends QboEntityBase {
  Name: string;
  Taxable?: boolean;
  Active?: boolean;
}

export interface QboCompanyInfo extends QboEntityBase {
  CompanyName?: string;
  /** ISO country the company file is set up for (the UK edition may say "UK"). */
  Country?: string;
}

export interface QboPreferences extends QboEntityBase {
  SalesFormsPrefs?: { CustomTxnNumbers?: boolean; [field: string]: unknown };
  CurrencyPrefs?: { MultiCurrencyEnabled?: boolean; HomeCurrency?: Ref; [field: string]: unknown };
  TaxPrefs?: { UsingSalesTax?: boolean; PartnerTaxEnabled?: boolean; [field: string]: unknown };
  /** Name/value pairs; `SalesFormsPrefs.AllowGratuity` says whether tips are on (minor version ≥ 30). */
  OtherPrefs?: { NameValue?: { Name: string; Value: string }[] };
}

/** One operation inside a batch request. `bId` must be unique in the batch and ≤ 10 chars with a requestid. */
export type BatchItem =
  | { bId: string; operation: 'create' | 'update' | 'delete'; entity: string; body: Record<string, unknown> }
  | { bId: string; query: { toString(): string } };

export type BatchResult =
  | { bId: string; ok: true; entity?: string; value: unknown }
  | { bId: string; ok: false; error: QboError };
