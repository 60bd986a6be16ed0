import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { DOC_NUMBER_MAX, fitDocNumber, fitPaymentRefNum } from './doc-number.js';

describe('fitDocNumber', () => {
  it('keeps numbers that fit', () => {
    expect(fitDocNumber('INV-1001')).toBe('INV-1001');
    expect(fitDocNumber('123456789012345678901')).toBe('123456789012345678901');
  });

  it('shortens longer numbers to first 5 + "..." + last 13', () => {
    const long = 'MOVE-2024-BOSTON-000123456';
    const fitted = fitDocNumber(long);
    expect(fitted).toBe('MOVE-...TON-000123456');
    expect(fitted).toHaveLength(21);
    expect(fitted.startsWith('MOVE-')).toBe(true);
    expect(fitted.endsWith(long.slice(-13))).toBe(true);
    expect(fitDocNumber('1234567890123456789012')).toBe('12345...0123456789012');
  });

  it('applies the same rule to payment reference numbers', () => {
    expect(fitPaymentRefNum('ch_3PqRsTuVwXyZ0123456789')).toBe('ch_3P...XyZ0123456789');
  });

  it('never exceeds 21 characters, is stable, and is the identity when it fits', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 120 }).map((s) => s.trim()),
        (s) => {
          const out = fitDocNumber(s);
          expect(Array.from(out).length).toBeLessThanOrEqual(DOC_NUMBER_MAX);
          expect(fitDocNumber(out)).toBe(out);
          expect(fitDocNumber(s)).toBe(out);
          if (Array.from(s).length <= DOC_NUMBER_MAX) expect(out).toBe(s);
          else expect(Array.from(out)).toHaveLength(DOC_NUMBER_MAX);
        },
      ),
    );
  });
});
