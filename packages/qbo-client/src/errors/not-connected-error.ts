import { QboError } from './qbo-error.js';

/** The tenant has no active QBO connection (never connected, or disconnected). */
export class NotConnectedError extends QboError {
  readonly code = 'NOT_CONNECTED' as const;
  readonly kind = 'auth' as const;
}
