import type { QboError, QboErrorCode } from './qbo-error.js';
import { isQboError } from './qbo-error.js';

/**
 * What the worker does with a failed job:
 * - `retry`: throw, let BullMQ attempts/backoff run it again;
 * - `defer`: move only this job to delayed by `err.retryAfterMs` (no attempt burnt, other realms unaffected);
 * - `park-reconnect`: set the sync `needs_reconnect`, no retries, resume after a new grant;
 * - `fail`: permanent until the data or a mapping changes (UnrecoverableError).
 */
export type RetryDecision = 'retry' | 'defer' | 'park-reconnect' | 'fail';

export function assertNever(value: never): never {
  throw new Error(`unhandled value: ${String(value)}`);
}

export function decisionForCode(code: QboErrorCode): RetryDecision {
  switch (code) {
    case 'SERVER':
    case 'NETWORK':
    // A refresh already ran once inside the client; a later attempt gets a fresh chance.
    case 'AUTH':
    // Re-read the entity for its current SyncToken, then write again.
    case 'STALE_OBJECT':
    // The next attempt looks the object up by natural key before writing.
    case 'REQUEST_ID_DUPLICATE':
      return 'retry';
    case 'THROTTLED':
    case 'REALM_BUSY':
      return 'defer';
    case 'NEEDS_RECONNECT':
    case 'NOT_CONNECTED':
      return 'park-reconnect';
    case 'DUPLICATE_NAME':
    case 'DUPLICATE_DOC_NUMBER':
    case 'INVALID_REFERENCE':
    case 'VALIDATION':
      return 'fail';
    default:
      return assertNever(code);
  }
}

/** Errors that are not QboErrors (bugs, DB or Redis hiccups) are retried: BullMQ attempts bound them. */
export function classifyForRetry(err: unknown): RetryDecision {
  return isQboError(err) ? decisionForCode((err as QboError).code) : 'retry';
}
