/** The QBO objects we link to; the deep-link page names come from qbo-facts §11. */
export type LinkedEntity = 'Customer' | 'Invoice' | 'Payment' | 'Purchase';

/** "View in QuickBooks" link: `<appBase>/invoice?txnId=42`, `<appBase>/customerdetail?nameId=7`. */
export function qboLink(appBaseUrl: string, entity: LinkedEntity, id: string): string {
  const base = appBaseUrl.replace(/\/+$/, '');
  const q = encodeURIComponent(id);
  switch (entity) {
    case 'Customer':
      return `${base}/customerdetail?nameId=${q}`;
    case 'Invoice':
      return `${base}/invoice?txnId=${q}`;
    case 'Payment':
      return `${base}/recvpayment?txnId=${q}`;
    case 'Purchase':
      return `${base}/expense?txnId=${q}`;
  }
}
