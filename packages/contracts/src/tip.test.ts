import { describe, expect, it } from '@jest/globals';
import { validateEvent } from './events.js';
import { EXAMPLE_EVENTS } from './examples.js';

const payment = (data: Record<string, unknown>) => ({
  ...EXAMPLE_EVENTS['payment.accepted'],
  data: { ...EXAMPLE_EVENTS['payment.accepted'].data, ...data },
});

describe('payment.accepted tip', () => {
  it('accepts a tip that is part of the amount', () => {
    const result = validateEvent(payment({ amount: '115.00', tip: '15.00' }));
    expect(result.ok).toBe(true);
    if (result.ok && result.event.type === 'payment.accepted') expect(result.event.data.tip).toBe('15.00');
  });

  it('refuses a tip as large as the amount, zero, or a JSON number, naming data.tip', () => {
    for (const tip of ['115.00', '200', '0.00', 15]) {
      const result = validateEvent(payment({ amount: '115.00', tip }));
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.issues.map((i) => i.path)).toEqual(['data.tip']);
    }
    const big = validateEvent(payment({ amount: '115.00', tip: '115' }));
    if (!big.ok) expect(big.issues[0]?.message).toContain('must be less than amount (115.00)');
  });
});
