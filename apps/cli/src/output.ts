import { escapeForTerminal } from '@qbo-sync/security';

/**
 * Where a command writes: process streams in main.ts, string buffers in tests. Both escape control
 * characters, so data (names, ids, reasons) can never drive the operator's terminal.
 */
export interface Output {
  out(line?: string): void;
  err(line?: string): void;
}

export function streamOutput(stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream): Output {
  return {
    out: (line = '') => void stdout.write(`${escapeForTerminal(line)}\n`),
    err: (line = '') => void stderr.write(`${escapeForTerminal(line)}\n`),
  };
}

export interface BufferedOutput extends Output {
  readonly stdout: string[];
  readonly stderr: string[];
  text(): string;
}

export function bufferedOutput(): BufferedOutput {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    out: (line = '') => void stdout.push(escapeForTerminal(line)),
    err: (line = '') => void stderr.push(escapeForTerminal(line)),
    text: () => stdout.join('\n'),
  };
}

export type Cell = string | number | boolean | null | undefined;

function show(cell: Cell): string {
  if (cell === null || cell === undefined || cell === '') return '-';
  return String(cell);
}

/** A plain fixed-width table; `maxWidth` truncates long cells (reasons) with an ellipsis. */
export function table(headers: string[], rows: Cell[][], maxWidth = 60): string[] {
  const text = rows.map((row) =>
    headers.map((_, i) => {
      const s = show(row[i]).replace(/\s+/g, ' ');
      return s.length > maxWidth ? `${s.slice(0, maxWidth - 1)}…` : s;
    }),
  );
  const widths = headers.map((h, i) => Math.max(h.length, ...text.map((r) => r[i]?.length ?? 0)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers.map((h) => h.toUpperCase())), ...text.map(line)];
}

/** `key: value` lines with aligned values. */
export function fields(pairs: Array<[string, Cell]>): string[] {
  const width = Math.max(...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `${`${k}:`.padEnd(width + 1)} ${show(v)}`);
}
