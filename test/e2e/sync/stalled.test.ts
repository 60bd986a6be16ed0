import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { waitFor } from '@qbo-sync/testkit';
import { STALLED_REASON, WORKER_CRASHED } from '@qbo-sync/worker';
import { UnrecoverableError, Worker } from 'bullmq';
import { event, type Harness, invoiceData, startHarness } from '../../support/harness.js';

// BullMQ fails a job caught by too many crashes inside Redis (no event, our processor never runs). Here a bare
// BullMQ worker puts a job in exactly that state; the sweep must surface it instead of leaving it `pending`.
describe('a job failed for stalling too often', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('stalled', { startWorker: false });
  });
  afterAll(async () => {
    await h.close();
  });

  it('is recorded as failed with a reason support can act on, and a replay syncs it once', async () => {
    const t = await h.tenant();
    const e = event(t.id, 'invoice.sent', invoiceData());
    await h.publish(e);
    const connection = h.redis.duplicate();
    const crashing = new Worker(
      'invoice.sync',
      async () => {
        throw new UnrecoverableError(STALLED_REASON);
      },
      { connection, prefix: h.prefix },
    );
    await waitFor(async () => (await h.producer.queues['invoice.sync'].getJobCounts('failed')).failed === 1, {
      what: 'the job to be failed as stalled',
    });
    await crashing.close();
    await connection.quit();

    const sweep = await h.app.runSweeps();
    expect(sweep.stalledOut).toBe(1);
    const rec = await h.record(t.id, 'invoice', 'INV-1');
    expect(rec?.status).toBe('failed');
    expect(rec?.reasonCode).toBe(WORKER_CRASHED);
    expect(rec?.reason).toContain('Replay it');
    expect((await h.producer.queues['invoice.sync'].getJobCounts('failed')).failed).toBe(0);
    expect((await h.app.runSweeps()).stalledOut).toBe(0);

    h.app.start();
    expect(await h.app.resumeParked(t.id, { status: 'failed' })).toBe(1);
    const synced = await h.waitStatus(t.id, 'invoice', 'INV-1', 'synced');
    const invoices = await h.entities(t.realmId, 'Invoice');
    expect(invoices.map((i) => i['Id'])).toEqual([synced.qboId]);
  });
});
