// A JSON body nested thousands deep parses fine but overflows the stack of any recursive walk after it (the
// unsafe-text scan, zod, logging): a 500 that a producer following the docs retries for ever. Every body is
// measured first, by a walk whose own recursion stops at the limit, and refused with the path where it
// went too deep.
import type { ValidationIssue } from './events.js';

/** The deepest nesting of objects and arrays accepted in a body (the body itself is level 1); events use 5. */
export const MAX_NESTING_DEPTH = 32;

/** Path segments from `value` to its first object or array nested deeper than `maxDepth`; undefined if none. */
function tooDeepAt(value: unknown, level: number, maxDepth: number): string[] | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  if (level > maxDepth) return [];
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const below = tooDeepAt(value[i], level + 1, maxDepth);
      if (below) return [String(i), ...below];
    }
    return undefined;
  }
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    const below = tooDeepAt((value as Record<string, unknown>)[key], level + 1, maxDepth);
    if (below) return [key, ...below];
  }
  return undefined;
}

/** The issue of a parsed JSON value nested deeper than `maxDepth` levels, naming where; undefined when it is not. */
export function nestingIssue(value: unknown, maxDepth = MAX_NESTING_DEPTH): ValidationIssue | undefined {
  const path = tooDeepAt(value, 1, maxDepth);
  if (!path) return undefined;
  return {
    path: path.join('.') || '(root)',
    message: `nests deeper than ${maxDepth} levels of objects and arrays; send a flat value (a string, a number, or a shallow object)`,
  };
}
