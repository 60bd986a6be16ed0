import { rm, stat } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { MappingListResponse, TenantDetailResponse, TenantListResponse } from '@qbo-sync/contracts';
import { CredentialStore } from '../src/credentials.js';
import { DEMO_REALM_ID } from '../src/demo/setup.js';
import { EXAMPLES_DIR, type Harness, startHarness } from './harness.js';

describe('demo setup', () => {
  let h: Harness;
  let first: { code: number; stdout: string; stderr: string };
  beforeAll(async () => {
    h = await startHarness('cli_demo');
    first = await h.cli(['demo', 'setup']);
  });
  afterAll(async () => {
    await h.close();
  });

  const json = async <T>(argv: string[]): Promise<T> => {
    const res = await h.cli([...argv, '--json']);
    expect({ argv, code: res.code, stderr: res.stderr }).toEqual({ argv, code: 0, stderr: '' });
    return JSON.parse(res.stdout) as T;
  };

  it('creates the tenant, connects it through the OAuth flow, maps the demo keys and prints the credentials', async () => {
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const saved = await new CredentialStore(h.credentialsFile).get(h.apiUrl, 'demo');
    expect(saved).toBeDefined();
    expect(first.stdout).toContain('Demo tenant "demo" created.');
    expect(first.stdout).toContain(`connected to sandbox company ${DEMO_REALM_ID}`);
    expect(first.stdout).toContain('mappings:       12 (12 set now)');
    const salesTax = h.sandbox.entities(DEMO_REALM_ID, 'Item').find((i) => i['Name'] === 'Sales Tax');
    expect(first.stdout).toContain(`created in QBO: item Sales Tax (${String(salesTax?.['Id'])})`);
    expect(first.stdout).toContain(`api key:        ${saved?.apiKey}`);
    expect(first.stdout).toContain(`signing secret: ${saved?.signingSecret}`);
    expect(first.stdout).toContain(
      `qbo-sync send demo ${relative(process.cwd(), join(EXAMPLES_DIR, 'invoice-sent.json'))}`,
    );

    const detail = await json<TenantDetailResponse>(['tenants', 'show', 'demo']);
    expect(detail.connection).toMatchObject({ status: 'active', realmId: DEMO_REALM_ID });
    // The grant came from the sandbox's authorization-code flow, not an admin shortcut.
    expect(h.sandbox.stats(DEMO_REALM_ID).requests).toBeGreaterThan(0);

    const { mappings } = await json<MappingListResponse>(['mappings', 'list', 'demo']);
    const s = h.demoSeeded;
    const got = Object.fromEntries(mappings.map((m) => [`${m.kind}:${m.key}`, m.qboId]));
    expect(got).toEqual({
      'item:moving-labor': s.items.movingLabor,
      'item:packing-materials': s.items.packingMaterials,
      'item:storage': s.items.storage,
      'item:consultation': s.items.consultation,
      'payment_method:card': s.paymentMethods.creditCard,
      'payment_method:check': s.paymentMethods.check,
      'payment_method:cash': s.paymentMethods.cash,
      'payment_method:ach': s.paymentMethods.ach,
      'deposit_account:USD': s.accounts.undepositedFunds,
      'account:accounts_receivable': s.accounts.accountsReceivable,
      'account:refund_bank': s.accounts.checking,
      'item:sales_tax': String(
        h.sandbox.entities(DEMO_REALM_ID, 'Item').find((i) => i['Name'] === 'Sales Tax')?.['Id'],
      ),
    });
  });

  it('keeps the credentials file private: mode 0600 in a 0700 directory', async () => {
    expect((await stat(h.credentialsFile)).mode & 0o777).toBe(0o600);
    expect((await stat(dirname(h.credentialsFile))).mode & 0o777).toBe(0o700);
  });

  it('is idempotent: a second run reuses the tenant, credentials, connection and mappings', async () => {
    const before = await new CredentialStore(h.credentialsFile).get(h.apiUrl, 'demo');
    const second = await h.cli(['demo', 'setup']);
    expect(second.stderr).toBe('');
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('Demo tenant "demo" exists (saved credentials reused).');
    expect(second.stdout).toContain(`already connected to sandbox company ${DEMO_REALM_ID}`);
    expect(second.stdout).toContain('mappings:       12 (all in place)');
    expect(second.stdout).not.toContain('created in QBO');
    expect(h.sandbox.entities(DEMO_REALM_ID, 'Item').filter((i) => i['Name'] === 'Sales Tax')).toHaveLength(1);
    expect(await new CredentialStore(h.credentialsFile).get(h.apiUrl, 'demo')).toEqual(before);

    const { tenants } = await json<TenantListResponse>(['tenants', 'list']);
    expect(tenants.map((t) => t.id)).toEqual(['demo']);
    expect(tenants[0]?.connection).toEqual({ status: 'active', realmId: DEMO_REALM_ID });
    const { mappings } = await json<MappingListResponse>(['mappings', 'list', 'demo']);
    expect(mappings).toHaveLength(12);
  });

  it('the printed command works: the example invoice is accepted with the saved credentials', async () => {
    const res = await h.cli(['send', 'demo', join(EXAMPLES_DIR, 'invoice-sent.json')]);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^accepted\s+evt-0001/);
  });

  it('reconnects when the stored grant no longer works (the sandbox forgot its tokens)', async () => {
    await fetch(`${h.sandbox.url}/__sandbox/expire-refresh-tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    await fetch(`${h.sandbox.url}/__sandbox/expire-access-tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    const res = await h.cli(['demo', 'setup']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toContain(`QuickBooks:     connected to sandbox company ${DEMO_REALM_ID}`);
    expect(res.stdout).toContain('mappings:       12 (all in place)');
    const detail = await json<TenantDetailResponse>(['tenants', 'show', 'demo']);
    expect(detail.connection.status).toBe('active');
  });

  it('a stale saved key is replaced by a rotated one, keeping the saved signing secret', async () => {
    const before = await new CredentialStore(h.credentialsFile).get(h.apiUrl, 'demo');
    const rotated = await h.cli(['tenants', 'rotate-key', 'demo']); // not saved: the saved key is now stale
    expect(rotated.code).toBe(0);
    const res = await h.cli(['demo', 'setup']);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('Demo tenant "demo" exists (new API key issued and saved).');
    const after = await new CredentialStore(h.credentialsFile).get(h.apiUrl, 'demo');
    expect(after?.apiKey).not.toBe(before?.apiKey);
    expect(after?.signingSecret).toBe(before?.signingSecret);
    const send = await h.cli(['send', 'demo', join(EXAMPLES_DIR, 'customer-updated.json')]);
    expect(send.code).toBe(0);
  });

  it('lost credentials are recovered: a new key and a new signing secret are issued and saved', async () => {
    const before = await new CredentialStore(h.credentialsFile).get(h.apiUrl, 'demo');
    await rm(h.credentialsFile, { force: true });
    const res = await h.cli(['demo', 'setup']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const after = await new CredentialStore(h.credentialsFile).get(h.apiUrl, 'demo');
    expect(after?.apiKey).not.toBe(before?.apiKey);
    expect(after?.signingSecret).toMatch(/^whsec_/);
    expect(after?.signingSecret).not.toBe(before?.signingSecret);
    const send = await h.cli(['send', 'demo', join(EXAMPLES_DIR, 'customer-updated.json'), '--new-id']);
    expect(send.code).toBe(0);
  });

  it('--reset deletes the demo tenant and sets it up anew (what npm start does with a fresh sandbox)', async () => {
    const before = await new CredentialStore(h.credentialsFile).get(h.apiUrl, 'demo');
    const res = await h.cli(['demo', 'setup', '--reset']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('Demo tenant "demo" created.');
    const after = await new CredentialStore(h.credentialsFile).get(h.apiUrl, 'demo');
    expect(after?.apiKey).not.toBe(before?.apiKey);
    const detail = await json<TenantDetailResponse>(['tenants', 'show', 'demo']);
    expect(detail.connection.status).toBe('active');
    expect(Object.values(detail.counts).reduce((a, b) => a + b, 0)).toBe(0);
  });

  it('tenants delete needs --yes, then deletes the tenant and its saved credentials', async () => {
    await h.cli(['tenants', 'create', 'doomed', '--name', 'Doomed', '--save']);
    const refused = await h.cli(['tenants', 'delete', 'doomed']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--yes');
    const res = await h.cli(['tenants', 'delete', 'doomed', '--yes']);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('Deleted tenant doomed');
    expect(await new CredentialStore(h.credentialsFile).get(h.apiUrl, 'doomed')).toBeUndefined();
    expect((await h.cli(['tenants', 'show', 'doomed'])).code).toBe(1);
  });

  it('a sandbox without the demo company gets a message saying how to start it', async () => {
    const res = await h.cli(['demo', 'setup', '--tenant', 'demo-other', '--realm', '9130359999999999']);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('The sandbox has no company 9130359999999999');
    expect(res.stderr).toContain('SANDBOX_SEED_DEMO=1');
  });

  it('--realm new connects a further tenant to a fresh seeded company, and keeps it on a second run', async () => {
    const res = await h.cli(['demo', 'setup', '--tenant', 'demo-2', '--realm', 'new', '--json']);
    expect(res.stderr).toBe('');
    const result = JSON.parse(res.stdout) as { realmId: string; connection: string; mappingsChanged: number };
    expect(result.realmId).not.toBe(DEMO_REALM_ID);
    expect(result).toMatchObject({ connection: 'connected', mappingsChanged: 12 });
    const again = JSON.parse((await h.cli(['demo', 'setup', '--tenant', 'demo-2', '--realm', 'new', '--json'])).stdout);
    expect(again).toMatchObject({ realmId: result.realmId, connection: 'already', mappingsChanged: 0 });
  });
});
