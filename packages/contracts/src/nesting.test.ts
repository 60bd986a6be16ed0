import { describe, expect, it } from '@jest/globals';
import { validateEvent } from './events.js';
import { EXAMPLE_EVENTS } from './examples.js';
import { MAX_NESTING_DEPTH, nestingIssue } from './nesting.js';

/** `levels` arrays nested in one another: `[[...]]`, the outermost being level 1. */
const nested = (levels: number): unknown => {
  let value: unknown = 'leaf';
  for (let i = 0; i < levels; i++) value = [value];
  return value;
};

describe('nestingIssue', () => {
  it('accepts the limit and refuses one level more, naming the path to the level too deep', () => {
    expect(nestingIssue(nested(MAX_NESTING_DEPTH))).toBeUndefined();
    expect(nestingIssue(nested(MAX_NESTING_DEPTH + 1))).toEqual({
      path: Array(MAX_NESTING_DEPTH).fill('0').join('.'),
      message: expect.stringMatching(/nests deeper than 32 levels/),
    });
    expect(nestingIssue({ a: 1, b: { c: nested(MAX_NESTING_DEPTH) } }, MAX_NESTING_DEPTH)?.path).toMatch(
      /^b\.c(\.0)+$/,
    );
    expect(nestingIssue('text')).toBeUndefined();
  });

  it('measures 100,000 levels without overflowing the stack', () => {
    expect(nestingIssue(nested(100_000))?.path.split('.')).toHaveLength(MAX_NESTING_DEPTH);
  });

  it('validateEvent refuses a deep field before any other walk (it overflowed the stack in the text scan)', () => {
    const event = structuredClone(EXAMPLE_EVENTS['invoice.sent']) as Record<string, unknown>;
    (event['data'] as Record<string, unknown>)['memo'] = nested(100_000);
    const result = validateEvent(event);
    expect(result).toMatchObject({
      ok: false,
      code: 'invalid_event',
      issues: [{ path: expect.stringMatching(/^data\.memo\.0/) }],
    });
    // Every example event is far below the limit.
    for (const example of Object.values(EXAMPLE_EVENTS)) expect(nestingIssue(example)).toBeUndefined();
  });
});
