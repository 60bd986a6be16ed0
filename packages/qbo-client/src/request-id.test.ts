import { describe, expect, it } from '@jest/globals';
import { requestIdFor, uuidV5, type WriteOp } from './request-id.js';

const op: WriteOp = { tenantId: 't1', entity: 'invoice', externalId: 'inv-9', version: 'ev-1', operation: 'create' };

describe('requestIdFor', () => {
  it('implements UUIDv5 correctly (RFC test vector: DNS namespace, www.example.com)', () => {
    const dns = Buffer.from('6ba7b8109dad11d180b400c04fd430c8', 'hex');
    expect(uuidV5(dns, 'www.example.com')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });

  it('is a deterministic RFC 9562 version-5 UUID within QBO limits', () => {
    const id = requestIdFor(op);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(id).toHaveLength(36);
    expect(requestIdFor({ ...op })).toBe(id);
  });

  it('changes when any part of the operation changes', () => {
    const ids = new Set([
      requestIdFor(op),
      requestIdFor({ ...op, tenantId: 't2' }),
      requestIdFor({ ...op, entity: 'payment' }),
      requestIdFor({ ...op, externalId: 'inv-10' }),
      requestIdFor({ ...op, version: 'ev-2' }),
      requestIdFor({ ...op, operation: 'update' }),
    ]);
    expect(ids.size).toBe(6);
  });

  it('cannot be confused by separators inside parts', () => {
    expect(requestIdFor({ ...op, tenantId: 'a|b', externalId: 'c' })).not.toBe(
      requestIdFor({ ...op, tenantId: 'a', externalId: 'b|c' }),
    );
    expect(requestIdFor({ ...op, tenantId: 'a","b' })).not.toBe(requestIdFor({ ...op, tenantId: 'a', entity: 'b' }));
  });
});
