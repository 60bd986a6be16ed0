import { QboError } from './qbo-error.js';

/** 5010: the SyncToken is out of date; re-read the entity, reapply the change, retry. */
export class StaleObjectError extends QboError {
  readonly code = 'STALE_OBJECT' as const;
  readonly kind = 'stale' as const;
}
