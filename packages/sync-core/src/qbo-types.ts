// The slice of QBO's entity shapes that sync-core builds or reads. Field names are QBO's own.

export interface Ref {
  value: string;
  name?: string;
}

export interface QboCustomerBody {
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
}

export interface QboAddress {
  Line1?: string;
  Line2?: string;
  City?: string;
  CountrySubDivisionCode?: string;
  PostalCode?: string;
  Country?: string;
}

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

export interface QboSalesItemLine {
  DetailType: 'SalesItemLineDetail';
  Amount: number;
  Description?: string;
  SalesItemLineDetail: { ItemRef: Ref; Qty: number; UnitPrice: number; TaxCodeRef?: Ref };
}

export interface QboInvoiceBody {
  CustomerRef: Ref;
  DocNumber?: string;
  TxnDate: string;
  DueDate?: string;
  CurrencyRef?: Ref;
  PrivateNote: string;
  CustomerMemo?: { value: string };
  Line: QboSalesItemLine[];
  TxnTaxDetail?: { TotalTax: number };
}

export interface QboInvoice {
  Id: string;
  SyncToken: string;
  DocNumber?: string;
  PrivateNote?: string;
  TotalAmt?: number;
  Balance?: number;
  CustomerRef?: Ref;
}

export interface QboLinkedTxn {
  TxnId: string;
  TxnType: 'Invoice' | 'CreditMemo' | 'JournalEntry' | 'Expense' | 'Check' | 'CreditCardCredit';
}

export interface QboPaymentLine {
  Amount: number;
  LinkedTxn: QboLinkedTxn[];
}

export interface QboPaymentBody {
  CustomerRef: Ref;
  TotalAmt: number;
  TxnDate: string;
  CurrencyRef?: Ref;
  PaymentMethodRef?: Ref;
  DepositToAccountRef?: Ref;
  PaymentRefNum?: string;
  PrivateNote: string;
  Line?: QboPaymentLine[];
}

export interface QboPayment {
  Id: string;
  SyncToken: string;
  TotalAmt?: number;
  UnappliedAmt?: number;
  PrivateNote?: string;
  Line?: QboPaymentLine[];
}

/** Sparse update: only the fields present change; `Line` must carry every line that should exist. */
export interface QboPaymentLinesUpdate {
  Id: string;
  SyncToken: string;
  sparse: true;
  Line: QboPaymentLine[];
}

export interface QboPurchaseBody {
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
}
