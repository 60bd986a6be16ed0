import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { cleanName, DISPLAY_NAME_MAX, disambiguate, displayNameFor, sameName } from './display-name.js';

describe('displayNameFor', () => {
  it('prefers the display name, then the company, then first + last', () => {
    expect(displayNameFor({ id: 'C1', displayName: 'Acme Movers', companyName: 'Acme LLC' })).toBe('Acme Movers');
    expect(displayNameFor({ id: 'C1', companyName: 'Acme LLC', firstName: 'Ann' })).toBe('Acme LLC');
    expect(displayNameFor({ id: 'C1', firstName: 'Ann', lastName: 'Lee' })).toBe('Ann Lee');
    expect(displayNameFor({ id: 'C1', lastName: 'Lee' })).toBe('Lee');
  });

  it("strips QBO's forbidden characters and collapses whitespace", () => {
    expect(displayNameFor({ id: 'C1', displayName: 'Smith: Jane\t(Boston)\nMA' })).toBe('Smith Jane (Boston) MA');
  });

  it('falls back to the billing id when cleaning leaves nothing', () => {
    expect(displayNameFor({ id: 'C-9', displayName: ':::' })).toBe('Customer C-9');
  });

  it('keeps names within 500 characters', () => {
    expect(displayNameFor({ id: 'C1', displayName: 'x'.repeat(400), companyName: 'y' })).toHaveLength(400);
    expect(cleanName('a'.repeat(600))).toHaveLength(DISPLAY_NAME_MAX);
  });
});

describe('disambiguate', () => {
  it('appends the billing id in parentheses', () => {
    expect(disambiguate('John Brown', 'C-1042')).toBe('John Brown (C-1042)');
  });

  it('is stable, distinct from the plain name, valid for QBO and within 500 characters', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 600 }),
        fc.stringMatching(/^[\x21-\x7e]{1,128}$/),
        (name, id) => {
          const out = disambiguate(name, id);
          expect(out).toBe(disambiguate(name, id));
          expect(Array.from(out).length).toBeLessThanOrEqual(DISPLAY_NAME_MAX);
          expect(out).not.toMatch(/[:\t\n\r]/);
          expect(sameName(out, cleanName(name))).toBe(false);
        },
      ),
    );
  });

  it('gives two customers with the same name different names', () => {
    expect(disambiguate('John Brown', 'C-1')).not.toBe(disambiguate('John Brown', 'C-2'));
  });
});

describe('sameName', () => {
  it('compares case- and whitespace-insensitively', () => {
    expect(sameName('John  Brown', 'john brown')).toBe(true);
    expect(sameName('John Brown', 'John Browne')).toBe(false);
    expect(sameName(undefined, 'x')).toBe(false);
  });
});
