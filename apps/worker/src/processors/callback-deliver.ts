import { CallbackJobPayload } from '@qbo-sync/contracts';
import { CallbackUrlRefusedError } from '@qbo-sync/security';
import { UnrecoverableError } from 'bullmq';
import { type CallbackDeps, deliverCallback } from '../callbacks/deliver.js';
import type { Processor } from './types.js';

/** callback.deliver: a signed webhook per status version, retried with the catalogue's backoff. */
export function callbackDeliverProcessor(deps: CallbackDeps): Processor {
  return async (job) => {
    try {
      return await deliverCallback(deps, CallbackJobPayload.parse(job.data));
    } catch (err) {
      // A refused target stays refused: fail the job once, with the reason, instead of retrying for hours.
      if (err instanceof CallbackUrlRefusedError) throw new UnrecoverableError(err.message);
      throw err;
    }
  };
}
