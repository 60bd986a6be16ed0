// The slice of QBO's entity shapes that sync-core builds or reads. Field names are QBO's own.
// Bodies we send are type aliases (not interfaces) so they fit clients that accept any extra field.

export interface Ref {
  value: string;
  name?: string;
}

export type QboCustomerBody = {
  DisplayName: string;
  GivenName?: string;
  FamilyName?: string;
  CompanyName?: string;
  PrimaryEmailAddr?: { Address: string };
  PrimaryPhone?: { FreeFormNumber: string };
  BillAddr?: QboAddress;
  ShipAddr?: QboAddress;
  Notes?: string;
  ParentRef?: Ref;
  Job?: boolean;
  BillWithParent?: boolean;
};

export type QboAddress = {
  Line1?: string;
  Line2?: string;
  City?: string;
  CountrySubDivisionCode?: string;
  PostalCode?: string;
  Country?: string;
};

/** A customer as read back from QBO (queries and creates). */
export interface QboCustomer {
  Id: string;
  SyncToken?: string;
  DisplayName: string;
  GivenName?: string;
  FamilyName?: string;
  CompanyName?: string;
  PrimaryEmailAddr?: { Address?: string };
  Notes?: string;
  Active?: boolean;
}

export type QboSalesItemLine = {
  DetailType: 'SalesItemLineDetail';
  Amount: number;
  Description?: string;
  SalesItemLineDetail: { ItemRef: Ref; Qty: number; UnitPrice: number; TaxCodeRef?: Ref };
};

export type QboInvoiceBody = {
  CustomerRef: Ref;
  DocNumber?: string;
  TxnDate: string;
  DueDate?: string;
  CurrencyRef?: Ref;
  PrivateNote: string;
  CustomerMemo?: { value: string };
  Line: QboSalesItemLine[];
  TxnTaxDetail?: { TotalTax: number };
  /** Non-US companies: line amounts exclude tax (required outside the US, not applicable in it). */
  GlobalTaxCalculation?: 'TaxExcluded';
};

export interface QboInvoice {
  Id: string;
  SyncToken: string;
  DocNumber?: string;
  PrivateNote?: string;
  TotalAmt?: number;
  Balance?: number;
  CustomerRef?: Ref;
}

export type QboLinkedTxn = {
  TxnId: string;
  /** Invoice, CreditMemo, JournalEntry, Expense, Check or CreditCardCredit. */
  TxnType: string;
};

export type QboPaymentLine = {
  Amount: number;
  LinkedTxn: QboLinkedTxn[];
};

export type QboPaymentBody = {
  CustomerRef: Ref;
  TotalAmt: number;
  TxnDate: string;
  CurrencyRef?: Ref;
  PaymentMethodRef?: Ref;
  DepositToAccountRef?: Ref;
  PaymentRefNum?: string;
  PrivateNote: string;
  Line?: QboPaymentLine[];
};

/** A payment as read back from QBO (amounts may come as numbers or decimal strings). */
export interface QboPayment {
  Id: string;
  SyncToken: string;
  TotalAmt?: number | string;
  UnappliedAmt?: number | string;
  PrivateNote?: string;
  CustomerRef?: Ref;
  Line?: { Amount: number | string; LinkedTxn: { TxnId: string; TxnType: string }[] }[];
}

/** Sparse update: only the fields present change; `Line` must carry every line that should exist. */
export type QboPaymentLinesUpdate = {
  Id: string;
  SyncToken: string;
  sparse: true;
  Line: QboPaymentLine[];
};

export type QboPurchaseBody = {
  PaymentType: 'Cash';
  AccountRef: Ref;
  EntityRef: Ref & { type: 'Customer' };
  TxnDate: string;
  CurrencyRef?: Ref;
  DocNumber?: string;
  PrivateNote: string;
  TotalAmt: number;
  Line: {
    DetailType: 'AccountBasedExpenseLineDetail';
    Amount: number;
    Description?: string;
    AccountBasedExpenseLineDetail: { AccountRef: Ref; CustomerRef?: Ref };
  }[];
};
