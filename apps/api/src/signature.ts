import { createHmac, timingSafeEqual } from 'node:crypto';

// Request signing: `X-Qbo-Sync-Signature: v1=<hex hmac-sha256(secret, timestamp + "." + rawBody)>` with
// `X-Qbo-Sync-Timestamp: <unix seconds>`. Pure functions; the hook in auth.ts applies them.

export const SIGNATURE_HEADER = 'x-qbo-sync-signature';
export const TIMESTAMP_HEADER = 'x-qbo-sync-timestamp';

export function computeSignature(secret: string, timestamp: string, rawBody: Buffer | string): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex');
}

/** The header value a client sends. */
export function signatureHeader(secret: string, timestamp: string, rawBody: Buffer | string): string {
  return `v1=${computeSignature(secret, timestamp, rawBody)}`;
}

export type SignatureCheck =
  | { ok: true }
  | { ok: false; reason: 'missing_signature' | 'invalid_signature' | 'stale_timestamp'; message: string };

/**
 * Checks timestamp freshness and the HMAC. Several `v1=` values (comma-separated) may be sent while a
 * client rolls its secret; one match is enough. Comparison is constant-time.
 */
export function verifySignature(input: {
  secret: string;
  timestamp: string | undefined;
  signature: string | undefined;
  rawBody: Buffer;
  nowMs: number;
  toleranceSeconds: number;
}): SignatureCheck {
  const { timestamp, signature } = input;
  if (!timestamp || !signature) {
    const missing = [!timestamp && 'X-Qbo-Sync-Timestamp', !signature && 'X-Qbo-Sync-Signature'].filter(Boolean);
    return {
      ok: false,
      reason: 'missing_signature',
      message: `Missing ${missing.join(' and ')}. Sign every write: v1=hex(HMAC-SHA256(signing secret, timestamp + "." + body)).`,
    };
  }
  if (!/^\d{1,12}$/.test(timestamp)) {
    return {
      ok: false,
      reason: 'stale_timestamp',
      message: 'X-Qbo-Sync-Timestamp must be the Unix time in whole seconds.',
    };
  }
  const skew = Math.abs(Math.floor(input.nowMs / 1000) - Number(timestamp));
  if (skew > input.toleranceSeconds) {
    return {
      ok: false,
      reason: 'stale_timestamp',
      message: `X-Qbo-Sync-Timestamp is ${skew} s away from server time (at most ${input.toleranceSeconds} s allowed). Sign each request with the current time; check the sender's clock.`,
    };
  }
  const expected = Buffer.from(computeSignature(input.secret, timestamp, input.rawBody), 'hex');
  const candidates = signature
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.startsWith('v1='))
    .map((part) => Buffer.from(part.slice(3), 'hex'));
  const matches = candidates.some((c) => c.length === expected.length && timingSafeEqual(c, expected));
  return matches
    ? { ok: true }
    : {
        ok: false,
        reason: 'invalid_signature',
        message:
          'X-Qbo-Sync-Signature does not match. Compute v1=hex(HMAC-SHA256(signing secret, timestamp + "." + exact body bytes)) with the tenant\'s signing secret.',
      };
}
