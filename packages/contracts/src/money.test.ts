import { describe, expect, it } from '@jest/globals';
import { CurrencyCode, MoneyString, PositiveMoneyString, QuantityString, UnitPriceString } from './money.js';

describe('money strings', () => {
  it.each(['0', '0.5', '120.50', '-3.10', '999999999999.99'])('MoneyString accepts %s', (v) => {
    expect(MoneyString.safeParse(v).success).toBe(true);
  });
  it.each(['12.345', '1,000.00', '1e3', '.5', '5.', ' 5', '+5', '', '1000000000000'])('MoneyString rejects %p', (v) => {
    expect(MoneyString.safeParse(v).success).toBe(false);
  });
  it('rejects numbers, including integral ones, with a reason', () => {
    for (const v of [12.345, 12, 0]) {
      const r = MoneyString.safeParse(v);
      expect(r.success).toBe(false);
      expect(r.error?.issues[0]?.message).toContain('not a JSON number');
    }
  });
  it('PositiveMoneyString rejects zero in every spelling', () => {
    for (const v of ['0', '0.0', '0.00']) expect(PositiveMoneyString.safeParse(v).success).toBe(false);
    expect(PositiveMoneyString.safeParse('0.01').success).toBe(true);
  });
  it('quantities and unit prices carry up to four decimals', () => {
    expect(QuantityString.safeParse('2.5000').success).toBe(true);
    expect(QuantityString.safeParse('-1').success).toBe(false);
    expect(UnitPriceString.safeParse('-19.9900').success).toBe(true);
    expect(UnitPriceString.safeParse('19.99001').success).toBe(false);
  });
  it('currency codes are three capitals', () => {
    expect(CurrencyCode.safeParse('CAD').success).toBe(true);
    expect(CurrencyCode.safeParse('cad').success).toBe(false);
    expect(CurrencyCode.safeParse('CADX').success).toBe(false);
  });
});
