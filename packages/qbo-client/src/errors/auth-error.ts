import { QboError } from './qbo-error.js';

/** 401 / 3200 that a token refresh did not cure, or a rejected client id/secret or authorization code. */
export class AuthError extends QboError {
  readonly code = 'AUTH' as const;
  readonly kind = 'auth' as const;
}
