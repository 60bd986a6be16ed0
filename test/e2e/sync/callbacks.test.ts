import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { waitFor } from '@qbo-sync/testkit';
import {
  CallbackFailedError,
  DELIVERY_HEADER,
  deliverCallback,
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
    // Delivered once per version: running the same delivery again sends nothing.
    const again = await deliverCallback(
      { db: h.db.db, secrets: h.secrets, now: Date.now, urlPolicy: h.callbackPolicy },
      { tenantId: t.id, syncRecordId: rec.id, statusVersion: rec.statusVersion },
    );
    expect(again).toBe('already-delivered');
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
      expect(
        await deliverCallback(deps, { tenantId: t.id, syncRecordId: rec.id, statusVersion: rec.statusVersion }),
      ).toBe('delivered');
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
      const rec = await h.waitStatus(t.id, 'invoice', 'INV-1', 'needs_sync');
      await expect(
        deliverCallback(
          { db: h.db.db, secrets: h.secrets, now: Date.now, urlPolicy: h.callbackPolicy },
          { tenantId: t.id, syncRecordId: rec.id, statusVersion: rec.statusVersion },
        ),
      ).rejects.toBeInstanceOf(CallbackFailedError);
    } finally {
      await down.close();
    }
  });
});

function expectSigned(hit: CallbackHit, secret: string): void {
  const ts = Number(hit.headers[TIMESTAMP_HEADER]);
  expect(Number.isInteger(ts)).toBe(true);
  expect(hit.headers['content-type']).toBe('application/json');
  expect(verifyCallback(secret, ts, hit.body, String(hit.headers[SIGNATURE_HEADER]))).toBe(true);
}
