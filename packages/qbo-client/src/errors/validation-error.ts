import { QboError } from './qbo-error.js';

/** QBO rejected the data (6000 family, 2020, 2050, query errors, other 4xx): permanent until the data changes. */
export class ValidationError extends QboError {
  readonly code = 'VALIDATION' as const;
  readonly kind = 'permanent' as const;
}
