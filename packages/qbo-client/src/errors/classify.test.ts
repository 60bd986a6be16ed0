import { describe, expect, it } from '@jest/globals';
import { AuthError } from './auth-error.js';
import { classifyForRetry, decisionForCode } from './classify.js';
import { DuplicateDocNumberError } from './duplicate-doc-number-error.js';
import { DuplicateNameError } from './duplicate-name-error.js';
import { InvalidReferenceError } from './invalid-reference-error.js';
import { NeedsReconnectError } from './needs-reconnect-error.js';
import { NetworkError } from './network-error.js';
import { NotConnectedError } from './not-connected-error.js';
import type { QboErrorCode } from './qbo-error.js';
import { RealmBusyError } from './realm-busy-error.js';
import { RequestIdDuplicateError } from './request-id-duplicate-error.js';
import { ServerError } from './server-error.js';
import { StaleObjectError } from './stale-object-error.js';
import { ThrottledError } from './throttled-error.js';
import { ValidationError } from './validation-error.js';

describe('classifyForRetry', () => {
  it('maps every error class to the worker decision', () => {
    const cases = [
      [new ServerError('x'), 'retry'],
      [new NetworkError('x'), 'retry'],
      [new AuthError('x'), 'retry'],
      [new StaleObjectError('x'), 'retry'],
      [new RequestIdDuplicateError('x'), 'retry'],
      [new ThrottledError('x', { retryAfterMs: 60_000 }), 'defer'],
      [new RealmBusyError('123', 500), 'defer'],
      [new NeedsReconnectError('x'), 'park-reconnect'],
      [new NotConnectedError('x'), 'park-reconnect'],
      [new DuplicateNameError('x'), 'fail'],
      [new DuplicateDocNumberError('x'), 'fail'],
      [new InvalidReferenceError('x'), 'fail'],
      [new ValidationError('x'), 'fail'],
    ] as const;
    for (const [err, decision] of cases) expect([err.code, classifyForRetry(err)]).toEqual([err.code, decision]);
    // Every code is covered once.
    expect(new Set(cases.map(([e]) => e.code)).size).toBe(13);
  });

  it('retries errors that are not QBO errors and fails loudly on an unknown code', () => {
    expect(classifyForRetry(new Error('db hiccup'))).toBe('retry');
    expect(classifyForRetry('weird')).toBe('retry');
    expect(() => decisionForCode('NOPE' as QboErrorCode)).toThrow('unhandled value: NOPE');
  });

  it('errors carry name, kind, retryAfterMs and serialise without surprises', () => {
    const busy = new RealmBusyError('123', 420);
    expect(busy.name).toBe('RealmBusyError');
    expect(busy.retryAfterMs).toBe(420);
    expect(busy.kind).toBe('throttled');
    expect(busy).toBeInstanceOf(Error);
    expect(JSON.parse(JSON.stringify(busy))).toMatchObject({ code: 'REALM_BUSY', retryAfterMs: 420 });
  });
});
