import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { OverviewResponse } from '@qbo-sync/contracts';
import { appendAttempt } from '@qbo-sync/db/repositories/attempts';
import { ensureRecord } from '@qbo-sync/db/repositories/sync-records';
import { countTenantDeferral, writeHeartbeat } from '@qbo-sync/producer';
import { createRealmLimiter } from '@qbo-sync/qbo-client';
import { type AdminHarness, startAdminHarness } from './admin-harness.js';

describe('GET /admin/overview', () => {
  let h: AdminHarness;
  beforeAll(async () => {
    h = await startAdminHarness('overview');
    for (const id of ['acme', 'quiet']) await h.request('POST', '/admin/tenants', { body: { id, name: id } });
    // A connected company (the tokens are never read here).
    await h.db.sql`insert into qbo_connections
      (tenant_id, realm_id, key_id, access_token_enc, refresh_token_enc, access_token_expires_at, refresh_token_expires_at)
      values ('acme', '9130', 'k1', 'x', 'x', now() + interval '1 hour', now() + interval '100 days')`;
  });
  afterAll(async () => {
    await h.close();
  });

  it('answers health, backlog, throughput, company load and tenants needing attention', async () => {
    const nowMs = Date.now();
    // What the worker processes write: a heartbeat each, a realm budget in use, a QBO pause, deferrals.
    await writeHeartbeat(h.redis, h.prefix, {
      id: 'w1:11',
      host: 'w1',
      pid: 11,
      startedAt: new Date(nowMs - 60_000).toISOString(),
      lastSeenAt: new Date(nowMs).toISOString(),
      concurrency: 50,
    });
    await writeHeartbeat(h.redis, h.prefix, {
      id: 'w2:12',
      host: 'w2',
      pid: 12,
      startedAt: new Date(nowMs - 600_000).toISOString(),
      lastSeenAt: new Date(nowMs - 120_000).toISOString(),
      concurrency: 50,
    });
    const { perWindow, windowMs, maxConcurrent } = h.config.qbo.rateLimit;
    const limiter = createRealmLimiter(h.redis, { perWindow, windowMs, maxConcurrent, keyPrefix: h.prefix });
    for (let i = 0; i < 3; i += 1) {
      const got = await limiter.acquire('9130');
      if (!got.ok) throw new Error('no budget');
      await got.release();
    }
    await limiter.penalize('9130', 60_000);
    for (const reason of ['qbo_throttled', 'qbo_throttled', 'realm_budget']) {
      await countTenantDeferral(h.redis, h.prefix, 'acme', reason, nowMs);
    }
    // One synced and one failed attempt this minute; a record parked for a mapping.
    const rec = await ensureRecord(h.db.db, { tenantId: 'acme', entityType: 'invoice', externalId: 'INV-O1' });
    for (const [outcome, status] of [
      ['synced', 'synced'],
      ['parked', 'failed'],
    ] as const) {
      await appendAttempt(h.db.db, {
        syncRecordId: rec.id,
        tenantId: 'acme',
        attempt: 1,
        outcome,
        status,
        startedAt: new Date(),
      });
    }
    await h.parkRecord({ tenantId: 'acme', entityType: 'invoice', externalId: 'INV-O2' }, 'needs_mapping', {
      reasonCode: 'MISSING_ITEM',
    });
    await h.producer.queues['invoice.sync'].add('invoice.sync', { tenantId: 'acme' }, { delay: 60_000 });

    const res = await h.request('GET', '/admin/overview');
    expect(res.status).toBe(200);
    const body = OverviewResponse.parse(res.json());

    expect(body.health.postgres.status).toBe('ok');
    expect(body.health.redis.status).toBe('ok');
    expect(body.health.workers.map((w) => [w.id, w.status])).toEqual([
      ['w1:11', 'ok'],
      ['w2:12', 'stale'],
    ]);
    expect(body.backlog.queues.find((q) => q.queue === 'invoice.sync')?.delayed).toBe(1);
    expect(body.backlog.queues).toHaveLength(9);

    expect(body.throughput.lastHour.bucketSeconds).toBe(60);
    expect(body.throughput.lastHour.points.length).toBeGreaterThanOrEqual(60);
    const totals = body.throughput.lastHour.points.reduce(
      (a, p) => ({ synced: a.synced + p.synced, failed: a.failed + p.failed }),
      { synced: 0, failed: 0 },
    );
    expect(totals).toEqual({ synced: 1, failed: 1 });
    expect(body.throughput.lastDay.bucketSeconds).toBe(900);

    expect(body.companies).toHaveLength(1);
    const acme = body.companies[0];
    expect(acme).toMatchObject({
      tenantId: 'acme',
      realmId: '9130',
      connection: 'active',
      budget: { used: 3, limit: perWindow, inFlight: 0 },
      throttlesLastHour: 2,
      deferralsLastHour: { qbo_throttled: 2, realm_budget: 1 },
    });
    expect(Date.parse(acme?.pausedUntil ?? '')).toBeGreaterThan(nowMs);

    expect(body.attention).toEqual([
      {
        tenantId: 'acme',
        total: 1,
        retrying: 0,
        reasons: [{ status: 'needs_mapping', reasonCode: 'MISSING_ITEM', count: 1 }],
      },
    ]);
  });

  it('is open to read-only operators', async () => {
    const created = await h.request('POST', '/admin/operators', { body: { name: 'viewer', role: 'read_only' } });
    const token = created.json<{ token: string }>().token;
    expect((await h.request('GET', '/admin/overview', { token })).status).toBe(200);
  });
});
