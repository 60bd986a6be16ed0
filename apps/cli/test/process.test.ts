import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SecretBox } from '@qbo-sync/db';
import { createTenant } from '@qbo-sync/db/repositories/tenants';
import { CredentialStore } from '../src/credentials.js';
import { CLI_ROOT, type Harness, startHarness } from './harness.js';

const exec = promisify(execFile);
const BIN = join(CLI_ROOT, 'dist', 'main.js');

interface ProcessRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** The built binary, as `npm start` runs it: a real process, real exit code. */
async function qboSync(h: Harness, args: string[], env: Record<string, string> = {}): Promise<ProcessRun> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [BIN, ...args], {
      cwd: CLI_ROOT,
      env: { PATH: process.env.PATH ?? '', ...h.env, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('the qbo-sync process (dist/main.js)', () => {
  let h: Harness;
  beforeAll(async () => {
    // Build exactly what npm start runs (scripts/bundle.mjs via the package's build script).
    await exec(process.execPath, [join(CLI_ROOT, '..', '..', 'scripts', 'bundle.mjs'), 'src/main.ts'], {
      cwd: CLI_ROOT,
    });
    h = await startHarness('cli_process');
    const created = await createTenant(h.db.db, new SecretBox(h.config.encryptionKeys), { id: 'demo', name: 'Demo' });
    await new CredentialStore(h.credentialsFile).save(h.apiUrl, 'demo', created);
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  it('signs and sends an example event; exit 0', async () => {
    const res = await qboSync(h, ['send', 'demo', 'examples/refund-issued.json']);
    expect(res).toMatchObject({ code: 0, stderr: '' });
    expect(res.stdout).toMatch(/^accepted\s+evt-0007\s+job /);
  });

  it('exits 2 on a usage error, with the message on stderr', async () => {
    const res = await qboSync(h, ['replay', 'demo']);
    expect(res.code).toBe(2);
    expect(res.stdout).toBe('');
    expect(res.stderr).toContain('error: Say what to replay');
  });

  it('exits 1 when the API cannot be reached, saying what to do', async () => {
    const res = await qboSync(h, ['tenants', 'list'], { QBO_SYNC_API_URL: 'http://127.0.0.1:9' });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('API not reachable at http://127.0.0.1:9');
  });
});
