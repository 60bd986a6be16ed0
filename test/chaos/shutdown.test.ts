// A worker asked to stop (SIGTERM) while a job waits for a lock stops within its shutdown grace: the wait is
// aborted, the job is handed back to the queue (no attempt spent) and another worker finishes it.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { waitFor } from '@qbo-sync/testkit';
import { customer, event, invoiceData } from '../support/harness.js';
import { type Chaos, startChaos } from './support/setup.js';

/** Well under the 15 s a job waits for a customer another job is creating, and under any orchestrator's grace. */
const SHUTDOWN_GRACE_MS = 5_000;

describe('chaos: SIGTERM while a job waits for a lock', () => {
  let c: Chaos;
  beforeAll(async () => {
    c = await startChaos('chaos_sigterm');
  }, 30_000);
  afterEach(async () => {
    await c?.fleet.killAll();
  });
  afterAll(async () => {
    await c?.close();
  });

  it('exits within the grace, and the job it handed back syncs on another worker', async () => {
    const { h, tenant: t } = c;
    // Another process is creating customer C-SIG (it holds the customer's lock, renewing it).
    const base = h.prefix.replace(/^\{|\}$/g, '');
    const customerLock = `{${base}:t:${t.id}}:lock:customer:C-SIG`;
    await h.redis.set(customerLock, 'other-token customer.sync:elsewhere', 'PX', 60_000);

    const first = c.fleet.start();
    await first.ready();
    await h.publish(
      event(t.id, 'invoice.sent', invoiceData({ id: 'INV-SIG', number: 'SIG-1', customer: customer('C-SIG') })),
    );
    // The invoice job is active, waiting (up to 15 s) for the customer's lock.
    await waitFor(async () => (await h.producer.queues['invoice.sync'].getActiveCount()) === 1, {
      timeoutMs: 15_000,
      intervalMs: 20,
      what: 'the invoice job to be waiting for the customer lock',
    });
    await new Promise((r) => setTimeout(r, 300));

    // SIGTERM, as an orchestrator stops a container: the graceful shutdown must end well within the grace.
    process.kill(first.pid, 'SIGTERM');
    await waitFor(() => first.exited, {
      timeoutMs: SHUTDOWN_GRACE_MS,
      intervalMs: 20,
      what: 'the worker to exit',
    }).catch((err: unknown) => {
      throw new Error(`${err instanceof Error ? err.message : String(err)}\n${first.tail()}`);
    });
    // It stopped gracefully (app closed), not by a crash.
    expect(first.tail(400)).toContain('"worker stopped"');

    // Handed back, not failed: another worker syncs it once the customer is free, with no attempt spent.
    await h.redis.del(customerLock);
    const second = c.fleet.start();
    await second.ready();
    const rec = await h.waitStatus(t.id, 'invoice', 'INV-SIG', 'synced', 30_000);
    expect((await h.attempts(rec.id)).map((a) => a.outcome)).toEqual(['synced']);
    expect(await h.entities(t.realmId, 'Invoice')).toHaveLength(1);
  }, 60_000);
});
