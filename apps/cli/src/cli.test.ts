import { describe, expect, it } from '@jest/globals';
import { runCli } from './cli.js';
import { bufferedOutput } from './output.js';

// Usage is decided before any request: these run without an API (and the URL below refuses connections).
async function run(argv: string[]) {
  const out = bufferedOutput();
  const code = await runCli(argv, {
    env: { QBO_SYNC_API_URL: 'http://127.0.0.1:9', HOME: '/nonexistent' },
    out,
    examplesDir: '/nonexistent',
  });
  return { code, stdout: out.stdout.join('\n'), stderr: out.stderr.join('\n') };
}

describe('usage errors exit 2 with a helpful message', () => {
  const cases: Array<{ argv: string[]; message: RegExp }> = [
    { argv: [], message: /usage: qbo-sync <command>/ },
    { argv: ['frobnicate'], message: /Unknown command "frobnicate". Run `qbo-sync help`/ },
    { argv: ['tenants'], message: /"tenants" needs a subcommand; one of: create, list, show, settings, rotate-key/ },
    { argv: ['tenants', 'rename', 'x'], message: /Unknown command "tenants rename"/ },
    { argv: ['tenants', 'delete', 'x'], message: /cannot be undone. Run again with --yes/ },
    { argv: ['tenants', 'create'], message: /"tenants create" needs <id> --name <name>/ },
    { argv: ['tenants', 'create', 'acme'], message: /needs --name <name>/ },
    { argv: ['tenants', 'create', 'Bad_Id', '--name', 'x'], message: /Tenant id "Bad_Id" must be 2-63 characters/ },
    { argv: ['tenants', 'settings', 'acme'], message: /Nothing to change: give at least one of --auto-sync/ },
    { argv: ['tenants', 'settings', 'acme', '--auto-sync', 'maybe'], message: /--auto-sync takes on or off/ },
    { argv: ['tenants', 'list', '--bogus'], message: /Unknown option '--bogus'/ },
    { argv: ['send', 'demo'], message: /"send" needs <tenant> <event.json\|->/ },
    { argv: ['send', 'demo', 'a.json', 'b.json'], message: /Unexpected argument "b.json"/ },
    { argv: ['status', 'demo', 'invoice'], message: /Give both <entityType> and <externalId>/ },
    { argv: ['status', 'demo', '--since', 'yesterday'], message: /--since "yesterday" is not a time/ },
    { argv: ['status', 'demo', '--status', 'broken'], message: /--status must be one of pending, syncing, synced/ },
    {
      argv: ['status', 'demo', 'widget', 'w-1'],
      message: /entityType must be one of customer, invoice, payment, refund/,
    },
    { argv: ['replay', 'demo'], message: /Say what to replay: <entityType> <externalId>, or --failed/ },
    { argv: ['replay', 'demo', 'invoice', 'i-1', '--failed'], message: /not both/ },
    { argv: ['mappings', 'set', 'demo', 'widget', 'k', '1'], message: /kind must be one of item, customer/ },
    { argv: ['qbo', 'list', 'demo', 'vendors'], message: /the list must be one of items, accounts, payment-methods/ },
    { argv: ['backfill', 'demo', 'f.ndjson', '--batch-size', '0'], message: /--batch-size takes a whole number/ },
    { argv: ['demo', 'load', '--payments', '2'], message: /--payments takes a share between 0 and 1/ },
    { argv: ['--api-url', 'x'], message: /Unknown command "--api-url"/ },
  ];
  for (const { argv, message } of cases) {
    it(`qbo-sync ${argv.join(' ') || '(nothing)'}`, async () => {
      const res = await run(argv);
      expect(res.stderr).toMatch(message);
      expect(res.code).toBe(2);
    });
  }

  it('a usage error shows the command synopsis', async () => {
    const res = await run(['mappings', 'set', 'demo']);
    expect(res.stderr).toContain('usage: qbo-sync mappings set <tenant> <kind> <key> <qboId> [--name <qboName>]');
  });
});

describe('help', () => {
  it('lists every command and exits 0', async () => {
    const res = await run(['help']);
    expect(res.code).toBe(0);
    for (const name of [
      'tenants create',
      'connect',
      'mappings set',
      'qbo list',
      'status',
      'replay',
      'send',
      'backfill',
      'demo setup',
      'demo load',
    ]) {
      expect(res.stdout).toContain(`  ${name} `);
    }
  });

  it('--help of a command shows its options', async () => {
    const res = await run(['backfill', '--help']);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('usage: qbo-sync backfill <tenant> <events.ndjson> [--batch-size <n>]');
    expect(res.stdout).toContain('--api-url <url>');
  });
});

describe('configuration errors exit 1 naming the variable', () => {
  it('a malformed QBO_SYNC_API_URL', async () => {
    const out = bufferedOutput();
    const code = await runCli(['tenants', 'list'], { env: { QBO_SYNC_API_URL: 'not a url' }, out, examplesDir: '' });
    expect(code).toBe(1);
    expect(out.stderr.join('\n')).toContain('QBO_SYNC_API_URL');
  });
});
