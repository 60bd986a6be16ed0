import { QboError } from './qbo-error.js';

/** QBO or the token endpoint answered 5xx. */
export class ServerError extends QboError {
  readonly code = 'SERVER' as const;
  readonly kind = 'retryable' as const;
}
