import type { LookupAddress } from 'node:dns';
import { describe, expect, it } from '@jest/globals';
import { forbiddenAddressReason } from './addresses.js';
import { type CallbackUrlPolicy, checkCallbackUrl, guardedLookup, STRICT_CALLBACK_POLICY } from './callback-url.js';

const reasonOf = (url: string, policy: CallbackUrlPolicy = STRICT_CALLBACK_POLICY) => {
  const r = checkCallbackUrl(url, policy);
  return r.ok ? undefined : r.reason;
};

describe('checkCallbackUrl', () => {
  it.each([
    ['http://169.254.169.254/latest/meta-data/', /http/],
    ['https://169.254.169.254/latest/meta-data/', /link-local/],
    ['https://[fd00:ec2::254]/latest', /unique local/],
    ['https://127.0.0.1:3000/admin/tenants/acme/rotate-key', /loopback/],
    ['https://2130706433/admin', /loopback/],
    ['https://0x7f.0.0.1/admin', /loopback/],
    ['https://[::1]:3000/admin', /loopback/],
    ['https://[::ffff:127.0.0.1]/admin', /IPv4-mapped/],
    ['https://[::ffff:a9fe:a9fe]/', /IPv4-mapped/],
    // IPv4-compatible (::/96) and IPv4-translated (::ffff:0:0:0/96) forms reach IPv4 on some stacks.
    ['https://[::127.0.0.1]/', /IPv4-compatible/],
    ['https://[::a9fe:a9fe]/', /IPv4-compatible/],
    ['https://[::ffff:0:7f00:1]/', /IPv4-translated/],
    ['https://[::ffff:0:a9fe:a9fe]/', /IPv4-translated/],
    // Outside global unicast (2000::/3): never a public endpoint.
    ['https://[4000::1]/', /not a global unicast/],
    ['https://[1::1]/', /not a global unicast/],
    ['https://10.1.2.3/', /private/],
    ['https://192.168.1.1/', /private/],
    ['https://172.20.0.5/', /private/],
    ['https://100.100.100.200/', /carrier-grade/],
    ['https://0.0.0.0/', /this network/],
    ['https://[fe80::1]/', /link-local/],
    ['https://localhost:3000/admin', /names this machine/],
    ['https://api.localhost/admin', /names this machine/],
    ['file:///etc/passwd', /file:/],
    ['gopher://127.0.0.1:6379/_FLUSHALL', /gopher:/],
    ['https://user:pw@billing.example/hook', /user name or password/],
    ['not a url', /absolute URL/],
  ])('refuses %s', (url, reason) => {
    expect(reasonOf(url)).toMatch(reason);
  });

  it('accepts public https endpoints', () => {
    expect(reasonOf('https://billing.example/qbo-callbacks')).toBeUndefined();
    expect(reasonOf('https://93.184.215.14:8443/hooks')).toBeUndefined();
    expect(reasonOf('https://[2606:4700::1111]/hooks')).toBeUndefined();
  });

  it('lets allow-listed development hosts use http and loopback, on the listed port only', () => {
    const dev: CallbackUrlPolicy = { allowedHosts: ['127.0.0.1:4500', 'receiver.test'] };
    expect(checkCallbackUrl('http://127.0.0.1:4500/hooks', dev)).toMatchObject({ ok: true, allowListed: true });
    expect(reasonOf('http://127.0.0.1:3000/admin/tenants', dev)).toMatch(/http/);
    expect(reasonOf('https://127.0.0.1:3000/admin/tenants', dev)).toMatch(/loopback/);
    expect(checkCallbackUrl('http://receiver.test:9999/x', dev)).toMatchObject({ ok: true, allowListed: true });
    expect(reasonOf('gopher://127.0.0.1:4500/', dev)).toMatch(/gopher:/);
  });
});

describe('forbiddenAddressReason', () => {
  it('passes public addresses and names the range of the others', () => {
    expect(forbiddenAddressReason('8.8.8.8')).toBeUndefined();
    expect(forbiddenAddressReason('2001:4860:4860::8888')).toBeUndefined();
    expect(forbiddenAddressReason('169.254.169.254')).toBe('169.254.169.254 is a link-local (cloud metadata) address');
    expect(forbiddenAddressReason('::ffff:10.0.0.1')).toMatch(/IPv4-mapped/);
    expect(forbiddenAddressReason('fc00::1')).toMatch(/unique local/);
  });
});

describe('guardedLookup: the address checked is the address connected to', () => {
  const dns: Record<string, LookupAddress[]> = {
    'public.example': [{ address: '93.184.215.14', family: 4 }],
    'rebind.example': [{ address: '127.0.0.1', family: 4 }],
    'mixed.example': [
      { address: '93.184.215.14', family: 4 },
      { address: '169.254.169.254', family: 4 },
    ],
    'v6.example': [{ address: 'fd00:ec2::254', family: 6 }],
  };
  const lookup = guardedLookup(async (host) => dns[host] ?? []);
  const run = (host: string, options: { all?: boolean; family?: number } = {}) =>
    new Promise<{ err: NodeJS.ErrnoException | null; address: unknown; family?: number | undefined }>((resolve) =>
      lookup(host, options, (err, address, family) => resolve({ err, address, family })),
    );

  it('hands public addresses through, one or all', async () => {
    expect(await run('public.example')).toEqual({ err: null, address: '93.184.215.14', family: 4 });
    expect(await run('public.example', { all: true })).toEqual({ err: null, address: dns['public.example'] });
  });

  it('refuses a name that resolves to a forbidden address, even among public ones', async () => {
    for (const host of ['rebind.example', 'mixed.example', 'v6.example']) {
      const { err } = await run(host, { all: true });
      expect(err).toMatchObject({ code: 'CALLBACK_URL_REFUSED' });
      expect(err?.message).toContain(host);
    }
  });

  it('answers ENOTFOUND when no address of the asked family exists', async () => {
    expect((await run('public.example', { family: 6 })).err).toMatchObject({ code: 'ENOTFOUND' });
  });
});
