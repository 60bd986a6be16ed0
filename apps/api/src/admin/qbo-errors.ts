import { isQboError } from '@qbo-sync/qbo-client';
import { ApiError } from '../errors.js';

/** A QBO failure while serving an admin request, in the admin API's words; anything else is rethrown. */
export function qboFailure(err: unknown, tenantId: string): ApiError {
  if (!isQboError(err)) throw err;
  const reconnect = `Connect it: GET /admin/tenants/${tenantId}/connect (console: Connect QuickBooks).`;
  switch (err.code) {
    case 'NOT_CONNECTED':
      return new ApiError(
        409,
        'not_connected',
        `Tenant "${tenantId}" has no active QuickBooks connection. ${reconnect}`,
      );
    case 'NEEDS_RECONNECT':
      return new ApiError(409, 'needs_reconnect', `QuickBooks access for "${tenantId}" was lost. ${reconnect}`);
    case 'THROTTLED':
    case 'REALM_BUSY': {
      const seconds = Math.max(1, Math.ceil((err.retryAfterMs ?? 1_000) / 1000));
      return new ApiError(
        503,
        'qbo_unavailable',
        `QuickBooks is busy for this company (its request budget is in use by syncs). Try again in ${seconds} s.`,
      );
    }
    case 'SERVER':
    case 'NETWORK':
      return new ApiError(502, 'qbo_unavailable', `QuickBooks could not be reached (${err.code}). Try again shortly.`);
    default:
      return new ApiError(502, 'qbo_error', `QuickBooks answered ${err.code}: ${err.message}`);
  }
}
