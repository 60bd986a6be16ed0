import type { CallbackDeps } from '../callbacks/deliver.js';
import type { SyncDeps } from '../sync/deps.js';
import { callbackDeliverProcessor } from './callback-deliver.js';
import { cdcSweepProcessor } from './cdc-sweep.js';
import { customerSyncProcessor } from './customer-sync.js';
import { depositsApplyProcessor } from './deposits-apply.js';
import { invoiceSyncProcessor } from './invoice-sync.js';
import { invoiceVoidProcessor } from './invoice-void.js';
import { jobCloseOutProcessor } from './job-close-out.js';
import { paymentSyncProcessor } from './payment-sync.js';
import { paymentVoidProcessor } from './payment-void.js';
import { qboChangeProcessor } from './qbo-change.js';
import { refundSyncProcessor } from './refund-sync.js';
import type { Handlers } from './types.js';

export function createHandlers(deps: SyncDeps, callbacks: CallbackDeps): Handlers {
  return {
    'customer.sync': customerSyncProcessor(deps),
    'invoice.sync': invoiceSyncProcessor(deps),
    'invoice.void': invoiceVoidProcessor(deps),
    'payment.sync': paymentSyncProcessor(deps),
    'payment.void': paymentVoidProcessor(deps),
    'refund.sync': refundSyncProcessor(deps),
    'job.close-out': jobCloseOutProcessor(deps),
    'deposits.apply': depositsApplyProcessor(deps),
    'callback.deliver': callbackDeliverProcessor(callbacks, deps.enqueue),
    'qbo.change': qboChangeProcessor(deps),
    'qbo.cdc-sweep': cdcSweepProcessor(deps),
  };
}
