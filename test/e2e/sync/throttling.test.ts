import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { waitFor } from '@qbo-sync/testkit';
import { customer, event, type Harness, invoiceData, startHarness } from '../../support/harness.js';

describe('throttling: only the throttled company waits, and no attempt is spent', () => {
  let h: Harness;
  beforeAll(async () => {
    // A scaled-down minute: 6 requests per second per company, so a burst of invoices runs out of budget.
    h = await startHarness('throttle', { qboLimits: { perWindow: 6, windowMs: 1_000, burst: null, maxWaitMs: 200 } });
  });
  afterAll(async () => {
    await h.close();
  });

  it('defers jobs while the company budget is spent (RealmBusy) and syncs them all without a 429', async () => {
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
    const deferred = [];
    for (const id of ids) {
      const rec = await h.record(t.id, 'invoice', id);
      const attempts = await h.attempts(rec?.id ?? 0);
      deferred.push(...attempts.filter((a) => a.outcome === 'deferred'));
      // Deferrals never count as failures: exactly one terminal attempt, and it synced.
      expect(attempts.filter((a) => a.outcome !== 'deferred').map((a) => a.outcome)).toEqual(['synced']);
    }
    expect(deferred.length).toBeGreaterThan(0);
    expect(deferred.every((a) => a.faultCode === 'REALM_BUSY')).toBe(true);
  }, 40_000);

  it('defers a job QBO answered with 429, by Retry-After, without spending an attempt', async () => {
    const t = await h.tenant();
    await h.admin(`/realms/${t.realmId}/limits`, { retryAfterSeconds: 1 }, 'PUT');
    await h.admin(`/realms/${t.realmId}/faults`, {
      kind: 'throttle',
      times: 1,
      match: { method: 'POST', entity: 'invoice', operation: 'create' },
    });
    await h.publish(event(t.id, 'invoice.sent', invoiceData()));
    const rec = await h.waitStatus(t.id, 'invoice', 'INV-1', 'synced', 20_000);
    const attempts = await waitFor(async () => {
      const a = await h.attempts(rec.id);
      return a.length >= 2 ? a : undefined;
    });
    expect(attempts.map((a) => [a.outcome, a.faultCode])).toContainEqual(['deferred', 'THROTTLED']);
    expect(attempts.filter((a) => a.outcome !== 'deferred').map((a) => a.outcome)).toEqual(['synced']);
    expect(await h.entities(t.realmId, 'Invoice')).toHaveLength(1);
    const stats = (await h.admin(`/realms/${t.realmId}/stats`)) as { throttled429: number };
    expect(stats.throttled429).toBe(1);
  }, 30_000);
});
