/**
 * Every failure the client reports. The worker decides what to do from `code` (see classifyForRetry);
 * `kind` is the coarse family for dashboards and sync-state reasons.
 */
export type QboErrorCode =
  /** 6240: the DisplayName is taken by a Customer, Vendor or Employee. */
  | 'DUPLICATE_NAME'
  /** 6140: the DocNumber is already used by another transaction. */
  | 'DUPLICATE_DOC_NUMBER'
  /** 5010: the SyncToken sent is not the current one. */
  | 'STALE_OBJECT'
  /** 2500 / 610: a referenced entity does not exist or was made inactive. */
  | 'INVALID_REFERENCE'
  /** 6000 family, 2xxx, 4000/4001 and other 4xx faults: the data must change before a retry helps. */
  | 'VALIDATION'
  /** 3001 / HTTP 429: QBO throttled the realm. */
  | 'THROTTLED'
  /** 3200 / HTTP 401 that survived the token refreshes, or a rejected client/authorization code. */
  | 'AUTH'
  /** invalid_grant, or QBO says the app lost access (120, 3100): a person must reconnect. */
  | 'NEEDS_RECONNECT'
  /** The tenant has no QBO connection (never connected or disconnected). */
  | 'NOT_CONNECTED'
  /** HTTP 5xx from QBO or the token endpoint. */
  | 'SERVER'
  /** Timeout, reset or refused connection: no HTTP answer at all. */
  | 'NETWORK'
  /** Our own per-realm budget has no room right now; try again after retryAfterMs. */
  | 'REALM_BUSY'
  /** 600: the requestid was already used for a different request. */
  | 'REQUEST_ID_DUPLICATE';

export type QboErrorKind = 'retryable' | 'throttled' | 'permanent' | 'conflict' | 'auth' | 'stale';

export interface QboErrorDetails {
  qboCode?: string | undefined;
  element?: string | undefined;
  detail?: string | undefined;
  intuitTid?: string | undefined;
  retryAfterMs?: number | undefined;
  status?: number | undefined;
  cause?: unknown;
}

export abstract class QboError extends Error {
  abstract readonly code: QboErrorCode;
  abstract readonly kind: QboErrorKind;
  readonly qboCode: string | undefined;
  readonly element: string | undefined;
  readonly detail: string | undefined;
  readonly intuitTid: string | undefined;
  readonly retryAfterMs: number | undefined;
  /** HTTP status when there was an answer. */
  readonly status: number | undefined;

  constructor(message: string, details: QboErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.qboCode = details.qboCode;
    this.element = details.element;
    this.detail = details.detail;
    this.intuitTid = details.intuitTid;
    this.retryAfterMs = details.retryAfterMs;
    this.status = details.status;
  }

  /** Plain data for logs and attempt history (never contains tokens). */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      kind: this.kind,
      message: this.message,
      qboCode: this.qboCode,
      element: this.element,
      detail: this.detail,
      intuitTid: this.intuitTid,
      retryAfterMs: this.retryAfterMs,
      status: this.status,
    };
  }
}

export function isQboError(err: unknown): err is QboError {
  return err instanceof QboError;
}
