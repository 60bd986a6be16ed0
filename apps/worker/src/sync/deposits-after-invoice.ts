import type { SyncRecordRow } from '@qbo-sync/db/repositories/sync-records';
import { applyJobDeposits } from './deposits.js';
import type { SyncDeps } from './deps.js';
import { parseInvoice } from './snapshots.js';
import type { TenantContext } from './tenant-context.js';

/** Once a job's invoice is in QBO, the job's earlier deposits are applied to it. */
export async function applyDepositsAfterInvoice(
  deps: SyncDeps,
  ctx: TenantContext,
  record: SyncRecordRow,
): Promise<void> {
  if (!record.qboId || !record.snapshot) return;
  const invoice = parseInvoice(record.snapshot);
  if (!invoice.jobId) return;
  await applyJobDeposits(deps, ctx, invoice.jobId, { externalId: invoice.id, qboId: record.qboId });
}
