import { AuthError } from './auth-error.js';

/**
 * The OAuth callback named a company (realmId) that the tokens just granted cannot read: the callback was
 * altered, or the company id does not match the consent. Nothing may be stored for it.
 */
export class RealmMismatchError extends AuthError {
  constructor(readonly realmId: string) {
    super(
      `the QuickBooks authorization is not for QuickBooks company ${realmId} (the company id in the callback does not match the company that was authorized)`,
      { qboCode: 'realm_mismatch' },
    );
  }
}
