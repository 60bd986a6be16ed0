import { QboError, type QboErrorDetails } from './qbo-error.js';

/** QBO throttled the realm (HTTP 429 / 3001); retryAfterMs is Retry-After when sent, else 60 s. */
export class ThrottledError extends QboError {
  readonly code = 'THROTTLED' as const;
  readonly kind = 'throttled' as const;
  declare readonly retryAfterMs: number;

  constructor(message: string, details: QboErrorDetails & { retryAfterMs: number }) {
    super(message, details);
  }
}
