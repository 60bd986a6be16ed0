import { describe, expect, it } from '@jest/globals';
import { validateEvent } from './events.js';
import { EXAMPLE_EVENTS } from './examples.js';

const refund = (data: Record<string, unknown>) => ({
  ...EXAMPLE_EVENTS['refund.issued'],
  data: { ...EXAMPLE_EVENTS['refund.issued'].data, ...data },
});

describe('refund.issued reason', () => {
  it('accepts an optional reason and keeps it (trimmed)', () => {
    const result = validateEvent(refund({ reason: '  Damaged in transit ' }));
    expect(result.ok).toBe(true);
    if (result.ok && result.event.type === 'refund.issued') expect(result.event.data.reason).toBe('Damaged in transit');
    expect(validateEvent(refund({})).ok).toBe(true);
  });

  it('refuses an empty, too long or non-text reason, naming data.reason', () => {
    for (const reason of ['   ', 'x'.repeat(201), 42]) {
      const result = validateEvent(refund({ reason }));
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.issues.map((i) => i.path)).toEqual(['data.reason']);
    }
  });

  it('is still strict: a misspelt reason field is refused, not dropped', () => {
    const result = validateEvent(refund({ reasn: 'Damaged' }));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues[0]?.message).toMatch(/reasn/);
  });
});
