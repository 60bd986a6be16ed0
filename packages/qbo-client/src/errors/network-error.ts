import { QboError } from './qbo-error.js';

/** No HTTP answer: timeout, reset, refused. A write may have committed; retry with the same requestid. */
export class NetworkError extends QboError {
  readonly code = 'NETWORK' as const;
  readonly kind = 'retryable' as const;
}
