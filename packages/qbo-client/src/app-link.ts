/** Entities a "View in QuickBooks" link can point at. */
export type AppLinkEntity = 'invoice' | 'payment' | 'purchase' | 'customer' | 'salesreceipt';

// Page names from QBO's web app (qbo-facts §11): transactions use txnId, names use nameId.
const PAGES: Record<AppLinkEntity, { page: string; param: 'txnId' | 'nameId' }> = {
  invoice: { page: 'invoice', param: 'txnId' },
  payment: { page: 'recvpayment', param: 'txnId' },
  purchase: { page: 'expense', param: 'txnId' },
  salesreceipt: { page: 'salesreceipt', param: 'txnId' },
  customer: { page: 'customerdetail', param: 'nameId' },
};

/** Deep link into the QBO web app, e.g. https://app.qbo.intuit.com/app/invoice?txnId=130. */
export function appLink(appBaseUrl: string, entity: AppLinkEntity, id: string): string {
  const { page, param } = PAGES[entity];
  return `${appBaseUrl.replace(/\/+$/, '')}/${page}?${param}=${encodeURIComponent(id)}`;
}
