import { QboError } from './qbo-error.js';

/** The grant is gone (invalid_grant, or QBO revoked the app's access): a person must reconnect. */
export class NeedsReconnectError extends QboError {
  readonly code = 'NEEDS_RECONNECT' as const;
  readonly kind = 'auth' as const;
}
