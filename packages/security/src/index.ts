export { forbiddenAddressReason } from './addresses.js';
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
