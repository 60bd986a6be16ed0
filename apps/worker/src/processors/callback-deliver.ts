import { CallbackJobPayload } from '@qbo-sync/contracts';
import { type CallbackDeps, deliverCallback } from '../callbacks/deliver.js';
import type { Processor } from './types.js';

/** callback.deliver: a signed webhook per status version, retried with the catalogue's backoff. */
export function callbackDeliverProcessor(deps: CallbackDeps): Processor {
  return async (job) => deliverCallback(deps, CallbackJobPayload.parse(job.data));
}
