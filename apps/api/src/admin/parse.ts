import { formatIssues } from '@qbo-sync/contracts';
import type { z } from 'zod';
import { ApiError } from '../errors.js';

/** Parses a body, query or params with its contract schema; a mismatch is a 400 naming each field. */
export function parseInput<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const parsed = schema.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  throw new ApiError(
    400,
    'invalid_request',
    `The ${what} is not valid (see issues); nothing was changed.`,
    formatIssues(parsed.error),
  );
}
