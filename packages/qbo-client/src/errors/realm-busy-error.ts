import { QboError } from './qbo-error.js';

/** Our shared per-realm budget had no room within the short wait; defer the job by retryAfterMs. */
export class RealmBusyError extends QboError {
  readonly code = 'REALM_BUSY' as const;
  readonly kind = 'throttled' as const;
  declare readonly retryAfterMs: number;
  /**
   * True when the call this refusal ended sent no request to QBO at all (its first request found no room):
   * a caller that marked "create started" may take the mark back, since nothing can have been committed.
   */
  nothingSent = false;

  constructor(
    readonly realmId: string,
    retryAfterMs: number,
  ) {
    super(`QBO budget for realm ${realmId} is in use; try again in ${retryAfterMs} ms`, { retryAfterMs });
  }
}
