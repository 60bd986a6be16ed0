import { describe, expect, it } from '@jest/globals';
import { UsageError } from './errors.js';
import { ago, parseWhen } from './time.js';

const now = Date.parse('2026-03-10T12:00:00Z');

describe('parseWhen', () => {
  it('reads ages, dates and date-times', () => {
    expect(parseWhen('since', '24h', now)).toBe('2026-03-09T12:00:00.000Z');
    expect(parseWhen('since', '7d', now)).toBe('2026-03-03T12:00:00.000Z');
    expect(parseWhen('since', '30m', now)).toBe('2026-03-10T11:30:00.000Z');
    expect(parseWhen('since', '2w', now)).toBe('2026-02-24T12:00:00.000Z');
    expect(parseWhen('from', '2026-03-01', now)).toBe('2026-03-01T00:00:00.000Z');
    expect(parseWhen('to', '2026-03-01T09:00:00-08:00', now)).toBe('2026-03-01T17:00:00.000Z');
  });

  it('refuses anything else with a usage error that shows the accepted forms', () => {
    for (const bad of ['yesterday', '24', '2026-13-45', '3y', '']) {
      expect(() => parseWhen('since', bad, now)).toThrow(UsageError);
    }
    expect(() => parseWhen('since', 'soon', now)).toThrow(/--since "soon" is not a time; use a date/);
  });
});

describe('ago', () => {
  it('rounds to the largest unit', () => {
    expect(ago('2026-03-10T11:59:30Z', now)).toBe('30s ago');
    expect(ago('2026-03-10T11:00:00Z', now)).toBe('1h ago');
    expect(ago('2026-03-07T12:00:00Z', now)).toBe('3d ago');
    expect(ago(null, now)).toBe('-');
  });
});
