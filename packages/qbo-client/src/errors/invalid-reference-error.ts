import { QboError } from './qbo-error.js';

/** 2500 / 610: a referenced entity is missing, deleted or inactive (often a stale mapping). */
export class InvalidReferenceError extends QboError {
  readonly code = 'INVALID_REFERENCE' as const;
  readonly kind = 'permanent' as const;
}
