import { formatIssues, nestingIssue, unsafeTextIssues } from '@qbo-sync/contracts';
import type { z } from 'zod';
import { ApiError } from '../errors.js';

/**
 * Parses a body, query or params with its contract schema; a mismatch is a 400 naming each field. Text
 * PostgreSQL cannot store (NUL, unpaired surrogates) or that would reach a terminal raw (control characters)
 * is refused first, as for events, and before it a body nested deeper than MAX_NESTING_DEPTH.
 */
export function parseInput<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  // Nesting first: a body thousands deep would overflow the stack of the walks below.
  const tooDeep = nestingIssue(value);
  const unsafe = tooDeep ? [tooDeep] : unsafeTextIssues(value ?? {});
  if (unsafe.length > 0) {
    throw new ApiError(400, 'invalid_request', `The ${what} is not valid (see issues); nothing was changed.`, unsafe);
  }
  const parsed = schema.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  throw new ApiError(
    400,
    'invalid_request',
    `The ${what} is not valid (see issues); nothing was changed.`,
    formatIssues(parsed.error),
  );
}
