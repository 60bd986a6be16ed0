export { buildApi } from './app.js';
export { API_KEY_HEADER, requireApiKey, tenantOf, verifyRequestSignature } from './auth.js';
export type { ApiDeps, RouteOptions } from './deps.js';
export { ApiError, errorBody } from './errors.js';
export { ROUTES } from './routes/index.js';
export {
  computeSignature,
  SIGNATURE_HEADER,
  signatureHeader,
  TIMESTAMP_HEADER,
  verifySignature,
} from './signature.js';
