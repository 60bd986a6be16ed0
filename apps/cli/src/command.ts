import { parseArgs } from 'node:util';
import type { CliConfig } from './config.js';
import type { CredentialStore } from './credentials.js';
import { UsageError } from './errors.js';
import type { ApiClient } from './http.js';
import type { Output } from './output.js';

/** What every command gets: passed in, so tests run commands against a real API with buffered output. */
export interface Context {
  config: CliConfig;
  api: ApiClient;
  credentials: CredentialStore;
  out: Output;
  /** `--json`: print machine-readable JSON instead of tables. */
  json: boolean;
  now: () => number;
  /** apps/cli/examples, for `demo setup`'s ready-to-paste command. */
  examplesDir: string;
  /** How the user runs this CLI (e.g. `qbo-sync` or `node apps/cli/dist/main.js`), for printed hints. */
  invocation: string;
  readStdin: () => Promise<string>;
}

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** Shown in help, e.g. `--since <date|24h|7d>`. */
  hint?: string;
  description: string;
}

export type OptionValues<O extends Record<string, OptionSpec>> = {
  [K in keyof O]?: O[K]['type'] extends 'boolean' ? boolean : string;
};

export interface Command<O extends Record<string, OptionSpec> = Record<string, OptionSpec>> {
  /** The words that select it, e.g. `tenants create`. */
  name: string;
  /** Positional synopsis, e.g. `<tenant> <entityType> <externalId>`. */
  args: string;
  summary: string;
  options: O;
  positionals: { min: number; max: number };
  /** Extra help lines (examples, notes). */
  details?: string[];
  run(ctx: Context, input: { positionals: string[]; values: OptionValues<O> }): Promise<number | undefined>;
}

/** A command with its option types erased, as the dispatcher holds it. */
export interface AnyCommand extends Omit<Command, 'run'> {
  run(ctx: Context, input: ParsedInput): Promise<number | undefined>;
}

/** Identity with inference, so `values` in `run` is typed from `options`. */
export function defineCommand<const O extends Record<string, OptionSpec>>(command: Command<O>): AnyCommand {
  // Sound because parseCommandArgs builds `values` from the same `options` (strings for string options).
  return command as unknown as AnyCommand;
}

export const GLOBAL_OPTIONS = {
  'api-url': {
    type: 'string',
    hint: '<url>',
    description: 'qbo-sync API base URL (default: QBO_SYNC_API_URL or http://127.0.0.1:3000)',
  },
  json: { type: 'boolean', description: 'print JSON instead of tables' },
  help: { type: 'boolean', short: 'h', description: 'show help' },
} as const satisfies Record<string, OptionSpec>;

export function synopsis(command: AnyCommand): string {
  const opts = Object.entries(command.options).map(([name, o]) => `[--${name}${o.hint ? ` ${o.hint}` : ''}]`);
  return ['qbo-sync', command.name, command.args, ...opts].filter(Boolean).join(' ');
}

export function commandHelp(command: AnyCommand): string[] {
  const describe = (name: string, o: OptionSpec) =>
    `  ${`${o.short ? `-${o.short}, ` : ''}--${name}${o.hint ? ` ${o.hint}` : ''}`.padEnd(34)} ${o.description}`;
  const own = Object.entries(command.options as Record<string, OptionSpec>).map(([n, o]) => describe(n, o));
  return [
    `usage: ${synopsis(command)}`,
    '',
    command.summary,
    ...(command.details?.length ? ['', ...command.details] : []),
    ...(own.length ? ['', 'options:', ...own] : []),
    '',
    'global options:',
    ...Object.entries(GLOBAL_OPTIONS as Record<string, OptionSpec>).map(([n, o]) => describe(n, o)),
  ];
}

export interface ParsedInput {
  positionals: string[];
  values: Record<string, string | boolean | undefined>;
}

/** util.parseArgs in strict mode; every mistake becomes a UsageError naming the command's synopsis. */
export function parseCommandArgs(command: AnyCommand, argv: string[]): ParsedInput {
  const options: Record<string, OptionSpec> = { ...GLOBAL_OPTIONS, ...command.options };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: argv,
      options: Object.fromEntries(
        Object.entries(options).map(([name, o]) => [name, { type: o.type, ...(o.short ? { short: o.short } : {}) }]),
      ),
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    // parseArgs messages are already precise ("Unknown option '--foo'"); add the synopsis.
    throw new UsageError((err as Error).message, synopsis(command));
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (values.help) return { positionals: parsed.positionals, values };
  const { min, max } = command.positionals;
  const count = parsed.positionals.length;
  if (count < min) {
    throw new UsageError(`"${command.name}" needs ${command.args || 'more arguments'}.`, synopsis(command));
  }
  if (count > max) {
    const extra = parsed.positionals.slice(max).map((p) => `"${p}"`);
    throw new UsageError(`Unexpected argument ${extra.join(' ')} for "${command.name}".`, synopsis(command));
  }
  return { positionals: parsed.positionals, values };
}

/** Parses an on/off style flag value. */
export function onOff(name: string, value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  const v = value.toLowerCase();
  if (['on', 'true', 'yes', '1'].includes(v)) return true;
  if (['off', 'false', 'no', '0'].includes(v)) return false;
  throw new UsageError(`--${name} takes on or off, not "${value}".`);
}

/** Parses a positive integer flag value. */
export function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 1 || !Number.isSafeInteger(Number(value))) {
    throw new UsageError(`--${name} takes a whole number of at least 1, not "${value}".`);
  }
  return Number(value);
}

/** One of a closed list of values. */
export function oneOf<T extends string>(what: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${what} must be one of ${allowed.join(', ')}, not "${value}".`);
}
