import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { waitFor } from '@qbo-sync/testkit';
import {
  CallbackFailedError,
  DELIVERY_HEADER,
  deliverCallbacks,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  verifyCallback,
} from '@qbo-sync/worker';
import {
  type CallbackHit,
  event,
  type Harness,
  invoiceData,
  startCallbackReceiver,
  startControlledEndpoint,
  startHarness,
} from '../../support/harness.js';

describe('signed status callbacks', () => {
  let h: Harness;
  let receiver: Awaited<ReturnType<typeof startCallbackReceiver>>;
  beforeAll(async () => {
    h = await startHarness('callbacks');
    receiver = await startCallbackReceiver();
  });
  afterAll(async () => {
    await receiver.close();
    await h.close();
  });

  const hitsFor = (tenantId: string, externalId: string) =>
    receiver.hits.filter((x) => x.json['tenantId'] === tenantId && x.json['externalId'] === externalId);

  it('a status change whose callback run was lost (a crash before it was arranged) is announced by the sweep', async () => {
    const t = await h.tenant({ callbackUrl: receiver.url });
    await h.publish(event(t.id, 'invoice.sent', invoiceData({ id: 'INV-LOST', number: 'INV-LOST' })));
    const rec = await h.waitStatus(t.id, 'invoice', 'INV-LOST', 'synced');
    await waitFor(() => hitsFor(t.id, 'INV-LOST').find((x) => x.json['statusVersion'] === rec.statusVersion));
    // A status written two minutes ago whose run was never arranged (the process stopped in between).
    await h.db.sql`update sync_records set status_version = status_version + 1, reason = 'changed',
      updated_at = now() - interval '2 minutes' where id = ${rec.id}`;
    // Nothing else would announce it: the harness's periodic sweep (every 250 ms) arranges the tenant's run.
    const hit = await waitFor(() =>
      hitsFor(t.id, 'INV-LOST').find((x) => x.json['statusVersion'] === rec.statusVersion + 1),
    );
    expect(hit.json['reason']).toBe('changed');
    // Announced now: the next pass finds nothing for this tenant.
    await waitFor(async () => (await h.record(t.id, 'invoice', 'INV-LOST'))?.callbackVersion === rec.statusVersion + 1);
    expect((await h.app.runSweeps()).callbacks).toBe(0);
  });

  it('announces each status change once, signed with the tenant secret, with the link when synced', async () => {
    const t = await h.tenant({ callbackUrl: receiver.url });
    const data = invoiceData();
    data.lines = [
      { id: 'L1', itemId: 'ITM-NEW', description: 'Crating', quantity: '1', unitPrice: '370', amount: '370.00' },
    ] as typeof data.lines;
    await h.publish(event(t.id, 'invoice.sent', data));
    const parked = await h.waitStatus(t.id, 'invoice', 'INV-1', 'needs_mapping');
    const first = await waitFor(() => hitsFor(t.id, 'INV-1').find((x) => x.json['status'] === 'needs_mapping'));
    expect(first.json).toMatchObject({
      type: 'sync.status_changed',
      entityType: 'invoice',
      statusVersion: parked.statusVersion,
      reasonCode: 'MISSING_MAPPING',
      qboUrl: null,
    });
    expect(String(first.json['reason'])).toContain("Item 'Crating' (billing id ITM-NEW)");

    await h.map(t.id, 'item', 'ITM-NEW', t.seeded.items.storage);
    const rec = await h.waitStatus(t.id, 'invoice', 'INV-1', 'synced');
    const second = await waitFor(() => hitsFor(t.id, 'INV-1').find((x) => x.json['status'] === 'synced'));
    expect(second.json).toMatchObject({
      statusVersion: rec.statusVersion,
      qboId: rec.qboId,
      qboUrl: rec.qboUrl,
      docNumber: 'INV-1001',
      reason: null,
    });
    expect(second.headers[DELIVERY_HEADER]).toBe(`${rec.id}-${rec.statusVersion}`);
    for (const hit of [first, second]) expectSigned(hit, t.signingSecret);
    expect(
      verifyCallback(
        'not-the-secret',
        Number(second.headers[TIMESTAMP_HEADER]),
        second.body,
        String(second.headers[SIGNATURE_HEADER]),
      ),
    ).toBe(false);

    await waitFor(async () => (await h.record(t.id, 'invoice', 'INV-1'))?.callbackVersion === rec.statusVersion);
    // Delivered once per version: running the tenant's delivery again sends nothing.
    const again = await deliverCallbacks(
      { db: h.db.db, secrets: h.secrets, now: Date.now, urlPolicy: h.callbackPolicy },
      { tenantId: t.id },
    );
    expect(again).toEqual({ result: 'nothing-pending', delivered: 0, more: false });
    expect(hitsFor(t.id, 'INV-1').map((x) => x.json['statusVersion'])).toEqual([
      parked.statusVersion,
      rec.statusVersion,
    ]);
  });

  it('retries a failed delivery with the catalogue backoff, and delivers once the endpoint is back', async () => {
    const down = await startCallbackReceiver(1);
    try {
      const t = await h.tenant({ callbackUrl: down.url });
      await h.publish(event(t.id, 'invoice.sent', invoiceData({ status: 'draft' })));
      const rec = await h.waitStatus(t.id, 'invoice', 'INV-1', 'skipped');
      const job = await waitFor(() =>
        h.producer.queues['callback.deliver'].getJob(`callback.deliver|${t.id}|${rec.id}|${rec.statusVersion}`),
      );
      expect(job.opts).toMatchObject({ attempts: 12, backoff: { type: 'exponential', delay: 10_000 } });
      // The endpoint answered 500 once: the job failed that attempt and waits for its backoff.
      await waitFor(async () => (await job.getState()) === 'delayed' || job.attemptsMade > 0);
      expect(down.hits).toHaveLength(0);
      // The retry (run here directly instead of waiting 10 s) delivers it.
      const deps = { db: h.db.db, secrets: h.secrets, now: Date.now, urlPolicy: h.callbackPolicy };
      expect(await deliverCallbacks(deps, { tenantId: t.id })).toMatchObject({ result: 'delivered', delivered: 1 });
      expect(down.hits).toHaveLength(1);
      expect(down.hits[0]?.json).toMatchObject({ status: 'skipped', reasonCode: 'DRAFT' });
      expectSigned(down.hits[0] as CallbackHit, t.signingSecret);
    } finally {
      await down.close();
    }
  });

  it('reports an endpoint that does not answer 2xx as a failed delivery', async () => {
    const down = await startCallbackReceiver(5);
    try {
      const t = await h.tenant({ callbackUrl: down.url, autoSync: false });
      await h.publish(event(t.id, 'invoice.sent', invoiceData()));
      await h.waitStatus(t.id, 'invoice', 'INV-1', 'needs_sync');
      await expect(
        deliverCallbacks(
          { db: h.db.db, secrets: h.secrets, now: Date.now, urlPolicy: h.callbackPolicy },
          { tenantId: t.id },
        ),
      ).rejects.toBeInstanceOf(CallbackFailedError);
    } finally {
      await down.close();
    }
  });
});

describe('callbacks coalesced per tenant', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('callbacks-coalesced');
  });
  afterAll(async () => {
    await h.close();
  });

  const deps = () => ({ db: h.db.db, secrets: h.secrets, now: Date.now, urlPolicy: h.callbackPolicy });
  const draft = (id: string) => invoiceData({ id, number: id, status: 'draft' });

  it('a change written while the tenant run is sending (after its read) is delivered by a follow-up run; five changes take one run', async () => {
    const endpoint = await startControlledEndpoint();
    try {
      endpoint.holding = true;
      const t = await h.tenant({ callbackUrl: endpoint.url });
      await h.publish(event(t.id, 'invoice.sent', draft('INV-1')));
      const first = await h.waitStatus(t.id, 'invoice', 'INV-1', 'skipped');
      // The tenant's run has read its pending versions and is sending INV-1: the endpoint holds the POST.
      await waitFor(() => endpoint.held.length === 1, { what: 'the first POST to be held' });
      const queue = h.producer.queues['callback.deliver'];
      const running = await queue.getJob(`callback.deliver|${t.id}|${first.id}|${first.statusVersion}`);
      expect(await running?.getState()).toBe('active');
      // Five more changes, each written after that read: their jobs are de-duplicated against the active run.
      const later = ['INV-2', 'INV-3', 'INV-4', 'INV-5', 'INV-6'];
      for (const id of later) await h.publish(event(t.id, 'invoice.sent', draft(id)));
      for (const id of later) await h.waitStatus(t.id, 'invoice', id, 'skipped');
      expect(await running?.getState()).toBe('active');
      expect(endpoint.hits.map((x) => x.json['externalId'])).toEqual([]);
      endpoint.release();
      await waitFor(
        async () => {
          for (const id of ['INV-1', ...later]) {
            const r = await h.record(t.id, 'invoice', id);
            if (!r || r.callbackVersion < r.statusVersion) return false;
          }
          return true;
        },
        { what: 'every version delivered' },
      );
      // Each record's version once, and the five changes made during the run cost one more run, not five.
      expect(endpoint.hits.map((x) => x.json['externalId']).sort()).toEqual(['INV-1', ...later]);
      const runs = await waitFor(async () => {
        const jobs = await queue.getJobs(['completed', 'active', 'wait', 'prioritized', 'delayed', 'failed']);
        const mine = jobs.filter((j) => (j.data as { tenantId?: string }).tenantId === t.id);
        return mine.every((j) => j.finishedOn !== undefined) ? mine : undefined;
      });
      expect(runs).toHaveLength(2);
    } finally {
      await endpoint.close();
    }
  });

  it('a failed POST stops the run; its retry sends only what was not delivered; runs are bounded batches, oldest first', async () => {
    const endpoint = await startControlledEndpoint();
    try {
      // Three changes while the tenant had no callback URL: no job, nothing arranged.
      const t = await h.tenant();
      for (const id of ['INV-1', 'INV-2', 'INV-3']) {
        await h.publish(event(t.id, 'invoice.sent', draft(id)));
        await h.waitStatus(t.id, 'invoice', id, 'skipped');
      }
      const queue = h.producer.queues['callback.deliver'];
      const jobs = await queue.getJobs(['completed', 'active', 'wait', 'prioritized', 'delayed', 'failed']);
      expect(jobs.filter((j) => (j.data as { tenantId?: string }).tenantId === t.id)).toHaveLength(0);
      // The URL set behind the API's back (the API would start announcing from now): three versions pending.
      await h.db.sql`update tenants set settings = settings || ${JSON.stringify({ callbackUrl: endpoint.url })}::jsonb
        where id = ${t.id}`;
      endpoint.failRequests.add(2);
      await expect(deliverCallbacks(deps(), { tenantId: t.id })).rejects.toBeInstanceOf(CallbackFailedError);
      expect(endpoint.hits.map((x) => x.json['externalId'])).toEqual(['INV-1']);
      const one = await h.record(t.id, 'invoice', 'INV-1');
      expect(one?.callbackVersion).toBe(one?.statusVersion);
      expect((await h.record(t.id, 'invoice', 'INV-2'))?.callbackVersion).toBe(0);
      // The retry: INV-1 is not sent again. A batch of 1 says more may be pending.
      expect(await deliverCallbacks(deps(), { tenantId: t.id }, 1)).toEqual({
        result: 'delivered',
        delivered: 1,
        more: true,
      });
      expect(await deliverCallbacks(deps(), { tenantId: t.id }, 2)).toEqual({
        result: 'delivered',
        delivered: 1,
        more: false,
      });
      expect(await deliverCallbacks(deps(), { tenantId: t.id })).toMatchObject({ result: 'nothing-pending' });
      expect(endpoint.hits.map((x) => x.json['externalId'])).toEqual(['INV-1', 'INV-2', 'INV-3']);
      for (const hit of endpoint.hits) expectSigned(hit, t.signingSecret);
    } finally {
      await endpoint.close();
    }
  });

  /** A tenant with one status version not yet announced, and `url` set behind the API's back (no run arranged). */
  const tenantWithPendingCallback = async (invoiceId: string, url: string) => {
    const t = await h.tenant();
    await h.publish(event(t.id, 'invoice.sent', draft(invoiceId)));
    await h.waitStatus(t.id, 'invoice', invoiceId, 'skipped');
    await h.db.sql`update tenants set settings = settings || ${JSON.stringify({ callbackUrl: url })}::jsonb
      where id = ${t.id}`;
    return t;
  };

  it('a receiver answering 200 with an endless body: delivered on its status, connection dropped, body not read', async () => {
    // The body stops at 64 MiB (kept open) so that reading it all cannot exhaust this machine's memory.
    const receiver = await startHostileReceiver((res, sent) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const chunk = Buffer.alloc(64 * 1024, 120);
      const pump = () => {
        while (sent.bytes < 64 * 1024 * 1024 && !res.destroyed) {
          sent.bytes += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
      };
      pump();
    });
    try {
      const t = await tenantWithPendingCallback('INV-BIG', receiver.url);
      const run = await deliverCallbacks({ ...deps(), timeoutMs: 3_000 }, { tenantId: t.id });
      expect(run).toMatchObject({ result: 'delivered', delivered: 1 });
      // The worker hung up: the receiver's response was closed under it, long before its 64 MiB.
      await waitFor(() => receiver.closedEarly === 1);
      expect(receiver.requests).toBe(1);
    } finally {
      await receiver.close();
    }
  });

  it('a receiver that trickles its answer never holds a delivery past its timeout', async () => {
    // One header byte every 100 ms: the answer is never complete.
    const receiver = await startHostileReceiver((res) => {
      const socket = res.socket;
      if (!socket) return;
      const line = Buffer.from(`HTTP/1.1 200 OK\r\nx-slow: ${'a'.repeat(10_000)}`);
      let i = 0;
      const timer = setInterval(() => {
        if (socket.destroyed || i >= line.length) return clearInterval(timer);
        socket.write(line.subarray(i, ++i));
      }, 100);
      socket.once('close', () => clearInterval(timer));
    });
    try {
      const t = await tenantWithPendingCallback('INV-SLOW', receiver.url);
      const started = Date.now();
      await expect(deliverCallbacks({ ...deps(), timeoutMs: 1_000 }, { tenantId: t.id })).rejects.toBeInstanceOf(
        CallbackFailedError,
      );
      // Bounded by the timeout (1 s), with generous room for a loaded machine; the trickle would go on for 1,000 s.
      expect(Date.now() - started).toBeLessThan(30_000);
    } finally {
      await receiver.close();
    }
  });

  it('a tenant without a callback URL: nothing to send', async () => {
    const t = await h.tenant();
    await h.publish(event(t.id, 'invoice.sent', draft('INV-1')));
    await h.waitStatus(t.id, 'invoice', 'INV-1', 'skipped');
    expect(await deliverCallbacks(deps(), { tenantId: t.id })).toMatchObject({ result: 'no-callback-url' });
    expect(await deliverCallbacks(deps(), { tenantId: 'no-such-tenant' })).toMatchObject({ result: 'gone' });
  });
});

/** A receiver whose answer `respond` writes; counts requests and responses the client closed before their end. */
async function startHostileReceiver(respond: (res: ServerResponse, sent: { bytes: number }) => void) {
  const state = { requests: 0, closedEarly: 0 };
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      state.requests += 1;
      res.on('close', () => {
        if (!res.writableFinished) state.closedEarly += 1;
      });
      respond(res, { bytes: 0 });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/qbo-sync`,
    get requests() {
      return state.requests;
    },
    get closedEarly() {
      return state.closedEarly;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

function expectSigned(hit: CallbackHit, secret: string): void {
  const ts = Number(hit.headers[TIMESTAMP_HEADER]);
  expect(Number.isInteger(ts)).toBe(true);
  expect(hit.headers['content-type']).toBe('application/json');
  expect(verifyCallback(secret, ts, hit.body, String(hit.headers[SIGNATURE_HEADER]))).toBe(true);
}
