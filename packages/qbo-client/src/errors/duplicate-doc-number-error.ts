import { QboError } from './qbo-error.js';

/** 6140: the document number is already used; the worker adopts the existing invoice if it is ours. */
export class DuplicateDocNumberError extends QboError {
  readonly code = 'DUPLICATE_DOC_NUMBER' as const;
  readonly kind = 'conflict' as const;
}
