// Reading one owned QBO object for a drift check, and turning QBO faults into a deferral or a rethrow.
import { isQboError, type QboEntityBase } from '@qbo-sync/qbo-client';
import { faultStatus, fingerprintOf, type QboObservation } from '@qbo-sync/sync-core';
import type { SyncDeps } from '../sync/deps.js';
import { faultOf } from '../sync/faults.js';
import { defer, type JobRun, stepAsideOf, throttleDeferral } from '../sync/step-aside.js';
import type { TenantContext } from '../sync/tenant-context.js';

/** What QBO shows of an invoice or payment now; a read answered "not found" (610) means it was deleted. */
export async function observe(
  ctx: TenantContext,
  entity: 'invoice' | 'payment',
  qboId: string,
): Promise<QboObservation> {
  const realm = await ctx.realm();
  try {
    const obj = entity === 'invoice' ? await realm.getInvoice(qboId) : await realm.getPayment(qboId);
    return observed(entity, obj);
  } catch (err) {
    if (isQboError(err) && err.qboCode === '610') return { deleted: true };
    throw err;
  }
}

export function observed(entity: 'invoice' | 'payment', obj: QboEntityBase): QboObservation {
  return { deleted: false, syncToken: obj.SyncToken, fingerprint: fingerprintOf(entity, obj) };
}

/**
 * A drift job's failure: a spent company budget, a QBO throttle or a busy entity hands the job back (no
 * attempt spent), like a sync's; anything else is rethrown for BullMQ's backoff.
 */
export async function stepAsideOrThrow(_deps: SyncDeps, run: JobRun, err: unknown): Promise<never> {
  const aside = stepAsideOf(err);
  if (aside) return defer(run, aside.ms, aside.reason);
  const fault = faultOf(err);
  if (fault && faultStatus(fault.code, fault.detail).handling === 'delay') {
    const t = throttleDeferral(fault.code, err);
    return defer(run, t.ms, t.reason);
  }
  throw err;
}
