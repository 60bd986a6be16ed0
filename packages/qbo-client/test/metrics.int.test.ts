import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Registry } from '@qbo-sync/observability';
import type { QboClient } from '../src/client.js';
import { ThrottledError } from '../src/errors/throttled-error.js';
import { createQboMetrics } from '../src/metrics.js';
import type { WriteOp } from '../src/request-id.js';
import { admin, connectTenant, type Harness, startHarness } from './helpers.js';

const op = (tenantId: string, externalId: string): WriteOp => ({
  tenantId,
  entity: 'customer',
  externalId,
  version: 'v1',
  operation: 'create',
});

/** The current value of one series (0 when it does not exist yet). */
async function value(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) throw new Error(`metric ${name} is not registered`);
  const { values } = await metric.get();
  const hit = values.find((v) => Object.entries(labels).every(([k, want]) => v.labels[k] === want));
  return hit?.value ?? 0;
}

describe('qbo-client metrics against the sandbox', () => {
  let h: Harness;
  let registry: Registry;
  let client: QboClient;

  beforeAll(async () => {
    h = await startHarness('qbo_metrics');
    registry = new Registry();
    client = h.client({ metrics: createQboMetrics(registry) });
  });
  afterAll(async () => {
    await h.close();
  });

  it('counts requests by method, entity and status class, with their duration', async () => {
    await connectTenant(h, client, 'counted');
    const realm = await client.forTenant('counted');
    await realm.createCustomer({ DisplayName: 'Metrics Co', GivenName: 'Metrics' }, op('counted', 'c-1'));
    await realm.findCustomers({ displayName: 'Metrics Co' });
    await realm.getPreferences();

    expect(await value(registry, 'qbo_sync_qbo_requests_total', { method: 'POST', entity: 'customer' })).toBe(1);
    // A query is labelled with the entity it reads, never with its text.
    expect(
      await value(registry, 'qbo_sync_qbo_requests_total', { method: 'GET', entity: 'customer', status_class: '2xx' }),
    ).toBeGreaterThanOrEqual(1);
    expect(await value(registry, 'qbo_sync_qbo_requests_total', { entity: 'preferences' })).toBe(1);
    const text = await registry.metrics();
    expect(text).toMatch(/qbo_sync_qbo_request_duration_seconds_count\{method="POST",entity="customer"\} 1/);
    expect(text).not.toContain('Metrics Co');
    expect(await value(registry, 'qbo_sync_qbo_throttled_total')).toBe(0);
  });

  it('counts a QBO throttle answer, and the refresh after an expired access token', async () => {
    const realmId = await connectTenant(h, client, 'throttled');
    const a = admin(h.sandbox);
    await a.expireAccessTokens(realmId);
    const realm = await client.forTenant('throttled');
    await realm.getPreferences();
    expect(await value(registry, 'qbo_sync_token_refreshes_total', { result: 'ok' })).toBe(1);
    // The 401 that led to the refresh is a request too.
    expect(await value(registry, 'qbo_sync_qbo_requests_total', { entity: 'preferences', status_class: '4xx' })).toBe(
      1,
    );

    await a.fault(realmId, { kind: 'throttle', times: 1, match: { method: 'POST', entity: 'customer' } });
    const err = await realm
      .createCustomer({ DisplayName: 'Throttled Co', GivenName: 'T' }, op('throttled', 'c-2'))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ThrottledError);
    expect(await value(registry, 'qbo_sync_qbo_throttled_total')).toBe(1);
    expect(
      await value(registry, 'qbo_sync_qbo_requests_total', { method: 'POST', entity: 'customer', status_class: '4xx' }),
    ).toBe(1);
  });
});
