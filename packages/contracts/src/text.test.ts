import { describe, expect, it } from '@jest/globals';
import { hasUnsafeText, unsafeTextIssues } from './text.js';

// hasUnsafeText is the ingest fast path's check; unsafeTextIssues names the fields. They must agree.
describe('hasUnsafeText', () => {
  const cases: [string, unknown][] = [
    ['a clean nested value', { a: 'x', b: [1, 'y', { c: 'z\t\n\r😀' }], d: null, e: true }],
    ['a NUL deep in an array', { a: [{ b: ['ok', 'no\u0000'] }] }],
    ['a lone high surrogate', { a: 'x\ud800' }],
    ['a lone low surrogate at the start', ['\udc00x']],
    ['an escape sequence', 'red \u001b[31m'],
    ['DEL', { a: { b: 'x\u007f' } }],
    ['an unsafe object key', { 'k\u0001': 'fine' }],
    ['an unsafe key deep down', { a: [{ 'b\u0000': 1 }] }],
    ['a paired surrogate', { a: '\ud83d\ude00' }],
    ['numbers, booleans and null only', [1, 2.5, false, null, { a: 0 }]],
  ];

  it.each(cases)('%s: agrees with unsafeTextIssues', (_name, value) => {
    expect(hasUnsafeText(value)).toBe(unsafeTextIssues(value).length > 0);
  });

  it('finds each kind of unsafe text', () => {
    expect(cases.filter(([, v]) => hasUnsafeText(v)).map(([name]) => name)).toEqual([
      'a NUL deep in an array',
      'a lone high surrogate',
      'a lone low surrogate at the start',
      'an escape sequence',
      'DEL',
      'an unsafe object key',
      'an unsafe key deep down',
    ]);
  });
});
