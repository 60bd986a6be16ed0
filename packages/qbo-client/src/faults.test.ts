import { describe, expect, it } from '@jest/globals';
import { AuthError } from './errors/auth-error.js';
import { DuplicateDocNumberError } from './errors/duplicate-doc-number-error.js';
import { DuplicateNameError } from './errors/duplicate-name-error.js';
import { InvalidReferenceError } from './errors/invalid-reference-error.js';
import { NeedsReconnectError } from './errors/needs-reconnect-error.js';
import { RequestIdDuplicateError } from './errors/request-id-duplicate-error.js';
import { ServerError } from './errors/server-error.js';
import { StaleObjectError } from './errors/stale-object-error.js';
import { ThrottledError } from './errors/throttled-error.js';
import { ValidationError } from './errors/validation-error.js';
import { DEFAULT_THROTTLE_MS, parseFault, parseRetryAfter } from './faults.js';

const NOW = Date.parse('2025-03-01T12:00:00Z');

function fault(code: string, detail = 'd', element = '', status = 400, type = 'ValidationFault') {
  return {
    status,
    headers: { intuit_tid: 'tid-1' },
    body: JSON.stringify({ Fault: { Error: [{ Message: 'm', Detail: detail, code, element }], type }, time: 't' }),
  };
}

describe('parseFault', () => {
  it.each([
    ['6240', DuplicateNameError, 'DUPLICATE_NAME', 'conflict'],
    ['6140', DuplicateDocNumberError, 'DUPLICATE_DOC_NUMBER', 'conflict'],
    ['5010', StaleObjectError, 'STALE_OBJECT', 'stale'],
    ['2500', InvalidReferenceError, 'INVALID_REFERENCE', 'permanent'],
    ['610', InvalidReferenceError, 'INVALID_REFERENCE', 'permanent'],
    ['600', RequestIdDuplicateError, 'REQUEST_ID_DUPLICATE', 'conflict'],
    ['6000', ValidationError, 'VALIDATION', 'permanent'],
    ['2020', ValidationError, 'VALIDATION', 'permanent'],
    ['2050', ValidationError, 'VALIDATION', 'permanent'],
    ['6210', ValidationError, 'VALIDATION', 'permanent'],
    ['4000', ValidationError, 'VALIDATION', 'permanent'],
    ['3100', NeedsReconnectError, 'NEEDS_RECONNECT', 'auth'],
  ])('maps QBO code %s', (code, cls, ourCode, kind) => {
    const err = parseFault(fault(code, 'Business Validation Error: x', 'DocNumber'), NOW);
    expect(err).toBeInstanceOf(cls);
    expect(err.code).toBe(ourCode);
    expect(err.kind).toBe(kind);
    expect(err.qboCode).toBe(code);
    expect(err.element).toBe('DocNumber');
    expect(err.detail).toBe('Business Validation Error: x');
    expect(err.intuitTid).toBe('tid-1');
    expect(err.status).toBe(400);
    expect(err.message).toContain(code);
  });

  it('accepts numeric codes', () => {
    const body = JSON.stringify({ Fault: { Error: [{ Message: 'Stale', Detail: 'x', code: 5010 }] } });
    expect(parseFault({ status: 400, headers: {}, body })).toBeInstanceOf(StaleObjectError);
  });

  it('maps 401 / 3200 to AUTH', () => {
    const err = parseFault(fault('3200', '', '', 401, 'AUTHENTICATION'));
    expect(err).toBeInstanceOf(AuthError);
    expect(parseFault({ status: 401, headers: {}, body: '' })).toBeInstanceOf(AuthError);
  });

  it('maps JSON 429 and honours Retry-After in seconds', () => {
    const res = fault('3001', 'The request limit was reached. Try again later', '', 429, 'SERVICE');
    const err = parseFault({ ...res, headers: { 'retry-after': '7' } }, NOW);
    expect(err).toBeInstanceOf(ThrottledError);
    expect(err.code).toBe('THROTTLED');
    expect(err.retryAfterMs).toBe(7000);
    expect(err.qboCode).toBe('3001');
  });

  it('defaults to 60 s without Retry-After and reads an HTTP-date Retry-After', () => {
    expect(parseFault({ status: 429, headers: {}, body: '' }, NOW).retryAfterMs).toBe(DEFAULT_THROTTLE_MS);
    const at = new Date(NOW + 12_000).toUTCString();
    expect(parseFault({ status: 429, headers: { 'retry-after': at }, body: '' }, NOW).retryAfterMs).toBe(12_000);
  });

  it('recognises the XML throttle body even with a non-429 status', () => {
    const xml =
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><IntuitResponse><Fault type="SERVICE"><Error code="3001"><Message>message=ThrottleExceeded; errorCode=003001; statusCode=429</Message></Error></Fault></IntuitResponse>';
    for (const status of [429, 403]) {
      const err = parseFault({ status, headers: {}, body: xml }, NOW);
      expect(err).toBeInstanceOf(ThrottledError);
      expect(err.qboCode).toBe('3001');
      expect(err.retryAfterMs).toBe(DEFAULT_THROTTLE_MS);
    }
  });

  it('maps 5xx with or without a JSON body to SERVER', () => {
    expect(parseFault(fault('10000', 'System Failure Error', '', 500, 'SystemFault'))).toBeInstanceOf(ServerError);
    const html = parseFault({ status: 503, headers: {}, body: '<html><body>Service Unavailable</body></html>' });
    expect(html).toBeInstanceOf(ServerError);
    expect(html.message).toContain('Service Unavailable');
    expect(html.message).not.toContain('<html>');
  });

  it('maps unreadable 4xx bodies to VALIDATION with a short excerpt', () => {
    const err = parseFault({ status: 404, headers: {}, body: 'x'.repeat(5000) });
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.message.length).toBeLessThan(300);
    expect(parseFault({ status: 400, headers: {}, body: '{not json' })).toBeInstanceOf(ValidationError);
    expect(parseFault({ status: 400, headers: {}, body: '{"Fault":{"Error":[]}}' })).toBeInstanceOf(ValidationError);
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds, dates, and ignores junk', () => {
    expect(parseRetryAfter('0', NOW)).toBe(0);
    expect(parseRetryAfter('1.5', NOW)).toBe(1500);
    expect(parseRetryAfter(new Date(NOW - 5000).toUTCString(), NOW)).toBe(0);
    expect(parseRetryAfter('soon', NOW)).toBeUndefined();
    expect(parseRetryAfter(undefined, NOW)).toBeUndefined();
  });
});
