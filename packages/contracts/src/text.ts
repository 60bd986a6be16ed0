// Text PostgreSQL cannot store (NUL in text/jsonb, unpaired UTF-16 surrogates in jsonb) turned every
// ingest of such an event into a 500, and terminal control sequences in names reach operators' screens.
// The contract refuses them up front, naming the field.
import type { ValidationIssue } from './events.js';

/** C0 controls except tab, LF and CR; DEL; a high surrogate not followed by a low one; a lone low surrogate. */
const UNSAFE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** The first character of `text` that cannot be stored or shown safely, with its 1-based position. */
export function unsafeCharacter(text: string): { codePoint: string; position: number } | undefined {
  const match = UNSAFE.exec(text);
  if (!match) return undefined;
  const code = match[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
  return { codePoint: `U+${code}`, position: match.index + 1 };
}

export function unsafeTextMessage(found: { codePoint: string; position: number }): string {
  return `contains ${found.codePoint} at character ${found.position}; control characters and unpaired surrogates cannot be stored, remove it`;
}

/**
 * Whether any string (or object key) in a parsed JSON value holds an unsafe character. The ingest hot
 * path asks this of every event; it allocates nothing, unlike unsafeTextIssues (which builds paths).
 */
export function hasUnsafeText(value: unknown): boolean {
  if (typeof value === 'string') return UNSAFE.test(value);
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) {
    for (const v of value) if (hasUnsafeText(v)) return true;
    return false;
  }
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    if (UNSAFE.test(key) || hasUnsafeText((value as Record<string, unknown>)[key])) return true;
  }
  return false;
}

/** Every string (and object key) in a parsed JSON value that holds an unsafe character, by dotted path. */
export function unsafeTextIssues(value: unknown, path: string[] = []): ValidationIssue[] {
  const at = (p: string[]) => p.join('.') || '(root)';
  if (typeof value === 'string') {
    const found = unsafeCharacter(value);
    return found ? [{ path: at(path), message: unsafeTextMessage(found) }] : [];
  }
  if (Array.isArray(value)) return value.flatMap((v, i) => unsafeTextIssues(v, [...path, String(i)]));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, v]) => {
      const found = unsafeCharacter(key);
      const keyIssue = found ? [{ path: at(path), message: `a field name ${unsafeTextMessage(found)}` }] : [];
      return [...keyIssue, ...unsafeTextIssues(v, [...path, key])];
    });
  }
  return [];
}
