import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  addMoney,
  centsToQboAmount,
  compareMoney,
  formatCents,
  InvalidAmountError,
  lineAmountCents,
  qboAmountToCents,
  roundHalfUp,
  subMoney,
  sumCents,
  toCents,
} from './money.js';

describe('money', () => {
  it('parses decimal strings to exact cents', () => {
    expect(toCents('120.5')).toBe(12050n);
    expect(toCents('0.07')).toBe(7n);
    expect(toCents('-3.05')).toBe(-305n);
    expect(toCents('999999999999.99')).toBe(99999999999999n);
  });

  it('refuses more than two decimals and non-numbers', () => {
    expect(() => toCents('1.005')).toThrow(InvalidAmountError);
    expect(() => toCents('abc')).toThrow(expect.objectContaining({ code: 'INVALID_AMOUNT' }));
    expect(() => toCents('1e3')).toThrow(InvalidAmountError);
  });

  it('formats cents back with two decimals', () => {
    expect(formatCents(12050n)).toBe('120.50');
    expect(formatCents(-5n)).toBe('-0.05');
    expect(formatCents(0n)).toBe('0.00');
  });

  it('adds, subtracts and compares without float error', () => {
    expect(addMoney('0.10', '0.20')).toBe('0.30');
    expect(subMoney('100.00', '0.01')).toBe('99.99');
    expect(compareMoney('10.5', '10.50')).toBe(0);
    expect(compareMoney('10.49', '10.5')).toBe(-1);
    expect(sumCents(['0.1', '0.2', '0.3'])).toBe(60n);
  });

  it('rounds qty × unit price half-up (away from zero) to cents', () => {
    expect(lineAmountCents('3', '0.3333')).toBe(100n); // 0.9999 → 1.00
    expect(lineAmountCents('1', '0.005')).toBe(1n); // exactly half → up
    expect(lineAmountCents('1', '0.0049')).toBe(0n);
    expect(lineAmountCents('1', '-0.005')).toBe(-1n); // credits mirror charges
    expect(lineAmountCents('2.5', '19.99')).toBe(4998n); // 49.975 → 49.98
    expect(roundHalfUp(15n, 1)).toBe(2n);
    expect(roundHalfUp(-15n, 1)).toBe(-2n);
  });

  it('round-trips every cent amount through QBO JSON numbers', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 14n), max: 10n ** 14n }), (cents) => {
        expect(qboAmountToCents(centsToQboAmount(cents))).toBe(cents);
        expect(toCents(formatCents(cents))).toBe(cents);
      }),
    );
  });

  it('addition of parsed strings equals integer addition', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }),
        fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }),
        (a, b) => {
          expect(toCents(addMoney(formatCents(a), formatCents(b)))).toBe(a + b);
        },
      ),
    );
  });
});
