import { assertNever, isQboError, type QboErrorCode } from '@qbo-sync/qbo-client';
import type { QboFaultCode } from '@qbo-sync/sync-core';

/** qbo-client's error codes onto sync-core's fault taxonomy (one handling and sentence each). */
export function faultCodeOf(code: QboErrorCode): QboFaultCode {
  switch (code) {
    case 'DUPLICATE_NAME':
      return 'DUPLICATE_NAME';
    case 'DUPLICATE_DOC_NUMBER':
      return 'DUPLICATE_DOC_NUMBER';
    case 'STALE_OBJECT':
      return 'STALE_OBJECT';
    case 'INVALID_REFERENCE':
      return 'INVALID_REFERENCE';
    case 'VALIDATION':
      return 'VALIDATION';
    case 'THROTTLED':
      return 'THROTTLED';
    case 'REALM_BUSY':
      return 'REALM_BUSY';
    case 'NEEDS_RECONNECT':
      return 'NEEDS_RECONNECT';
    case 'NOT_CONNECTED':
      return 'NOT_CONNECTED';
    case 'SERVER':
      return 'SERVER_ERROR';
    case 'NETWORK':
      return 'NETWORK';
    // 401 that survived a refresh, or a requestid reused for another body: a later attempt may pass.
    case 'AUTH':
    case 'REQUEST_ID_DUPLICATE':
      return 'UNKNOWN';
    default:
      return assertNever(code);
  }
}

export function faultOf(err: unknown): { code: QboFaultCode; detail: string | undefined } | undefined {
  if (!isQboError(err)) return undefined;
  return { code: faultCodeOf(err.code), detail: err.detail ?? err.message };
}
