import { describe, expect, it } from '@jest/globals';
import { computeSignature, signatureHeader, verifySignature } from './signature.js';

const secret = 'whsec_test';
const body = Buffer.from('{"id":"evt-1"}');
const nowMs = 1_780_000_000_000;
const ts = String(nowMs / 1000);

function check(overrides: Partial<Parameters<typeof verifySignature>[0]> = {}) {
  return verifySignature({
    secret,
    timestamp: ts,
    signature: signatureHeader(secret, ts, body),
    rawBody: body,
    nowMs,
    toleranceSeconds: 300,
    ...overrides,
  });
}

describe('request signatures', () => {
  it('is HMAC-SHA256 over timestamp + "." + body, hex', () => {
    // The value docs/ingest.md's openssl recipe gives:
    // printf '%s' '1780000000.{"id":"evt-1"}' | openssl dgst -sha256 -hmac whsec_test -hex
    expect(computeSignature(secret, ts, body)).toBe('818ba4f7251b57daded2c0f045160cc83d2277c92005e717f0d74b69eb7972af');
    expect(computeSignature(secret, ts, body)).toBe(computeSignature(secret, ts, body.toString()));
    expect(computeSignature(secret, ts, body)).not.toBe(computeSignature(secret, String(Number(ts) + 1), body));
  });

  it('accepts a fresh, correct signature and the edges of the window', () => {
    expect(check()).toEqual({ ok: true });
    for (const t of [Number(ts) - 300, Number(ts) + 300]) {
      expect(check({ timestamp: String(t), signature: signatureHeader(secret, String(t), body) }).ok).toBe(true);
    }
  });

  it('names what is missing, wrong or stale', () => {
    expect(check({ signature: undefined })).toMatchObject({ ok: false, reason: 'missing_signature' });
    expect(check({ timestamp: undefined })).toMatchObject({ ok: false, reason: 'missing_signature' });
    expect(check({ rawBody: Buffer.from('{"id":"evt-2"}') })).toMatchObject({ ok: false, reason: 'invalid_signature' });
    expect(check({ secret: 'other' })).toMatchObject({ ok: false, reason: 'invalid_signature' });
    expect(check({ signature: 'v1=zz' })).toMatchObject({ ok: false, reason: 'invalid_signature' });
    const old = String(Number(ts) - 301);
    expect(check({ timestamp: old, signature: signatureHeader(secret, old, body) })).toMatchObject({
      ok: false,
      reason: 'stale_timestamp',
    });
    expect(check({ timestamp: '12.5' })).toMatchObject({ ok: false, reason: 'stale_timestamp' });
  });
});
