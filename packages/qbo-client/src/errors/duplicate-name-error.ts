import { QboError } from './qbo-error.js';

/** 6240: the name is already used by a Customer, Vendor or Employee (Detail carries the existing Id). */
export class DuplicateNameError extends QboError {
  readonly code = 'DUPLICATE_NAME' as const;
  readonly kind = 'conflict' as const;
}
