import { type AnyCommand, type Context, commandHelp, GLOBAL_OPTIONS, parseCommandArgs } from './command.js';
import { COMMANDS } from './commands/index.js';
import { type CliConfig, loadCliConfig } from './config.js';
import { CredentialStore } from './credentials.js';
import { ApiResponseError, CliError, EXIT, UsageError } from './errors.js';
import { ApiClient } from './http.js';
import type { Output } from './output.js';

export interface CliEnvironment {
  env: NodeJS.ProcessEnv;
  out: Output;
  examplesDir: string;
  invocation?: string;
  now?: () => number;
  readStdin?: () => Promise<string>;
}

function overview(commands: readonly AnyCommand[]): string[] {
  const width = Math.max(...commands.map((c) => `${c.name} ${c.args}`.length));
  return [
    'usage: qbo-sync <command> [arguments] [options]',
    '',
    'Talks to the qbo-sync API (admin endpoints with ADMIN_TOKEN; ingest signed with the tenant key).',
    '',
    'commands:',
    ...commands.map((c) => `  ${`${c.name} ${c.args}`.padEnd(width)}  ${c.summary.split('. ')[0]?.replace(/\.$/, '')}`),
    '',
    'global options:',
    ...Object.entries(GLOBAL_OPTIONS).map(([n, o]) => `  --${n}${'hint' in o ? ` ${o.hint}` : ''}  ${o.description}`),
    '',
    'Run `qbo-sync <command> --help` for a command’s options.',
  ];
}

function groupHelp(name: string, group: readonly AnyCommand[]): string[] {
  const width = Math.max(...group.map((c) => `${c.name} ${c.args}`.length));
  return [
    `usage: qbo-sync ${name} <${group.map((c) => c.name.split(' ')[1]).join('|')}> [arguments] [options]`,
    '',
    ...group.map((c) => `  ${`${c.name} ${c.args}`.padEnd(width)}  ${c.summary}`),
    '',
    `Run \`qbo-sync ${name} <command> --help\` for a command’s options.`,
  ];
}

/** The longest run of leading words naming a command (`tenants create` before `tenants`). */
function findCommand(argv: string[]): { command: AnyCommand; rest: string[] } | undefined {
  for (let words = 2; words >= 1; words -= 1) {
    const name = argv.slice(0, words).join(' ');
    const command = COMMANDS.find((c) => c.name === name);
    if (command && argv.length >= words) return { command, rest: argv.slice(words) };
  }
  return undefined;
}

function unknownCommand(argv: string[]): UsageError {
  const first = argv[0] ?? '';
  const group = COMMANDS.filter((c) => c.name.startsWith(`${first} `));
  if (group.length > 0) {
    const sub = argv[1];
    return new UsageError(
      `${sub && !sub.startsWith('-') ? `Unknown command "${first} ${sub}"` : `"${first}" needs a subcommand`}; one of: ${group.map((c) => c.name.split(' ')[1]).join(', ')}.`,
      group.map((c) => `qbo-sync ${c.name} ${c.args}`).join('\n'),
    );
  }
  return new UsageError(`Unknown command "${first}". Run \`qbo-sync help\` for the list.`);
}

function report(out: Output, err: unknown): number {
  if (err instanceof UsageError) {
    out.err(`error: ${err.message}`);
    if (err.usage) out.err(`usage: ${err.usage.split('\n').join('\n       ')}`);
    return err.exitCode;
  }
  if (err instanceof CliError) {
    out.err(`error: ${err.message}`);
    if (err instanceof ApiResponseError) for (const i of err.issues) out.err(`  - ${i.path}: ${i.message}`);
    return err.exitCode;
  }
  out.err(`error: unexpected failure: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  return EXIT.failure;
}

/** Runs one command line; returns the exit code (0 ok, 1 failure, 2 usage). Never exits the process. */
export async function runCli(argv: string[], environment: CliEnvironment): Promise<number> {
  const { out } = environment;
  try {
    if (argv.length === 0) {
      for (const line of overview(COMMANDS)) out.err(line);
      return EXIT.usage;
    }
    if (argv[0] === 'help' || argv[0] === '--help' || argv[0] === '-h') {
      const target = argv[1] ? findCommand(argv.slice(1)) : undefined;
      for (const line of target ? commandHelp(target.command) : overview(COMMANDS)) out.out(line);
      return EXIT.ok;
    }
    const found = findCommand(argv);
    // `qbo-sync tenants --help`: a group's help lists its commands (exit 0), instead of "needs a subcommand".
    const group = COMMANDS.filter((c) => c.name.startsWith(`${argv[0]} `));
    if (!found && group.length > 0 && argv.slice(1).some((a) => a === '--help' || a === '-h')) {
      for (const line of groupHelp(argv[0] ?? '', group)) out.out(line);
      return EXIT.ok;
    }
    if (!found) throw unknownCommand(argv);
    const { command, rest } = found;
    const input = parseCommandArgs(command, rest);
    if (input.values.help) {
      for (const line of commandHelp(command)) out.out(line);
      return EXIT.ok;
    }
    const apiUrl = typeof input.values['api-url'] === 'string' ? input.values['api-url'] : undefined;
    const config: CliConfig = loadCliConfig(environment.env, { apiUrl });
    const now = environment.now ?? Date.now;
    const ctx: Context = {
      config,
      api: new ApiClient({ baseUrl: config.apiUrl, adminToken: config.adminToken, timeoutMs: config.timeoutMs, now }),
      credentials: new CredentialStore(config.credentialsFile),
      out,
      json: input.values.json === true,
      now,
      examplesDir: environment.examplesDir,
      invocation: environment.invocation ?? 'qbo-sync',
      readStdin: environment.readStdin ?? (() => Promise.resolve('')),
    };
    return (await command.run(ctx, { positionals: input.positionals, values: input.values })) ?? EXIT.ok;
  } catch (err) {
    return report(out, err);
  }
}
