import { readFile } from 'node:fs/promises';
import type { Context } from './command.js';
import { InputError } from './errors.js';

/** A file's text, or standard input for `-`; a missing file is an InputError naming it. */
export async function readInputFile(ctx: Context, path: string): Promise<string> {
  if (path === '-') return ctx.readStdin();
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError(
      code === 'ENOENT' ? `${path}: no such file.` : `${path}: cannot read it (${code ?? (err as Error).message}).`,
    );
  }
}

export function parseJsonText(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new InputError(`${where} is not valid JSON: ${(err as Error).message}`);
  }
}

let counter = 0;
/** A fresh event id derived from the old one, for resending an example (`--new-id`). */
export function freshEventId(old: unknown, nowMs: number): string {
  counter += 1;
  const base = typeof old === 'string' ? old.slice(0, 96) : 'evt';
  return `${base}-${nowMs.toString(36)}${counter.toString(36)}`;
}
