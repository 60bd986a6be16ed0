import { QboError } from './qbo-error.js';

/** Our shared per-realm budget had no room within the short wait; defer the job by retryAfterMs. */
export class RealmBusyError extends QboError {
  readonly code = 'REALM_BUSY' as const;
  readonly kind = 'throttled' as const;
  declare readonly retryAfterMs: number;

  constructor(
    readonly realmId: string,
    retryAfterMs: number,
  ) {
    super(`QBO budget for realm ${realmId} is in use; try again in ${retryAfterMs} ms`, { retryAfterMs });
  }
}
