import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createLogger, Registry } from '@qbo-sync/observability';
import { type MetricsServer, startMetricsServer } from './server.js';
import { createWorkerMetrics } from './worker-metrics.js';

describe('worker metrics server', () => {
  const registry = new Registry();
  const logger = createLogger({ name: 'metrics-server-test', level: 'silent' });
  let server: MetricsServer;

  beforeAll(async () => {
    const metrics = createWorkerMetrics(registry);
    metrics.job('invoice.sync', 'synced', 0.2);
    metrics.deferral('qbo_throttled');
    server = await startMetricsServer({ registry, host: '127.0.0.1', port: 0, logger });
  });
  afterAll(async () => {
    await server.close();
  });

  it('answers GET /metrics with Prometheus text', async () => {
    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toContain('# TYPE qbo_sync_jobs_total counter');
    expect(text).toContain('qbo_sync_jobs_total{queue="invoice.sync",outcome="synced"} 1');
    expect(text).toContain('qbo_sync_deferrals_total{reason="qbo_throttled"} 1');
    expect(text).toContain('qbo_sync_deferrals_total{reason="entity_busy"} 0');
    expect(text).toContain('qbo_sync_job_duration_seconds_count{queue="invoice.sync"} 1');
  });

  it('answers /health, and 404 elsewhere', async () => {
    const health = await fetch(`${server.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
    expect((await fetch(`${server.url}/metrics`, { method: 'POST' })).status).toBe(405);
  });

  it('wants the admin token as bearer when one is configured', async () => {
    const guarded = await startMetricsServer({
      registry,
      host: '127.0.0.1',
      port: 0,
      logger,
      bearerToken: 'x'.repeat(20),
    });
    try {
      expect((await fetch(`${guarded.url}/metrics`)).status).toBe(401);
      const wrong = await fetch(`${guarded.url}/metrics`, { headers: { authorization: 'Bearer nope' } });
      expect(wrong.status).toBe(401);
      const ok = await fetch(`${guarded.url}/metrics`, { headers: { authorization: `Bearer ${'x'.repeat(20)}` } });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain('qbo_sync_jobs_total');
      expect((await fetch(`${guarded.url}/health`)).status).toBe(200);
    } finally {
      await guarded.close();
    }
  });

  it('refuses to start on a port already in use', async () => {
    const err = await startMetricsServer({ registry, host: '127.0.0.1', port: server.port, logger }).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'EADDRINUSE' });
  });
});
