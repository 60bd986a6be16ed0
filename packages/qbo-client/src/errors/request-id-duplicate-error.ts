import { QboError } from './qbo-error.js';

/** 600: QBO saw this requestid before; look the result up by natural key. */
export class RequestIdDuplicateError extends QboError {
  readonly code = 'REQUEST_ID_DUPLICATE' as const;
  readonly kind = 'conflict' as const;
}
