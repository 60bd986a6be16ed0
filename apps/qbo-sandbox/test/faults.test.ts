import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { RunningSandbox } from '../src/index.js';
import { arr, type Company, company, faultCode, http, post, rawPost, start } from './helpers.js';

describe('fault injection', () => {
  let sb: RunningSandbox;
  let c: Company;
  beforeAll(async () => {
    sb = await start({ seed: 42 });
    c = await company(sb);
  });
  afterAll(() => sb.close());

  const count = (name: string): number =>
    sb.entities(c.realmId, 'Customer').filter((r) => r['DisplayName'] === name).length;

  it('http5xx: answers 500 (or the given status) and applies nothing; `times` limits it', async () => {
    sb.injectFault(c.realmId, { kind: 'http5xx', times: 1, match: { entity: 'customer', operation: 'create' } });
    const res = await post(c, '/customer', { DisplayName: 'Five Hundred Co' });
    expect(res.status).toBe(500);
    expect(faultCode(res)).toBe('10000');
    expect(res.body['Fault']?.['type']).toBe('SystemFault');
    expect(count('Five Hundred Co')).toBe(0);
    expect((await post(c, '/customer', { DisplayName: 'Five Hundred Co' })).status).toBe(200);
    sb.injectFault(c.realmId, { kind: 'http5xx', status: 503, times: 1 });
    expect((await post(c, '/customer', { DisplayName: 'Unavailable Co' })).status).toBe(503);
  });

  it('throttle: 429 / 3001 on demand', async () => {
    sb.injectFault(c.realmId, { kind: 'throttle', times: 1, match: { method: 'GET' } });
    const res = await http(`${c.base}/preferences`, { headers: { authorization: `Bearer ${c.token}` } });
    expect(res.status).toBe(429);
    expect(faultCode(res)).toBe('3001');
    expect(sb.stats(c.realmId).throttled429).toBeGreaterThanOrEqual(1);
  });

  it('latency: delays the answer', async () => {
    sb.injectFault(c.realmId, { kind: 'latency', latencyMs: 120, times: 1 });
    const t0 = Date.now();
    const res = await http(`${c.base}/preferences`, { headers: { authorization: `Bearer ${c.token}` } });
    expect(res.status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(110);
  });

  it('commit-then-drop: the write commits, the socket dies; a retry with the same requestid gets the object', async () => {
    sb.injectFault(c.realmId, {
      kind: 'commit-then-drop',
      times: 1,
      match: { entity: 'customer', operation: 'create' },
    });
    const url = `${c.base}/customer?requestid=drop-1`;
    await expect(rawPost(url, c.token, { DisplayName: 'Dropped Co' })).rejects.toThrow(/socket hang up/);
    expect(count('Dropped Co')).toBe(1);
    const retry = await post(c, '/customer?requestid=drop-1', { DisplayName: 'Dropped Co' });
    expect(retry.status).toBe(200);
    expect(retry.body['Customer']?.['DisplayName']).toBe('Dropped Co');
    expect(count('Dropped Co')).toBe(1);
    // Without the requestid the retry would have been a duplicate-name error.
    expect(faultCode(await post(c, '/customer', { DisplayName: 'Dropped Co' }))).toBe('6240');
  });

  it('probabilistic rules are reproducible for a given seed', async () => {
    const pattern = async (seed: number): Promise<number[]> => {
      const s = await start({ seed });
      const cc = await company(s, '5550001');
      s.injectFault(cc.realmId, { kind: 'http5xx', probability: 0.5 });
      const out: number[] = [];
      for (let i = 0; i < 16; i++) {
        out.push((await http(`${cc.base}/preferences`, { headers: { authorization: `Bearer ${cc.token}` } })).status);
      }
      await s.close();
      return out;
    };
    const a = await pattern(7);
    const b = await pattern(7);
    expect(a).toEqual(b);
    expect(a).toContain(500);
    expect(a).toContain(200);
  });

  it('admin API: add, list and clear rules; stats count faults by code', async () => {
    const add = await http(`${sb.url}/__sandbox/realms/${c.realmId}/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ seed: 3, rules: [{ kind: 'http5xx', status: 502, match: { operation: 'query' } }] }),
    });
    expect(add.status).toBe(201);
    expect(arr(add.body['rules'])[0]?.['kind']).toBe('http5xx');
    const q = await http(`${c.base}/query?query=${encodeURIComponent('select * from TaxCode')}`, {
      headers: { authorization: `Bearer ${c.token}` },
    });
    expect(q.status).toBe(502);
    const bad = await http(`${sb.url}/__sandbox/realms/${c.realmId}/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'meteor' }),
    });
    expect(bad.status).toBe(400);
    const cleared = await http(`${sb.url}/__sandbox/realms/${c.realmId}/faults`, { method: 'DELETE' });
    expect(cleared.body['rules']).toEqual([]);
    const stats = await http(`${sb.url}/__sandbox/realms/${c.realmId}/stats`);
    expect(Number(stats.body['faultsByCode']?.['10000'])).toBeGreaterThanOrEqual(3);
  });
});
