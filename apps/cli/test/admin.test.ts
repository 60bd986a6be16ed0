import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ReplayResponse, SyncRecordListResponse, TenantDetailResponse } from '@qbo-sync/contracts';
import { appendAttempt } from '@qbo-sync/db/repositories/attempts';
import { ensureRecord, setStatus } from '@qbo-sync/db/repositories/sync-records';
import { CredentialStore } from '../src/credentials.js';
import { DEMO_REALM_ID } from '../src/demo/setup.js';
import { EXAMPLES_DIR, type Harness, startHarness } from './harness.js';

/** A sync record in a given state, as the worker leaves it (the worker itself is not part of these tests). */
async function seedRecord(
  h: Harness,
  tenantId: string,
  externalId: string,
  status: string,
  reason: { code: string; text: string },
) {
  const record = await ensureRecord(h.db.db, { tenantId, entityType: 'invoice', externalId });
  await setStatus(h.db.db, record.id, {
    status,
    reasonCode: reason.code,
    reason: reason.text,
    countAttempt: true,
    pendingJob: 'invoice.sync',
  });
  await appendAttempt(h.db.db, {
    syncRecordId: record.id,
    tenantId,
    eventId: `evt-${externalId}`,
    jobId: `job-${externalId}`,
    attempt: 1,
    outcome: 'failed',
    status,
    faultCode: '6000',
    message: reason.text,
    retryable: false,
    startedAt: new Date(),
  });
}

describe('admin commands', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('cli_admin');
  });
  afterAll(async () => {
    await h.close();
  });

  describe('tenants', () => {
    it('create prints the key and secret once and --save stores them for send', async () => {
      const res = await h.cli(['tenants', 'create', 'acme-co', '--name', 'Acme Co', '--save', '--auto-sync', 'off']);
      expect(res.stderr).toBe('');
      expect(res.code).toBe(0);
      const saved = await new CredentialStore(h.credentialsFile).get(h.apiUrl, 'acme-co');
      expect(res.stdout).toContain('Created tenant acme-co (Acme Co).');
      expect(res.stdout).toContain(`api key:        ${saved?.apiKey}`);
      expect(res.stdout).toContain(`signing secret: ${saved?.signingSecret}`);
      expect(res.stdout).toContain(`Saved to ${h.credentialsFile}`);
    });

    it('without --save it warns that the key is shown only once', async () => {
      const res = await h.cli(['tenants', 'create', 'beta-co', '--name', 'Beta Co']);
      expect(res.code).toBe(0);
      expect(res.stdout).toContain('They are shown only this once');
      expect(await new CredentialStore(h.credentialsFile).get(h.apiUrl, 'beta-co')).toBeUndefined();
    });

    it('creating an existing id fails with the API’s reason', async () => {
      const res = await h.cli(['tenants', 'create', 'acme-co', '--name', 'Again']);
      expect(res.code).toBe(1);
      expect(res.stderr).toContain('A tenant "acme-co" already exists');
    });

    it('list and show describe tenants, their connection and settings', async () => {
      const list = await h.cli(['tenants', 'list']);
      expect(list.code).toBe(0);
      const [header, ...rows] = list.stdout.split('\n');
      expect(header).toMatch(/^ID\s+NAME\s+CONNECTION\s+REALM\s+AUTO-SYNC\s+CREATED$/);
      expect(rows.find((r) => r.startsWith('acme-co'))).toMatch(/^acme-co\s+Acme Co\s+not_connected\s+-\s+off\s+/);

      const show = await h.cli(['tenants', 'show', 'acme-co']);
      expect(show.code).toBe(0);
      expect(show.stdout).toContain('connection: not_connected');
      expect(show.stdout).toContain('Connect with: qbo-sync connect acme-co');
      expect(show.stdout).toMatch(/auto-sync:\s+off/);
      expect(show.stdout).toContain('sync records: none yet');

      const missing = await h.cli(['tenants', 'show', 'nobody']);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(/nobody/);
    });

    it('settings changes only the flags given', async () => {
      const res = await h.cli([
        'tenants',
        'settings',
        'acme-co',
        '--auto-sync',
        'on',
        '--customer-match',
        'name_and_email',
      ]);
      expect(res.code).toBe(0);
      expect(res.stdout).toMatch(/auto-sync:\s+on/);
      expect(res.stdout).toMatch(/customer-match:\s+name_and_email/);
      const detail = JSON.parse((await h.cli(['tenants', 'show', 'acme-co', '--json'])).stdout) as TenantDetailResponse;
      expect(detail.settings).toMatchObject({
        autoSync: true,
        customerMatch: 'name_and_email',
        autoSyncPayments: true,
      });
    });

    it('rotate-key --save replaces the saved key: the old one stops working, the new one signs', async () => {
      const store = new CredentialStore(h.credentialsFile);
      const old = await store.get(h.apiUrl, 'acme-co');
      const res = await h.cli(['tenants', 'rotate-key', 'acme-co', '--save']);
      expect(res.code).toBe(0);
      const now = await store.get(h.apiUrl, 'acme-co');
      expect(now?.apiKey).not.toBe(old?.apiKey);
      expect(res.stdout).toContain(`api key:        ${now?.apiKey}`);
      const event = join(h.home, 'acme-event.json');
      const example = JSON.parse(await readFile(join(EXAMPLES_DIR, 'invoice-sent.json'), 'utf8')) as object;
      await writeFile(event, JSON.stringify({ ...example, tenantId: 'acme-co' }));
      expect((await h.cli(['send', 'acme-co', event])).code).toBe(0);
      const stale = await h.cli(['send', 'acme-co', event], {
        env: { QBO_SYNC_API_KEY: old?.apiKey ?? '', QBO_SYNC_SIGNING_SECRET: old?.signingSecret ?? '' },
      });
      expect(stale.code).toBe(1);
      expect(stale.stderr).toContain('The X-Api-Key is not valid');
    });
  });

  it('connect prints the sandbox authorize URL carrying our client id and redirect URI', async () => {
    const res = await h.cli(['connect', 'acme-co', '--json']);
    expect(res.code).toBe(0);
    const { authorizeUrl } = JSON.parse(res.stdout) as { authorizeUrl: string };
    const url = new URL(authorizeUrl);
    expect(`${url.origin}${url.pathname}`).toBe(`${h.sandbox.url}/connect/oauth2`);
    expect(url.searchParams.get('client_id')).toBe('sandbox-client-id');
    expect(url.searchParams.get('redirect_uri')).toBe(`${h.apiUrl}/v1/connect/callback`);
    expect(url.searchParams.get('state')).toMatch(/^[\w-]{32}$/); // 24 random bytes, base64url
    const text = await h.cli(['connect', 'acme-co']);
    expect(text.stdout).toContain('Open this URL in a browser');
  });

  describe('with the demo tenant connected', () => {
    beforeAll(async () => {
      const setup = await h.cli(['demo', 'setup']);
      expect(setup.code).toBe(0);
    });

    it('qbo list reads the live QuickBooks lists', async () => {
      const items = await h.cli(['qbo', 'list', 'demo', 'items']);
      expect(items.code).toBe(0);
      expect(items.stdout).toMatch(new RegExp(`^${h.demoSeeded.items.movingLabor}\\s+Moving Labor`, 'm'));
      const accounts = await h.cli(['qbo', 'list', 'demo', 'accounts']);
      expect(accounts.stdout).toMatch(/Undeposited Funds/);
    });

    it('qbo list of a tenant without a connection says to connect it', async () => {
      const res = await h.cli(['qbo', 'list', 'acme-co', 'items']);
      expect(res.code).toBe(1);
      expect(res.stderr).toContain('has no active QuickBooks connection');
    });

    it('mappings set, list and remove', async () => {
      const set = await h.cli([
        'mappings',
        'set',
        'demo',
        'item',
        'crating',
        h.demoSeeded.items.storage,
        '--name',
        'Storage',
      ]);
      expect(set.code).toBe(0);
      expect(set.stdout).toContain(`Mapped item "crating" → QuickBooks ${h.demoSeeded.items.storage} (Storage).`);
      const list = await h.cli(['mappings', 'list', 'demo', '--kind', 'item']);
      expect(list.stdout.split('\n')).toHaveLength(1 + 6); // 5 demo items (incl. sales_tax) + crating
      expect(list.stdout).toMatch(new RegExp(`^item\\s+crating\\s+${h.demoSeeded.items.storage}\\s+Storage$`, 'm'));
      const removed = await h.cli(['mappings', 'remove', 'demo', 'item', 'crating']);
      expect(removed.code).toBe(0);
      expect((await h.cli(['mappings', 'list', 'demo', '--kind', 'item'])).stdout).not.toContain('crating');
      const again = await h.cli(['mappings', 'remove', 'demo', 'item', 'crating']);
      expect(again.code).toBe(1);
    });

    it('status lists records with their reason, filters by status, and shows one record with its attempts', async () => {
      await seedRecord(h, 'demo', 'inv-f1', 'failed', {
        code: 'qbo_validation',
        text: 'QuickBooks refused the invoice.',
      });
      await seedRecord(h, 'demo', 'inv-f2', 'failed', { code: 'qbo_validation', text: 'QuickBooks refused again.' });
      await seedRecord(h, 'demo', 'inv-m1', 'needs_mapping', { code: 'missing_mapping', text: 'Map item "crating".' });

      const all = await h.cli(['status', 'demo']);
      expect(all.code).toBe(0);
      expect(all.stdout).toMatch(/^TYPE\s+EXTERNAL ID\s+STATUS\s+DOC #\s+QBO ID\s+UPDATED\s+REASON$/m);
      expect(all.stdout).toMatch(/^invoice\s+inv-m1\s+needs_mapping\s+-\s+-\s+\d+s ago\s+Map item "crating"\.$/m);

      const failed = JSON.parse(
        (await h.cli(['status', 'demo', '--status', 'failed', '--since', '1h', '--json'])).stdout,
      ) as SyncRecordListResponse;
      expect(failed.records.map((r) => r.externalId).sort()).toEqual(['inv-f1', 'inv-f2']);
      const future = JSON.parse(
        (await h.cli(['status', 'demo', '--since', '2999-01-01', '--json'])).stdout,
      ) as SyncRecordListResponse;
      expect(future.records).toEqual([]);
      const paged = JSON.parse(
        (await h.cli(['status', 'demo', '--limit', '2', '--json'])).stdout,
      ) as SyncRecordListResponse;
      expect(paged.records).toHaveLength(2);
      expect(paged.nextCursor).toBeDefined();

      const one = await h.cli(['status', 'demo', 'invoice', 'inv-f1']);
      expect(one.code).toBe(0);
      expect(one.stdout).toMatch(/status:\s+failed/);
      expect(one.stdout).toContain('QuickBooks refused the invoice. [qbo_validation]');
      expect(one.stdout).toMatch(/^1\s+\S+\s+failed\s+failed\s+6000\s+no\s+QuickBooks refused the invoice\.$/m);
      expect(one.stdout).toContain('Replay it with: qbo-sync replay demo invoice inv-f1');

      const none = await h.cli(['status', 'demo', 'invoice', 'inv-none']);
      expect(none.code).toBe(1);
      expect(none.stderr).toContain('inv-none');
    });

    it('control characters in ids and reasons reach the terminal escaped, never raw', async () => {
      const hostile = 'Customer \u001b]0;pwned\u0007Jane\u001b[2J\r\u202eevil refused.';
      await seedRecord(h, 'demo', 'inv-\u001b[31mred', 'conflict', { code: 'qbo_duplicate', text: hostile });
      for (const argv of [
        ['status', 'demo'],
        ['status', 'demo', '--json'],
        ['tenants', 'show', 'demo'],
      ]) {
        const run = await h.cli(argv);
        expect(run.code).toBe(0);
        // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting their absence
        expect(run.stdout + run.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e]/);
      }
      const table = (await h.cli(['status', 'demo'])).stdout;
      expect(table).toContain('inv-\\u001B[31mred');
      expect(table).toContain('Customer \\u001B]0;pwned\\u0007Jane\\u001B[2J');
    });

    it('drift accept/push answer a record changed in QuickBooks; cdc-sweep queues a sweep', async () => {
      const record = await ensureRecord(h.db.db, { tenantId: 'demo', entityType: 'invoice', externalId: 'inv-d1' });
      await setStatus(h.db.db, record.id, {
        status: 'drift',
        reasonCode: 'DRIFT_EDITED',
        reason: 'The invoice inv-d1 was changed in QuickBooks: total 370.00 → 420.00.',
        syncToken: '0',
        details: {
          total: '370.00',
          drift: {
            kind: 'edited',
            qboSyncToken: '3',
            seen: { total: '420.00' },
            changes: [],
            noticedAt: '2030-01-01T00:00:00Z',
          },
        },
      });
      const accepted = await h.cli(['drift', 'accept', 'demo', 'invoice', 'inv-d1']);
      expect(accepted).toMatchObject({ code: 0, stdout: "Accepted QuickBooks' version of invoice inv-d1: synced." });
      const again = await h.cli(['drift', 'push', 'demo', 'invoice', 'inv-d1']);
      expect(again.code).toBe(1);
      expect(again.stderr).toContain('not drift');
      const bad = await h.cli(['drift', 'keep', 'demo', 'invoice', 'inv-d1']);
      expect(bad.code).not.toBe(0);
      const sweep = await h.cli(['cdc-sweep', 'demo']);
      expect(sweep.code).toBe(0);
      expect(sweep.stdout).toMatch(
        /^Queued a change-data-capture sweep of demo \(job qbo\.cdc-sweep\|demo\|requested-\d+\)\.$/,
      );
    });

    it('replay queues one record, or every failure in a range', async () => {
      const one = await h.cli(['replay', 'demo', 'invoice', 'inv-f1']);
      expect(one.code).toBe(0);
      expect(one.stdout).toMatch(/^Queued invoice inv-f1 again \(job .+\)\.$/);

      const none = JSON.parse(
        (await h.cli(['replay', 'demo', '--failed', '--to', '2000-01-01', '--note', 'nothing old', '--json'])).stdout,
      ) as ReplayResponse;
      expect(none.replayed).toBe(0);
      const bulk = await h.cli(['replay', 'demo', '--failed', '--from', '1h', '--note', 'after the outage']);
      expect(bulk.code).toBe(0);
      expect(bulk.stdout).toBe('Queued 2 failed records of demo again.');
      const mapping = await h.cli(['replay', 'demo', '--status', 'needs_mapping', '--note', 'mapped the item']);
      expect(mapping.stdout).toBe('Queued 1 needs_mapping record of demo again.');
    });

    it('tenants show counts records by status', async () => {
      const show = await h.cli(['tenants', 'show', 'demo']);
      expect(show.stdout).toContain(`connection: active — company ${DEMO_REALM_ID}`);
      expect(show.stdout).toMatch(/sync records: .*needs_mapping 1/);
      expect(show.stdout).toMatch(/sync records: .*failed 2/);
    });

    it('sync queues the needs_sync records of a tenant (manual sync window)', async () => {
      const res = await h.cli(['sync', 'demo', '--entity-type', 'invoice', '--note', 'month end']);
      expect(res.code).toBe(0);
      expect(res.stdout).toBe('Queued 0 records of demo for syncing.');
    });

    it('demo load sends realistic signed load and reports the counts', async () => {
      const res = await h.cli(['demo', 'load', '--invoices', '12', '--seed', '7', '--run-id', 'rtest', '--json']);
      expect(res.stderr).toBe('');
      expect(res.code).toBe(0);
      const report = JSON.parse(res.stdout) as { total: { events: number; accepted: number; rejected: number } };
      expect(report.total.events).toBeGreaterThanOrEqual(12 + 1);
      expect(report.total).toMatchObject({ accepted: report.total.events, rejected: 0 });
      const again = JSON.parse(
        (
          await h.cli([
            'demo',
            'load',
            '--invoices',
            '12',
            '--seed',
            '7',
            '--run-id',
            'rtest',
            '--json',
            '--skip-setup',
          ])
        ).stdout,
      ) as { total: { events: number; duplicate: number } };
      expect(again.total).toMatchObject({ events: report.total.events, duplicate: report.total.events });
    });
  });
});

describe('admin commands with ADMIN_TOKEN set on the API', () => {
  const token = 'cli-test-admin-token-0123456789';
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('cli_admin_token', { adminToken: token });
  });
  afterAll(async () => {
    await h.close();
  });

  it('without the token the CLI says to set ADMIN_TOKEN; with it the call works', async () => {
    const without = await h.cli(['tenants', 'list']);
    expect(without.code).toBe(1);
    expect(without.stderr).toContain('set ADMIN_TOKEN');
    const wrong = await h.cli(['tenants', 'list'], { env: { ADMIN_TOKEN: 'not-the-token-at-all' } });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('The admin token is wrong');
    const right = await h.cli(['tenants', 'list'], { env: { ADMIN_TOKEN: token } });
    expect(right.code).toBe(0);
  });
});
