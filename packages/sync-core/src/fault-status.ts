import type { SyncStatus } from '@qbo-sync/contracts';

/**
 * The QBO failure taxonomy the worker acts on. qbo-client's error codes are mapped onto these at the
 * worker's boundary; each gets one handling and one sentence here.
 */
export const QBO_FAULT_CODES = [
  /** HTTP 429 / fault 3001 from QBO. */
  'THROTTLED',
  /** Our own per-realm budget (rate or concurrency) is spent for now; nothing was sent. */
  'REALM_BUSY',
  /** HTTP 5xx from QBO. */
  'SERVER_ERROR',
  /** Connection refused/reset, DNS, socket hang-up. */
  'NETWORK',
  /** No answer in time: QBO may or may not have committed. */
  'TIMEOUT',
  /** The refresh token is dead (invalid_grant) or auth keeps failing: a person must reconnect. */
  'NEEDS_RECONNECT',
  /** The tenant has no QBO connection at all. */
  'NOT_CONNECTED',
  /** 3100 / 120: the connected user lost access or admin rights. */
  'AUTHORIZATION',
  /** 6240: the display name is taken by another customer, vendor or employee. */
  'DUPLICATE_NAME',
  /** 6140: the DocNumber is already used. */
  'DUPLICATE_DOC_NUMBER',
  /** 5010: our SyncToken is old; re-read and retry. */
  'STALE_OBJECT',
  /** 610: a referenced object was deleted or made inactive. */
  'NOT_FOUND',
  /** 2500: a reference id does not exist. */
  'INVALID_REFERENCE',
  /** 2020, 6000 and other validation faults: the data must change. */
  'VALIDATION',
  /** 6190: the QBO subscription is not active. */
  'COMPANY_STATUS',
  /** Anything unrecognised. */
  'UNKNOWN',
] as const;
export type QboFaultCode = (typeof QBO_FAULT_CODES)[number];

export type FaultHandling =
  /** Let BullMQ retry with backoff. */
  | 'retry'
  /** Defer only this job until the realm has budget again (no attempt burned). */
  | 'delay'
  /** Park the record; it resumes when a person fixes the cause (no retries burned). */
  | 'park'
  /** Permanent: fail fast without retries. */
  | 'fail'
  /** The processor resolves it itself (disambiguate, adopt, re-read). */
  | 'resolve';

export interface FaultStatus {
  handling: FaultHandling;
  /** Status to record if the fault ends the attempt. */
  status: SyncStatus;
  reasonCode: QboFaultCode;
  reason: string;
}

function assertNever(x: never): never {
  throw new Error(`unhandled fault code ${String(x)}`);
}

/** Maps a QBO fault to how the job reacts and what support staff read. `detail` is QBO's own message. */
export function faultStatus(code: QboFaultCode, detail?: string): FaultStatus {
  const said = detail ? ` QuickBooks said: "${detail}".` : '';
  const f = (handling: FaultHandling, status: SyncStatus, reason: string): FaultStatus => ({
    handling,
    status,
    reasonCode: code,
    reason,
  });
  switch (code) {
    case 'THROTTLED':
    case 'REALM_BUSY':
      return f('delay', 'pending', 'QuickBooks is busy for this company; the sync is queued and will run shortly.');
    case 'SERVER_ERROR':
      return f(
        'retry',
        'failed',
        `QuickBooks had a temporary error.${said} The sync is retried automatically; replay it if it stays red.`,
      );
    case 'NETWORK':
      return f(
        'retry',
        'failed',
        'QuickBooks could not be reached. The sync is retried automatically; replay it if it stays red.',
      );
    case 'TIMEOUT':
      return f(
        'retry',
        'failed',
        'QuickBooks did not answer in time. The sync is retried automatically (without creating duplicates); replay it if it stays red.',
      );
    case 'NEEDS_RECONNECT':
      return f(
        'park',
        'needs_reconnect',
        'The QuickBooks connection has expired or was revoked. Reconnect QuickBooks under Settings → Connection; waiting syncs resume by themselves.',
      );
    case 'NOT_CONNECTED':
      return f(
        'park',
        'needs_reconnect',
        'QuickBooks is not connected for this account. Connect it under Settings → Connection; waiting syncs resume by themselves.',
      );
    case 'AUTHORIZATION':
      return f(
        'park',
        'needs_reconnect',
        `The connected QuickBooks user no longer has admin access.${said} Reconnect QuickBooks as an admin under Settings → Connection.`,
      );
    case 'DUPLICATE_NAME':
      return f(
        'resolve',
        'conflict',
        `The customer's name is already used by another QuickBooks customer, vendor or employee.${said}`,
      );
    case 'DUPLICATE_DOC_NUMBER':
      return f('resolve', 'conflict', `The invoice number is already used in QuickBooks.${said}`);
    case 'STALE_OBJECT':
      // Never final: the record was written by someone else meanwhile; a later attempt reads it afresh.
      return f(
        'retry',
        'failed',
        'The QuickBooks record changed while we were updating it; the sync re-reads it and retries.',
      );
    case 'NOT_FOUND':
      return f(
        'fail',
        'failed',
        `Something this sync refers to was deleted or made inactive in QuickBooks.${said} Reactivate it or fix the mapping, then replay the sync.`,
      );
    case 'INVALID_REFERENCE':
      return f(
        'fail',
        'failed',
        `A mapping points at something that does not exist in QuickBooks.${said} Fix the mapping, then replay the sync.`,
      );
    case 'VALIDATION':
      return f(
        'fail',
        'failed',
        `QuickBooks rejected the data.${said} Correct it in the billing system or in QuickBooks, then replay the sync.`,
      );
    case 'COMPANY_STATUS':
      return f(
        'park',
        'failed',
        `The QuickBooks company is not active (subscription or company status).${said} Resolve it in QuickBooks, then replay the sync.`,
      );
    case 'UNKNOWN':
      return f(
        'retry',
        'failed',
        `Unexpected error talking to QuickBooks.${said} The sync is retried automatically; replay it if it stays red.`,
      );
    default:
      return assertNever(code);
  }
}
