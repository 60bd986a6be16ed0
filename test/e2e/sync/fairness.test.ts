// No tenant waits behind another's flood: release pacing holds a company's jobs in BullMQ's delayed set
// until its QBO budget will have room for them, so another tenant's job is taken at once and the flooding
// company's jobs are not taken only to be deferred (issue 19). Checked by job states and counts: which jobs
// are held back when the flood is accepted, deferrals per synced invoice, 429s, objects in QBO.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createMetricsRegistry } from '@qbo-sync/observability';
import { customer, event, type Harness, invoiceData, startHarness } from '../../support/harness.js';

/** A scaled-down minute: 10 requests per 4 s per company on our side, QBO (the sandbox) allowing 12. */
const BUDGET = { perWindow: 10, windowMs: 4_000 };
const FLOOD = 40;

describe('fairness: a flooding tenant is held back by its own budget, not in front of others', () => {
  let h: Harness;
  const registry = createMetricsRegistry('fairness-test');
  const deferrals = async () => {
    const metric = await registry.getSingleMetric('qbo_sync_deferrals_total')?.get();
    const by = (reason: string) => metric?.values.find((v) => v.labels['reason'] === reason)?.value ?? 0;
    return by('realm_budget') + by('qbo_throttled');
  };

  beforeAll(async () => {
    h = await startHarness('fairness', {
      sandbox: { limits: { requestsPerWindow: 12, windowMs: BUDGET.windowMs, maxConcurrent: 10 } },
      // Fewer jobs at once than the company's concurrency cap: the test is about the windows (pacing cannot
      // know how long requests take, and on a loaded machine a cap of 8 in flight would defer the ninth).
      qboLimits: { ...BUDGET, burst: null, maxConcurrent: 10 },
      metrics: registry,
      workerConcurrency: 8,
    });
  });
  afterAll(async () => {
    await h.close();
  });

  it("tenant B's invoice is taken at once while A's flood waits for A's budget; A's invoices sync without deferral churn", async () => {
    const a = await h.tenant();
    const b = await h.tenant();
    // Customers already in QBO: one request per invoice, so the flood needs exactly FLOOD requests.
    for (const t of [a, b]) await h.map(t.id, 'customer', 'C-1', t.seeded.customers[0]?.id ?? '');
    const flood = Array.from({ length: FLOOD }, (_, i) =>
      event(a.id, 'invoice.sent', invoiceData({ id: `A-${i}`, number: `A-${i}`, customer: customer('C-1') })),
    );
    const res = await h.post(a.id, '/v1/events:batch', { events: flood });
    expect(res.ok).toBe(true);
    await h.publish(event(b.id, 'invoice.sent', invoiceData({ id: 'B-1', number: 'B-1', customer: customer('C-1') })));

    // At acceptance A's jobs beyond its budget's first window are in the delayed set, spread one window
    // apart; B's job is not delayed at all.
    const jobs = await h.producer.queues['invoice.sync'].getJobs([
      'delayed',
      'waiting',
      'prioritized',
      'active',
      'completed',
    ]);
    const ofTenant = (id: string) => jobs.filter((j) => (j.data as { tenantId: string }).tenantId === id);
    const aDelays = ofTenant(a.id)
      .map((j) => j.opts.delay ?? 0)
      .sort((x, y) => x - y);
    expect(aDelays).toHaveLength(FLOOD);
    expect(aDelays.slice(0, BUDGET.perWindow).every((d) => d < BUDGET.windowMs)).toBe(true);
    expect(aDelays.slice(BUDGET.perWindow).every((d) => d >= BUDGET.windowMs)).toBe(true);
    expect(aDelays.slice(2 * BUDGET.perWindow).every((d) => d >= 2 * BUDGET.windowMs)).toBe(true);
    expect(ofTenant(b.id).map((j) => j.opts.delay ?? 0)).toEqual([0]);

    // B syncs while A's flood is still held back (A's last quarter is not released for three windows).
    await h.waitStatus(b.id, 'invoice', 'B-1', 'synced', 20_000);
    expect((await h.entities(a.realmId, 'Invoice')).length).toBeLessThan(FLOOD);

    for (let i = 0; i < FLOOD; i++) await h.waitStatus(a.id, 'invoice', `A-${i}`, 'synced', 60_000);
    expect(await h.entities(a.realmId, 'Invoice')).toHaveLength(FLOOD);
    const stats = (await h.admin(`/realms/${a.realmId}/stats`)) as { throttled429: number };
    expect(stats.throttled429).toBe(0);
    // Jobs are taken when the budget has room: at most 0.1 deferrals per synced invoice (without pacing,
    // every job of the flood is taken, refused budget and deferred, again and again).
    expect(await deferrals()).toBeLessThanOrEqual(0.1 * (FLOOD + 1));
  }, 90_000);
});
