import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { EXAMPLE_EVENTS } from '@qbo-sync/contracts';
import { SecretBox } from '@qbo-sync/db';
import { getInboxEvent } from '@qbo-sync/db/repositories/inbox';
import { createTenant } from '@qbo-sync/db/repositories/tenants';
import { CredentialStore } from '../src/credentials.js';
import { exampleFiles } from '../src/examples.js';
import { EXAMPLES_DIR, type Harness, MAX_BATCH, startHarness } from './harness.js';

/** An event of tenant `demo` with a fresh id, as one ndjson line. */
function line(id: string, changes: Record<string, unknown> = {}): string {
  return JSON.stringify({ ...EXAMPLE_EVENTS['invoice.sent'], tenantId: 'demo', id, ...changes });
}

describe('send and backfill (signed ingest)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('cli_ingest');
    // Ingest needs only a tenant and its key; the admin-created path is covered in admin.test.ts.
    const created = await createTenant(h.db.db, new SecretBox(h.config.encryptionKeys), { id: 'demo', name: 'Demo' });
    await new CredentialStore(h.credentialsFile).save(h.apiUrl, 'demo', created);
  });
  afterAll(async () => {
    await h.close();
  });

  it('sends every shipped example event and each is accepted, then answered duplicate', async () => {
    for (const example of exampleFiles()) {
      const file = join(EXAMPLES_DIR, example.file);
      const first = await h.cli(['send', 'demo', file]);
      expect({ file: example.file, code: first.code, stderr: first.stderr }).toEqual({
        file: example.file,
        code: 0,
        stderr: '',
      });
      const id = (JSON.parse(example.content) as { id: string }).id;
      expect(first.stdout).toMatch(new RegExp(`^accepted\\s+${id}\\s+job `));
      expect((await getInboxEvent(h.db.db, 'demo', id))?.type).toBe(example.type);
    }
    const again = await h.cli(['send', 'demo', join(EXAMPLES_DIR, 'invoice-sent.json')]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^duplicate\s+evt-0001/);
  });

  it('--new-id resends an example as a new event', async () => {
    const res = await h.cli(['send', 'demo', join(EXAMPLES_DIR, 'payment-accepted.json'), '--new-id']);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^accepted\s+evt-0005-\w+/);
  });

  it('sends an array through the batch endpoint, learning the API limit from its 413', async () => {
    const events = Array.from({ length: MAX_BATCH * 2 + 1 }, (_, i) => JSON.parse(line(`evt-array-${i}`)));
    const file = join(h.home, 'array.json');
    await writeFile(file, JSON.stringify(events));
    const res = await h.cli(['send', 'demo', file, '--json']);
    expect(res.code).toBe(0);
    const body = JSON.parse(res.stdout) as { summary: { accepted: number; duplicate: number; rejected: number } };
    expect(body.summary).toEqual({ accepted: MAX_BATCH * 2 + 1, duplicate: 0, rejected: 0 });
  });

  it('reads the event from standard input with -', async () => {
    const res = await h.cli(['send', 'demo', '-'], { stdin: line('evt-stdin-1') });
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^accepted\s+evt-stdin-1/);
  });

  it('an invalid event exits 1 with the field-level reasons from the API', async () => {
    const file = join(h.home, 'bad.json');
    const { occurredAt: _drop, ...event } = JSON.parse(line('evt-bad-1')) as Record<string, unknown>;
    await writeFile(file, JSON.stringify({ ...event, data: { ...(event.data as object), currency: 'usd' } }));
    const res = await h.cli(['send', 'demo', file]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('error: The event was not accepted');
    expect(res.stderr).toContain('  - occurredAt: is required');
    expect(res.stderr).toMatch(/ {2}- data\.currency: must be an ISO 4217 code/);
    expect(await getInboxEvent(h.db.db, 'demo', 'evt-bad-1')).toBeUndefined();
  });

  it('a file that is not JSON, or missing, exits 1 naming it', async () => {
    const file = join(h.home, 'broken.json');
    await writeFile(file, '{"id": ');
    const broken = await h.cli(['send', 'demo', file]);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain(`${file} is not valid JSON`);
    const missing = await h.cli(['send', 'demo', join(h.home, 'nope.json')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('nope.json: no such file.');
  });

  it('without saved credentials it says how to get them', async () => {
    const res = await h.cli(['send', 'other-co', join(EXAMPLES_DIR, 'invoice-sent.json')]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('No API key and signing secret for tenant "other-co"');
    expect(res.stderr).toContain('--save');
  });

  it('a wrong signing secret is refused by the API with its reason', async () => {
    const res = await h.cli(['send', 'demo', join(EXAMPLES_DIR, 'invoice-sent.json')], {
      env: {
        QBO_SYNC_API_KEY: (await new CredentialStore(h.credentialsFile).get(h.apiUrl, 'demo'))?.apiKey ?? '',
        QBO_SYNC_SIGNING_SECRET: 'wrong',
      },
    });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('X-Qbo-Sync-Signature does not match');
  });

  it('backfill streams an ndjson file in batches and reports accepted, duplicate and rejected counts', async () => {
    const fresh = Array.from({ length: 17 }, (_, i) => line(`evt-bf-${i}`, { source: 'live' }));
    const { occurredAt: _drop, ...noTime } = JSON.parse(line('evt-bf-invalid')) as Record<string, unknown>;
    const lines = [
      ...fresh.slice(0, 9),
      '',
      line('evt-0001'), // sent above: duplicate
      'this is not json',
      JSON.stringify(noTime), // invalid event
      ...fresh.slice(9),
      line('evt-bf-3'), // repeated inside the file: duplicate
      '   ',
    ];
    const file = join(h.home, 'events.ndjson');
    await writeFile(file, `${lines.join('\n')}\n`);
    const res = await h.cli(['backfill', 'demo', file]);
    expect(res.code).toBe(1); // some lines were rejected
    expect(res.stdout).toContain(`backfill of ${file} for demo: 21 events — 17 accepted, 2 duplicate, 2 rejected`);
    expect(res.stdout).toMatch(/line 12: invalid_json/);
    expect(res.stdout).toMatch(/line 13 \(evt-bf-invalid\): invalid_event — occurredAt: is required/);
    // Every event went in as backfill, whatever the file said.
    expect((await getInboxEvent(h.db.db, 'demo', 'evt-bf-0'))?.source).toBe('backfill');
    expect((await getInboxEvent(h.db.db, 'demo', 'evt-bf-16'))?.source).toBe('backfill');

    const rerun = await h.cli(['backfill', 'demo', file, '--json', '--batch-size', '4']);
    const report = JSON.parse(rerun.stdout) as { accepted: number; duplicate: number; rejected: number };
    expect(report).toMatchObject({ accepted: 0, duplicate: 19, rejected: 2 });
  });

  it('an unreachable API gets a message that says what to check', async () => {
    const res = await h.cli(['send', 'demo', join(EXAMPLES_DIR, 'invoice-sent.json')], {
      env: { QBO_SYNC_API_URL: 'http://127.0.0.1:9', QBO_SYNC_API_KEY: 'k', QBO_SYNC_SIGNING_SECRET: 's' },
    });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('API not reachable at http://127.0.0.1:9');
    expect(res.stderr).toContain('is `npm start` running?');
  });
});
