import { describe, expect, it } from '@jest/globals';
import { entityOf, statusClassOf } from './metrics.js';

describe('metric labels', () => {
  it('names the entity of a path or a query, and never carries ids or text', () => {
    expect(entityOf('invoice')).toBe('invoice');
    expect(entityOf('customer/12')).toBe('customer');
    expect(entityOf('query', "select * from Customer where DisplayName = 'O''Brien'")).toBe('customer');
    expect(entityOf('query')).toBe('query');
    expect(entityOf('companyinfo/9130350000000001')).toBe('companyinfo');
    expect(entityOf('12345')).toBe('other');
  });

  it('groups statuses into classes; no answer is `error`', () => {
    expect(statusClassOf(200)).toBe('2xx');
    expect(statusClassOf(429)).toBe('4xx');
    expect(statusClassOf(503)).toBe('5xx');
    expect(statusClassOf(undefined)).toBe('error');
  });
});
