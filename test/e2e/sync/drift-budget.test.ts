// CDC sweeps share the company's request budget with live syncs: a scaled-down budget (6 requests a second),
// the sandbox enforcing the same limit, invoices syncing while sweeps read changes. Nothing is throttled, every
// CDC read is counted, and the drift made meanwhile is found.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createMetricsRegistry } from '@qbo-sync/observability';
import { waitFor } from '@qbo-sync/testkit';
import { customer, event, type Harness, invoiceData, startHarness } from '../../support/harness.js';

const BUDGET = 6;

describe('drift: CDC sweeps inside the company budget', () => {
  let h: Harness;
  const registry = createMetricsRegistry('drift-budget-test');
  /** QBO requests the worker sent, by entity label (a CDC read is labelled cdc). */
  const requests = async (entity: string) => {
    const text = await registry.getSingleMetricAsString('qbo_sync_qbo_requests_total');
    let n = 0;
    for (const m of text.matchAll(new RegExp(`entity="${entity}"[^}]*\\} (\\d+)`, 'g'))) n += Number(m[1]);
    return n;
  };
  beforeAll(async () => {
    h = await startHarness('driftbudget', {
      qboLimits: { perWindow: BUDGET, windowMs: 1_000, burst: null, maxWaitMs: 200 },
      metrics: registry,
    });
  });
  afterAll(async () => {
    await h.close();
  });

  it('runs CDC reads within the budget while live invoices sync, and finds the drift', async () => {
    const t = await h.tenant({ driftPolicy: { deleted: 'flag', edited: 'flag' } });
    // QBO's own limit for this company is the budget: one request too many would be a 429.
    await h.admin(`/realms/${t.realmId}/limits`, { requestsPerWindow: BUDGET, windowMs: 1_000 }, 'PUT');
    await h.publish(event(t.id, 'invoice.sent', invoiceData({ id: 'INV-0', number: 'INV-0' })));
    const first = await h.waitStatus(t.id, 'invoice', 'INV-0', 'synced', 30_000);
    await h.admin(`/realms/${t.realmId}/as-person/Invoice/${first.qboId}`, { action: 'delete' });

    const ids = Array.from({ length: 8 }, (_, i) => `INV-${i + 1}`);
    const live = ids.map((id, i) =>
      h.publish(
        event(
          t.id,
          'invoice.sent',
          invoiceData({ id, number: id, customer: customer(`C-${i}`, { lastName: `B${i}` }) }),
        ),
      ),
    );
    const sweeps: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${h.apiUrl}/admin/tenants/${t.id}/cdc-sweep`, { method: 'POST' });
      sweeps.push(String(((await res.json()) as { jobId: string }).jobId));
    }
    await Promise.all(live);
    for (const id of ids) await h.waitStatus(t.id, 'invoice', id, 'synced', 60_000);
    for (const jobId of sweeps) {
      await waitFor(async () => (await h.producer.queues['qbo.cdc-sweep'].getJobState(jobId)) === 'completed', {
        timeoutMs: 60_000,
        what: `CDC sweep ${jobId}`,
      });
    }
    const flagged = await h.waitStatus(t.id, 'invoice', 'INV-0', 'drift');
    expect(flagged.reasonCode).toBe('DRIFT_DELETED');

    // Counted: one CDC read per sweep (no answer held 1,000 changes), all through the company's budget.
    expect(await requests('cdc')).toBe(3);
    const stats = (await h.admin(`/realms/${t.realmId}/stats`)) as {
      throttled429: number;
      maxRequestsInAnyWindow: number;
    };
    expect(stats.throttled429).toBe(0);
    expect(stats.maxRequestsInAnyWindow).toBeLessThanOrEqual(BUDGET);
  });
});
