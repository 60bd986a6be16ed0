// A tenant's callback URL is a request our worker makes from inside the network. These are the attacks a
// reviewer ran: metadata, loopback admin routes, DNS that points a public-looking name at this machine,
// redirects; and the one that worked: a callback pointed at our own admin API rotating another tenant's key.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { findTenantByApiKey } from '@qbo-sync/db/repositories/tenants';
import { CallbackUrlRefusedError, STRICT_CALLBACK_POLICY } from '@qbo-sync/security';
import { waitFor } from '@qbo-sync/testkit';
import { type CallbackDeps, CallbackFailedError, deliverCallbacks } from '@qbo-sync/worker';
import { event, type Harness, invoiceData, startCallbackReceiver, startHarness } from '../../support/harness.js';

describe('callback URL policy (SSRF)', () => {
  let h: Harness;
  let receiver: Awaited<ReturnType<typeof startCallbackReceiver>>;
  beforeAll(async () => {
    h = await startHarness('callback-ssrf');
    receiver = await startCallbackReceiver();
  });
  afterAll(async () => {
    await receiver.close();
    await h.close();
  });

  /** A tenant whose draft invoice has a status version to announce at `callbackUrl` (set behind the API's back). */
  async function recordWithCallback(callbackUrl: string) {
    const t = await h.tenant({ callbackUrl });
    await h.publish(event(t.id, 'invoice.sent', invoiceData({ status: 'draft' })));
    const rec = await h.waitStatus(t.id, 'invoice', 'INV-1', 'skipped');
    // The harness worker's own run refuses or fails each of these URLs, so the version stays pending.
    expect(rec.statusVersion).toBeGreaterThan(0);
    return { t, payload: { tenantId: t.id } };
  }

  const deps = (extra: Partial<CallbackDeps> = {}): CallbackDeps => ({
    db: h.db.db,
    secrets: h.secrets,
    now: Date.now,
    ...extra,
  });

  it('refuses loopback, metadata and non-http targets at send time, sending nothing', async () => {
    const hitsBefore = receiver.hits.length;
    for (const url of [
      `http://127.0.0.1:9/hooks`,
      'http://169.254.169.254/latest/meta-data/iam/',
      'https://[::ffff:127.0.0.1]/hooks',
      'file:///etc/passwd',
      'gopher://127.0.0.1:6379/_FLUSHALL',
    ]) {
      const { payload } = await recordWithCallback(url);
      await expect(deliverCallbacks(deps(), payload)).rejects.toBeInstanceOf(CallbackUrlRefusedError);
    }
    expect(receiver.hits.length).toBe(hitsBefore);
  });

  it('checks the resolved address: a public-looking name resolving to this machine is refused', async () => {
    const port = new URL(receiver.url).port;
    const { payload } = await recordWithCallback(`https://billing.example:${port}/hooks/qbo-sync`);
    const rebinding = deps({ resolve: async () => [{ address: '127.0.0.1', family: 4 }] });
    await expect(deliverCallbacks(rebinding, payload)).rejects.toThrow(/billing\.example resolves to 127\.0\.0\.1/);
  });

  it('does not follow redirects, even from an allowed host', async () => {
    const redirector: Server = createServer((_req, res) =>
      res.writeHead(307, { location: 'http://169.254.169.254/latest/meta-data/' }).end(),
    );
    await new Promise<void>((r) => redirector.listen(0, '127.0.0.1', () => r()));
    try {
      const { port } = redirector.address() as AddressInfo;
      const { payload } = await recordWithCallback(`http://127.0.0.1:${port}/hooks`);
      const err = await deliverCallbacks(deps({ urlPolicy: h.callbackPolicy }), payload).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CallbackFailedError);
      expect((err as CallbackFailedError).status).toBe(307);
    } finally {
      await new Promise<void>((r) => redirector.close(() => r()));
    }
  });

  it("a callback aimed at our own admin API cannot rotate another tenant's key, even when loopback is allowed", async () => {
    const victim = await h.tenant();
    const rotate = `${h.apiUrl}/admin/tenants/${victim.id}/rotate-key`;
    // The harness worker allows 127.0.0.1 (any port), so it delivers this one for real too.
    const { payload } = await recordWithCallback(rotate);
    // Default policy: loopback is refused outright.
    await expect(deliverCallbacks(deps({ urlPolicy: STRICT_CALLBACK_POLICY }), payload)).rejects.toBeInstanceOf(
      CallbackUrlRefusedError,
    );
    // A development allow-list that covers the API's port: the admin API itself refuses the callback request.
    const loose = deps({ urlPolicy: { allowedHosts: [new URL(h.apiUrl).host] } });
    const err = await deliverCallbacks(loose, payload).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CallbackFailedError);
    expect((err as CallbackFailedError).status).toBe(403);
    expect((await findTenantByApiKey(h.db.db, victim.apiKey))?.id).toBe(victim.id);
  });

  it('a worker job with a refused URL fails once with the reason, without retries', async () => {
    const t = await h.tenant({ callbackUrl: 'https://169.254.169.254/latest/meta-data/' });
    await h.publish(event(t.id, 'invoice.sent', invoiceData({ status: 'draft' })));
    const rec = await h.waitStatus(t.id, 'invoice', 'INV-1', 'skipped');
    const job = await waitFor(() =>
      h.producer.queues['callback.deliver'].getJob(`callback.deliver|${t.id}|${rec.id}|${rec.statusVersion}`),
    );
    await waitFor(async () => (await job.getState()) === 'failed');
    const failed = await h.producer.queues['callback.deliver'].getJob(job.id ?? '');
    expect(failed?.attemptsMade).toBe(1);
    expect(failed?.failedReason).toContain('169.254.169.254 is a link-local (cloud metadata) address');
  });
});
