import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
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

  /** A raw GET (fetch cannot set Host), from this machine. */
  const rawGet = (url: string, headers: Record<string, string>) =>
    new Promise<{ status: number; headers: IncomingHttpHeaders; body: string }>((resolve, reject) => {
      const req = httpRequest(url, { method: 'GET', headers }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => {
          body += c.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.on('error', reject);
      req.end();
    });

  it('without a token, checks like the API: no proxy, no foreign Host or Origin, no callback requests', async () => {
    const url = `${server.url}/metrics`;
    const attempts: Array<Record<string, string>> = [
      { 'x-forwarded-for': '203.0.113.9' },
      { host: 'attacker.example' },
      { origin: 'http://attacker.example' },
      { 'x-qbo-sync-delivery': '12-3' },
    ];
    for (const headers of attempts) {
      const res = await rawGet(url, headers);
      expect([headers, res.status]).toEqual([headers, 403]);
      const body = JSON.parse(res.body) as { error: { code: string; message: string } };
      expect(body.error.message.length).toBeGreaterThan(20);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
    }
    expect((await rawGet(url, { host: `localhost:${server.port}` })).status).toBe(200);
  });

  it('with a token, accepts the bearer forms the API accepts and backs off repeated wrong tokens', async () => {
    const token = 'y'.repeat(20);
    const guarded = await startMetricsServer({ registry, host: '127.0.0.1', port: 0, logger, bearerToken: token });
    try {
      const url = `${guarded.url}/metrics`;
      expect((await rawGet(url, { authorization: `bearer   ${token}` })).status).toBe(200);
      expect((await rawGet(url, { authorization: `Bearer ${token}`, 'x-qbo-sync-delivery': '1-1' })).status).toBe(403);
      const wrong = await rawGet(url, { authorization: 'Bearer nope' });
      expect(wrong.status).toBe(401);
      expect(JSON.parse(wrong.body)).toMatchObject({ error: { code: 'invalid_admin_token' } });
      for (let i = 0; i < 9; i++) await rawGet(url, { authorization: `Bearer nope-${i}` });
      const blocked = await rawGet(url, { authorization: 'Bearer nope-again' });
      expect(blocked.status).toBe(429);
      expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
      // The right token still scrapes: a guesser sharing the address cannot lock the scraper out.
      expect((await rawGet(url, { authorization: `Bearer ${token}` })).status).toBe(200);
      expect((await rawGet(url, { authorization: 'Bearer nope-after' })).status).toBe(429);
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
