import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CredentialStore } from './credentials.js';
import { InputError } from './errors.js';

describe('CredentialStore', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'qbo-sync-creds-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keys credentials by API URL (trailing slash ignored) and tenant, in a 0600 file', async () => {
    const file = join(dir, 'nested', 'credentials.json');
    const store = new CredentialStore(file, () => new Date('2026-03-01T00:00:00Z'));
    expect(await store.get('http://127.0.0.1:3000', 'demo')).toBeUndefined();
    await store.save('http://127.0.0.1:3000/', 'demo', { apiKey: 'k1', signingSecret: 's1' });
    await store.save('https://staging.example.com', 'demo', { apiKey: 'k2', signingSecret: 's2' });
    expect(await store.get('http://127.0.0.1:3000', 'demo')).toEqual({ apiKey: 'k1', signingSecret: 's1' });
    expect(await store.get('https://staging.example.com/', 'demo')).toEqual({ apiKey: 'k2', signingSecret: 's2' });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const json = JSON.parse(await readFile(file, 'utf8')) as { apis: Record<string, unknown> };
    expect(Object.keys(json.apis).sort()).toEqual(['http://127.0.0.1:3000', 'https://staging.example.com']);
    expect(await store.remove('http://127.0.0.1:3000', 'demo')).toBe(true);
    expect(await store.get('http://127.0.0.1:3000', 'demo')).toBeUndefined();
    expect(await store.remove('http://127.0.0.1:3000', 'demo')).toBe(false);
  });

  it('a damaged file is reported with what to do, not overwritten', async () => {
    const file = join(dir, 'broken.json');
    await writeFile(file, '{ not json');
    const store = new CredentialStore(file);
    await expect(store.get('http://x', 'demo')).rejects.toThrow(InputError);
    await expect(store.save('http://x', 'demo', { apiKey: 'k', signingSecret: 's' })).rejects.toThrow(
      /broken.json is not valid JSON. Fix or delete it/,
    );
    expect(await readFile(file, 'utf8')).toBe('{ not json');
  });
});
