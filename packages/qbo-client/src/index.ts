export { type AppLinkEntity, appLink } from './app-link.js';
export { MAX_BATCH_ITEMS } from './batch.js';
export { CDC_LOOKBACK_MS, CDC_MAX_OBJECTS, type CdcAnswer, type CdcObject } from './cdc.js';
export { createQboClient, type QboClient, type QboClientDeps } from './client.js';
export type * from './entities.js';
export { AuthError } from './errors/auth-error.js';
export { assertNever, classifyForRetry, decisionForCode, type RetryDecision } from './errors/classify.js';
export { DuplicateDocNumberError } from './errors/duplicate-doc-number-error.js';
export { DuplicateNameError } from './errors/duplicate-name-error.js';
export { InvalidReferenceError } from './errors/invalid-reference-error.js';
export { NeedsReconnectError } from './errors/needs-reconnect-error.js';
export { NetworkError } from './errors/network-error.js';
export { NotConnectedError } from './errors/not-connected-error.js';
export {
  isQboError,
  QboError,
  type QboErrorCode,
  type QboErrorDetails,
  type QboErrorKind,
} from './errors/qbo-error.js';
export { RealmBusyError } from './errors/realm-busy-error.js';
export { RealmMismatchError } from './errors/realm-mismatch-error.js';
export { RequestIdDuplicateError } from './errors/request-id-duplicate-error.js';
export { ServerError } from './errors/server-error.js';
export { StaleObjectError } from './errors/stale-object-error.js';
export { ThrottledError } from './errors/throttled-error.js';
export { ValidationError } from './errors/validation-error.js';
export { DEFAULT_THROTTLE_MS, type HttpAnswer, parseFault, parseRetryAfter } from './faults.js';
export { realmKeys } from './keys.js';
export { type Acquired, createRealmLimiter, type RealmLimiter, type RealmLimiterOptions } from './limiter.js';
export {
  createQboMetrics,
  entityOf,
  type QboMetrics,
  type QboRequestObservation,
  statusClassOf,
  type TokenRefreshResult,
} from './metrics.js';
export { ACCOUNTING_SCOPE, TokenSet } from './oauth/intuit.js';
export type { ConnectionStatusName, ConnectionStatusView, OAuthService } from './oauth/service.js';
export { RECONNECT_REASON, type StatusChange } from './oauth/tokens.js';
export { MAX_RESULTS, QboQuery, QueryBuildError, type QueryOperator, type QueryValue, q, quote } from './query.js';
export type { CustomerFilter, PaymentFilter, RealmClient, RealmSession } from './realm-client.js';
export { requestIdFor, type WriteOp } from './request-id.js';
