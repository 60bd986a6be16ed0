import { createHmac, timingSafeEqual } from 'node:crypto';
import { SYSTEM_REQUEST_HEADER } from '@qbo-sync/security';

export const SIGNATURE_HEADER = 'x-qbo-sync-signature';
export const TIMESTAMP_HEADER = 'x-qbo-sync-timestamp';
/** Names the delivery; also marks the request as the system's own, which the admin surfaces refuse. */
export const DELIVERY_HEADER = SYSTEM_REQUEST_HEADER;

/**
 * `v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`: the timestamp is signed with the body so a
 * receiver can refuse replays outside its tolerance window.
 */
export function signCallback(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** For receivers (and our tests): constant-time check of a signature header. */
export function verifyCallback(secret: string, timestamp: number, body: string, header: string): boolean {
  const expected = Buffer.from(signCallback(secret, timestamp, body));
  const given = Buffer.from(header);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
