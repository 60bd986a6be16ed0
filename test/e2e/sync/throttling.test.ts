import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createMetricsRegistry } from '@qbo-sync/observability';
import { customer, event, type Harness, invoiceData, startHarness } from '../../support/harness.js';

describe('throttling: only the throttled company waits, and no attempt is spent', () => {
  let h: Harness;
  const registry = createMetricsRegistry('throttle-test');
  /** qbo_sync_deferrals_total for one reason, as the worker counted it. */
  const deferrals = async (reason: string) => {
    const text = await registry.getSingleMetricAsString('qbo_sync_deferrals_total');
    return Number(new RegExp(`reason="${reason}"[^}]*\\} (\\d+)`).exec(text)?.[1] ?? 0);
  };
  beforeAll(async () => {
    // A scaled-down minute: 6 requests per second per company, so a burst of invoices runs out of budget.
    h = await startHarness('throttle', {
      qboLimits: { perWindow: 6, windowMs: 1_000, burst: null, maxWaitMs: 200 },
      metrics: registry,
    });
  });
  afterAll(async () => {
    await h.close();
  });

  it('holds jobs back while the company budget is spent (in-job wait or RealmBusy deferral) and syncs them all without a 429', async () => {
    const t = await h.tenant();
    // More jobs than the worker runs at once: a job served once waits for budget (no deferral), so it is the
    // jobs starting while the budget is spent that defer.
    const ids = Array.from({ length: 8 }, (_, i) => `INV-${i + 1}`);
    await Promise.all(
      ids.map((id, i) =>
        h.publish(
          event(
            t.id,
            'invoice.sent',
            invoiceData({ id, number: id, customer: customer(`C-${i}`, { lastName: `Brown${i}` }) }),
          ),
        ),
      ),
    );
    for (const id of ids) {
      await h.waitStatus(t.id, 'invoice', id, 'synced', 30_000);
    }
    expect(await h.entities(t.realmId, 'Invoice')).toHaveLength(8);
    const stats = (await h.admin(`/realms/${t.realmId}/stats`)) as { throttled429: number };
    expect(stats.throttled429).toBe(0);
    for (const id of ids) {
      const rec = await h.record(t.id, 'invoice', id);
      // A deferral is not an attempt: exactly one attempt row, and it synced.
      expect((await h.attempts(rec?.id ?? 0)).map((a) => a.outcome)).toEqual(['synced']);
    }
  }, 40_000);

  it('defers a job QBO answered with 429, by Retry-After, without spending an attempt', async () => {
    const t = await h.tenant();
    await h.admin(`/realms/${t.realmId}/limits`, { retryAfterSeconds: 1 }, 'PUT');
    await h.admin(`/realms/${t.realmId}/faults`, {
      kind: 'throttle',
      times: 1,
      match: { method: 'POST', entity: 'invoice', operation: 'create' },
    });
    const throttledBefore = await deferrals('qbo_throttled');
    await h.publish(event(t.id, 'invoice.sent', invoiceData()));
    const rec = await h.waitStatus(t.id, 'invoice', 'INV-1', 'synced', 20_000);
    expect((await h.attempts(rec.id)).map((a) => a.outcome)).toEqual(['synced']);
    expect(await deferrals('qbo_throttled')).toBe(throttledBefore + 1);
    expect(await h.entities(t.realmId, 'Invoice')).toHaveLength(1);
    const stats = (await h.admin(`/realms/${t.realmId}/stats`)) as { throttled429: number };
    expect(stats.throttled429).toBe(1);
  }, 30_000);
});
