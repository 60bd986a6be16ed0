import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createLogger, createMetricsRegistry } from '@qbo-sync/observability';
import { waitFor } from '@qbo-sync/testkit';
import { type MetricsServer, startMetricsServer } from '@qbo-sync/worker';
import {
  event,
  type Harness,
  invoiceData,
  paymentData,
  startCallbackReceiver,
  startHarness,
} from '../support/harness.js';

type Sample = { name: string; labels: Record<string, string>; value: number };

/** Parses Prometheus text exposition (one sample per line), as a scraper reads it. */
function parseSamples(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (!m?.[1] || m[3] === undefined) continue;
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
      if (k !== undefined && v !== undefined) labels[k] = v;
    }
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return samples;
}

describe('worker metrics: what operators scrape from the worker process', () => {
  let h: Harness;
  let server: MetricsServer;
  const registry = createMetricsRegistry('qbo-sync-worker');

  /** Sum of the samples of `name` whose labels include `labels`, read over HTTP from GET /metrics. */
  async function scrape(name: string, labels: Record<string, string> = {}): Promise<number> {
    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    return parseSamples(await res.text())
      .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
      .reduce((sum, s) => sum + s.value, 0);
  }
  const until = (name: string, labels: Record<string, string>, atLeast: number) =>
    waitFor(
      async () => {
        const v = await scrape(name, labels);
        return v >= atLeast ? v : undefined;
      },
      { timeoutMs: 15_000, what: `${name}${JSON.stringify(labels)} >= ${atLeast}` },
    );

  beforeAll(async () => {
    h = await startHarness('worker_metrics', { metrics: registry });
    server = await startMetricsServer({
      registry,
      host: '127.0.0.1',
      port: 0,
      logger: createLogger({ name: 'worker-metrics-test', level: 'silent' }),
    });
  });
  afterAll(async () => {
    await server.close();
    await h.close();
  });

  it('counts synced jobs, QBO requests by entity, delivered callbacks, and no throttling', async () => {
    const receiver = await startCallbackReceiver();
    try {
      const t = await h.tenant({ callbackUrl: receiver.url });
      await h.publish(event(t.id, 'invoice.sent', invoiceData()));
      await h.waitStatus(t.id, 'invoice', 'INV-1', 'synced');
      await h.publish(event(t.id, 'payment.accepted', paymentData(), 1_000));
      await h.waitStatus(t.id, 'payment', 'PAY-1', 'synced');

      expect(await until('qbo_sync_jobs_total', { queue: 'invoice.sync', outcome: 'synced' }, 1)).toBe(1);
      expect(await until('qbo_sync_jobs_total', { queue: 'payment.sync', outcome: 'synced' }, 1)).toBe(1);
      expect(await scrape('qbo_sync_jobs_total', { outcome: 'failed' })).toBe(0);
      expect(await scrape('qbo_sync_job_duration_seconds_count', { queue: 'invoice.sync' })).toBe(1);
      await until('qbo_sync_callbacks_total', { result: 'delivered' }, 1);

      // What reached QBO: one invoice and one payment created, the customer found or created first.
      const posted = (entity: string) =>
        scrape('qbo_sync_qbo_requests_total', { method: 'POST', entity, status_class: '2xx' });
      expect(await posted('invoice')).toBe(1);
      expect(await posted('payment')).toBe(1);
      expect(await scrape('qbo_sync_qbo_requests_total', { entity: 'customer' })).toBeGreaterThanOrEqual(1);
      expect(await scrape('qbo_sync_qbo_requests_total', { status_class: '5xx' })).toBe(0);
      expect(await scrape('qbo_sync_qbo_request_duration_seconds_count', { method: 'POST' })).toBeGreaterThanOrEqual(2);
      // The number operators want at zero, present (as 0) before the first throttle.
      const text = await (await fetch(`${server.url}/metrics`)).text();
      expect(text).toMatch(/^qbo_sync_qbo_throttled_total\{[^}]*\} 0$/m);
      expect(await scrape('qbo_sync_deferrals_total', { reason: 'qbo_throttled' })).toBe(0);
      // No realm or tenant label anywhere: one series per company would grow without bound.
      expect(text).not.toContain(t.realmId);
      expect(text).not.toContain(t.id);
    } finally {
      await receiver.close();
    }
  }, 40_000);

  it('counts a QBO 429 as throttled and the job as deferred (qbo_throttled), then synced', async () => {
    const t = await h.tenant();
    // Retry-After 1 s, so the deferred job comes back quickly (without it the realm waits 60 s).
    await h.admin(`/realms/${t.realmId}/limits`, { retryAfterSeconds: 1 }, 'PUT');
    await h.admin(`/realms/${t.realmId}/faults`, {
      kind: 'throttle',
      times: 1,
      match: { method: 'POST', entity: 'invoice', operation: 'create' },
    });
    const syncedBefore = await scrape('qbo_sync_jobs_total', { queue: 'invoice.sync', outcome: 'synced' });

    await h.publish(event(t.id, 'invoice.sent', invoiceData()));
    await h.waitStatus(t.id, 'invoice', 'INV-1', 'synced', 20_000);

    await until('qbo_sync_jobs_total', { queue: 'invoice.sync', outcome: 'synced' }, syncedBefore + 1);
    expect(await scrape('qbo_sync_qbo_throttled_total')).toBe(1);
    expect(await scrape('qbo_sync_deferrals_total', { reason: 'qbo_throttled' })).toBe(1);
    expect(await scrape('qbo_sync_jobs_total', { queue: 'invoice.sync', outcome: 'deferred' })).toBeGreaterThanOrEqual(
      1,
    );
    expect(
      await scrape('qbo_sync_qbo_requests_total', { method: 'POST', entity: 'invoice', status_class: '4xx' }),
    ).toBe(1);
    const stats = (await h.admin(`/realms/${t.realmId}/stats`)) as { throttled429: number };
    expect(stats.throttled429).toBe(1);
  }, 40_000);
});
