import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { RunningSandbox } from '../src/index.js';
import { type Company, company, get, post, start } from './helpers.js';

describe('smoke', () => {
  let sb: RunningSandbox;
  let c: Company;
  beforeAll(async () => {
    sb = await start();
    c = await company(sb);
  });
  afterAll(() => sb.close());

  it('creates and reads a customer', async () => {
    const res = await post(c, '/customer?minorversion=75', { DisplayName: 'Smoke Test' });
    expect(res.status).toBe(200);
    const id = String(res.body['Customer']?.['Id']);
    const read = await get(c, `/customer/${id}`);
    expect(read.body['Customer']?.['DisplayName']).toBe('Smoke Test');
  });
});
