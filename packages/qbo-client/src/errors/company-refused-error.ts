import { ValidationError } from './validation-error.js';

/**
 * The company connected fine but the caller refused it (e.g. a country qbo-sync does not serve): the grant
 * was revoked and nothing stored. `reason` says why and what to do.
 */
export class CompanyRefusedError extends ValidationError {
  constructor(
    readonly realmId: string,
    readonly reason: string,
  ) {
    super(`QuickBooks company ${realmId} refused: ${reason}`, { qboCode: 'company_refused' });
  }
}
