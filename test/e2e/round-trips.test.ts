// Round trips per sync, counted (never timed): what one steady invoice sync costs in PostgreSQL statements,
// Redis commands and QBO requests, so the figures in docs/benchmarks.md cannot silently regress.
// The worker and its QBO client run on counting clients; ingest (API) and the test's own reads do not count.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { JOB_NAMES } from '@qbo-sync/contracts';
import { waitFor } from '@qbo-sync/testkit';
import {
  customer,
  event,
  type Harness,
  invoiceData,
  startCallbackReceiver,
  startControlledEndpoint,
  startHarness,
} from '../support/harness.js';
import type { RoundTrips } from '../support/round-trips.js';

describe('round trips per sync', () => {
  let h: Harness;
  let receiver: Awaited<ReturnType<typeof startCallbackReceiver>>;
  beforeAll(async () => {
    // No periodic sweeps and no lock-renewal/stalled-check timers inside the measured windows.
    h = await startHarness('roundtrips', {
      countRoundTrips: true,
      sweepIntervalMs: 3_600_000,
      env: { WORKER_LOCK_DURATION_MS: '600000' },
    });
    receiver = await startCallbackReceiver();
  });
  afterAll(async () => {
    await receiver.close();
    await h.close();
  });

  const counters = () => {
    if (!h.roundTrips) throw new Error('harness started without countRoundTrips');
    return h.roundTrips;
  };
  const qboRequests = async (realmId: string) =>
    ((await h.admin(`/realms/${realmId}/stats`)) as { requests: number }).requests;

  /** Counts stop moving: the last job's completion (and whatever it triggered) has been written. */
  async function settled(): Promise<RoundTrips> {
    let last = -1;
    let stable = 0;
    return waitFor(
      () => {
        const s = counters().snapshot();
        const total = s.pg + s.redis;
        stable = total === last ? stable + 1 : 0;
        last = total;
        return stable >= 4 ? s : undefined;
      },
      { what: 'round-trip counts to settle', intervalMs: 75 },
    );
  }

  /** One invoice through the worker (sync + its status callback), counted from ingest to quiet. */
  async function measureInvoice(tenantId: string, realmId: string, id: string, callback = true) {
    await settled();
    counters().reset();
    const before = await qboRequests(realmId);
    await h.publish(event(tenantId, 'invoice.sent', invoiceData({ id, number: id })));
    const rec = await h.waitStatus(tenantId, 'invoice', id, 'synced');
    if (callback) {
      await waitFor(
        async () => ((await h.record(tenantId, 'invoice', id))?.callbackVersion ?? 0) >= rec.statusVersion,
        { what: `callback of ${id}` },
      );
    }
    const counts = await settled();
    return { ...counts, qbo: (await qboRequests(realmId)) - before };
  }

  /**
   * BullMQ's idle workers of the other queues poll every few seconds (a blocking read that times out, then
   * a fetch); a window that caught such a poll is measured again with the next invoice.
   */
  let seq = 0;
  async function measureSteadyInvoice(tenantId: string, realmId: string, callback = true) {
    for (let tries = 0; tries < 5; tries++) {
      const m = withoutOtherQueues(await measureInvoice(tenantId, realmId, `INV-S${++seq}`, callback));
      const idlePoll = m.redisLog.some((c) => !/invoice\.sync|callback\.deliver|lock:|window|realm/.test(c));
      if (!idlePoll) return m;
    }
    throw new Error('every window caught an idle poll');
  }

  /**
   * Commands on the other queues' keys (their idle workers' fetches) and the worker heartbeat are not this
   * sync's: with eleven queues and a heartbeat, on a busy machine nearly every window caught one. They are
   * taken out of the count; anything else unexpected still marks the window as disturbed.
   */
  const others = JOB_NAMES.filter((n) => n !== 'invoice.sync' && n !== 'callback.deliver');
  const OTHER_KEYS = new RegExp(`^\\S+ (${[...others.map((n) => n.replace('.', '\\.')), 'workers'].join('|')})(:|$)`);
  function withoutOtherQueues<M extends { redis: number; redisLog: string[] }>(m: M): M {
    const own = m.redisLog.filter((c) => !OTHER_KEYS.test(c));
    return { ...m, redis: m.redis - (m.redisLog.length - own.length), redisLog: own };
  }

  const steady = (m: { pg: number; redis: number; qbo: number }) => ({ pg: m.pg, redis: m.redis, qbo: m.qbo });

  it('a steady invoice sync (customer mapped, context and preferences cached) costs a fixed number of round trips', async () => {
    const t = await h.tenant();
    // Warm-up: maps the customer, reads the company preferences and the tenant's context, connects.
    await measureInvoice(t.id, t.realmId, 'INV-WARM', false);
    const first = await measureSteadyInvoice(t.id, t.realmId, false);
    const second = await measureSteadyInvoice(t.id, t.realmId, false);
    if (process.env.ROUND_TRIPS_LOG) console.log(second.pgLog.join('\n'), '\n', second.redisLog.join(' '));
    // Steady means the same every time.
    expect(steady(second)).toEqual(steady(first));
    // PostgreSQL: the event with the tenant's context version and whether a void of this invoice overtook it
    // (one statement); the snapshot; the write-started mark before the create (crash evidence); status +
    // attempt + the inbox row marked processed (Redis is not the authority) in one.
    // Redis: BullMQ (3 to fetch, 1 to finish), the entity lock (take, release), the realm budget (take, release).
    expect(steady(second)).toEqual({ pg: 4, redis: 8, qbo: 1 });
  });

  it('its status callback adds one job, one read and one write', async () => {
    const t = await h.tenant({ callbackUrl: receiver.url });
    await measureInvoice(t.id, t.realmId, 'INV-WARM');
    const first = await measureSteadyInvoice(t.id, t.realmId);
    const second = await measureSteadyInvoice(t.id, t.realmId);
    if (process.env.ROUND_TRIPS_LOG) console.log(second.pgLog.join('\n'), '\n', second.redisLog.join(' '));
    expect(steady(second)).toEqual(steady(first));
    // An invoice alone is its tenant's only change, so its callback run serves one version: the tenant's
    // pending versions with its URL and secret (one read), their marks (one write); in Redis, the run
    // arranged (1), fetched (3) and finished (1).
    expect(steady(second)).toEqual({ pg: 6, redis: 13, qbo: 1 });
  });

  it("a burst of a tenant's changes shares callback runs: six invoices, two runs, two reads and two writes", async () => {
    const endpoint = await startControlledEndpoint();
    try {
      const t = await h.tenant({ callbackUrl: endpoint.url });
      await measureInvoice(t.id, t.realmId, 'INV-WARM');
      await settled();
      counters().reset();
      // The first invoice's run is sending (its POST held by the endpoint) while five more invoices sync:
      // their changes coalesce into one follow-up run, whatever the timing.
      endpoint.holding = true;
      const ids = ['INV-B1', 'INV-B2', 'INV-B3', 'INV-B4', 'INV-B5', 'INV-B6'];
      await h.publish(event(t.id, 'invoice.sent', invoiceData({ id: 'INV-B1', number: 'INV-B1' })));
      await waitFor(() => endpoint.held.length === 1, { what: 'the first callback to be held' });
      for (const id of ids.slice(1)) await h.publish(event(t.id, 'invoice.sent', invoiceData({ id, number: id })));
      for (const id of ids) await h.waitStatus(t.id, 'invoice', id, 'synced');
      endpoint.release();
      await waitFor(
        async () => {
          for (const id of ids) {
            const r = await h.record(t.id, 'invoice', id);
            if (!r || r.callbackVersion < r.statusVersion) return false;
          }
          return true;
        },
        { what: 'the burst announced' },
      );
      const counts = await settled();
      if (process.env.ROUND_TRIPS_LOG) console.log(counts.pgLog.join('\n'), '\n', counts.redisLog.join(' '));
      const reads = counts.pgLog.filter((q) => q.startsWith('select "sync_records"."id", "sync_records"."tenant_id"'));
      const marks = counts.pgLog.filter((q) => q.startsWith('update sync_records r set callback_version'));
      // One job per version before: 6 reads and 6 writes.
      expect({ reads: reads.length, marks: marks.length }).toEqual({ reads: 2, marks: 2 });
      expect(endpoint.hits.filter((x) => ids.includes(String(x.json['externalId'])))).toHaveLength(6);
    } finally {
      await endpoint.close();
    }
  });

  it('a cold customer matched by name costs one lookup and one create in QBO', async () => {
    const t = await h.tenant({ customerMatch: 'name_and_email' });
    await measureInvoice(t.id, t.realmId, 'INV-WARM', false);
    const before = await qboRequests(t.realmId);
    const data = invoiceData({ id: 'INV-COLD', number: 'INV-COLD', customer: customer('C-COLD') });
    await h.publish(event(t.id, 'invoice.sent', data));
    await h.waitStatus(t.id, 'invoice', 'INV-COLD', 'synced');
    // One lookup (both of our display names, which is also the strategy's query) + create + invoice.
    expect((await qboRequests(t.realmId)) - before).toBe(3);
  });

  it('a cold customer costs one lookup and one create in QBO', async () => {
    const t = await h.tenant({ callbackUrl: receiver.url });
    await measureInvoice(t.id, t.realmId, 'INV-WARM');
    counters().reset();
    const before = await qboRequests(t.realmId);
    const data = invoiceData({ id: 'INV-COLD', number: 'INV-COLD', customer: customer('C-COLD') });
    await h.publish(event(t.id, 'invoice.sent', data));
    await h.waitStatus(t.id, 'invoice', 'INV-COLD', 'synced');
    const counts = await settled();
    if (process.env.ROUND_TRIPS_LOG) console.log(JSON.stringify(counts, null, 1));
    // Our-name lookup + email-strategy lookup + customer create + invoice create.
    expect((await qboRequests(t.realmId)) - before).toBe(4);
  });
});
