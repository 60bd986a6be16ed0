export { forbiddenAddressReason } from './addresses.js';
export {
  type BearerResult,
  bearerResult,
  crossOriginReason,
  header,
  isLoopbackAddress,
  isLoopbackHost,
  isSystemRequest,
  notLocalReason,
  type RequestFacts,
  SYSTEM_REQUEST_HEADER,
  sameSecret,
} from './admin-request.js';
export {
  type CallbackUrlCheck,
  type CallbackUrlPolicy,
  CallbackUrlRefusedError,
  checkCallbackUrl,
  type GuardedLookup,
  guardedLookup,
  isAllowListed,
  type Resolve,
  STRICT_CALLBACK_POLICY,
} from './callback-url.js';
export { ADMIN_WRONG_TOKEN_LIMIT, FailureLimiter, type FailureLimiterOptions } from './failure-limiter.js';
export { escapeForTerminal } from './terminal.js';
