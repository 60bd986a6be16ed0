import { CallbackJobPayload } from '@qbo-sync/contracts';
import type { Enqueue } from '@qbo-sync/producer';
import { arrangeCallbackRun } from '@qbo-sync/producer';
import { CallbackUrlRefusedError } from '@qbo-sync/security';
import { UnrecoverableError } from 'bullmq';
import { type CallbackDeps, deliverCallbacks } from '../callbacks/deliver.js';
import type { Processor } from './types.js';

/**
 * callback.deliver: one run per tenant delivers every status version not yet announced (a signed POST per
 * record), retried with the catalogue's backoff. Returns `delivered <n>` or why nothing was sent.
 */
export function callbackDeliverProcessor(deps: CallbackDeps, enqueue: Enqueue): Processor {
  return async (job) => {
    const payload = CallbackJobPayload.parse(job.data);
    try {
      const run = await deliverCallbacks(deps, payload);
      // A full batch: the rest in a follow-up run, queued when this one ends (behind other tenants' runs).
      if (run.more) await arrangeCallbackRun(enqueue, payload.tenantId, { after: job.id ?? String(Date.now()) });
      return run.result === 'delivered' ? `delivered ${run.delivered}` : run.result;
    } catch (err) {
      // A refused target stays refused: fail the job once, with the reason, instead of retrying for hours.
      if (err instanceof CallbackUrlRefusedError) throw new UnrecoverableError(err.message);
      throw err;
    }
  };
}
