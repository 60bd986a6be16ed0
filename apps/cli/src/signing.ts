import { createHmac } from 'node:crypto';
import type { TenantCredentials } from './credentials.js';

// The ingest signature (docs/ingest.md): X-Qbo-Sync-Signature: v1=hex(HMAC-SHA256(secret, timestamp + "." + raw body))
// with X-Qbo-Sync-Timestamp in Unix seconds. The API checks it against the exact bytes, so sign what is sent.

export const API_KEY_HEADER = 'x-api-key';
export const TIMESTAMP_HEADER = 'x-qbo-sync-timestamp';
export const SIGNATURE_HEADER = 'x-qbo-sync-signature';

export function signedHeaders(credentials: TenantCredentials, rawBody: string, nowMs: number): Record<string, string> {
  const timestamp = String(Math.floor(nowMs / 1000));
  const hmac = createHmac('sha256', credentials.signingSecret).update(`${timestamp}.`).update(rawBody).digest('hex');
  return {
    'content-type': 'application/json',
    [API_KEY_HEADER]: credentials.apiKey,
    [TIMESTAMP_HEADER]: timestamp,
    [SIGNATURE_HEADER]: `v1=${hmac}`,
  };
}
