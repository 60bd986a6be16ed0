import { describe, expect, it } from '@jest/globals';
import { faultStatus, QBO_FAULT_CODES } from './fault-status.js';
import { isMarkedAs, isVoidedInQbo, markerFor, noteWithMarker, parseMarker } from './marker.js';
import { isNewerSnapshot, stableStringify } from './snapshot.js';

describe('faultStatus', () => {
  it('gives every code a handling, a status and a sentence', () => {
    for (const code of QBO_FAULT_CODES) {
      const s = faultStatus(code, 'detail text');
      expect(s.reasonCode).toBe(code);
      expect(s.reason.length).toBeGreaterThan(20);
    }
  });

  it('delays throttles, retries transient faults, fails permanent ones, parks reconnects', () => {
    expect(faultStatus('THROTTLED').handling).toBe('delay');
    expect(faultStatus('REALM_BUSY').handling).toBe('delay');
    expect(faultStatus('SERVER_ERROR').handling).toBe('retry');
    expect(faultStatus('TIMEOUT').handling).toBe('retry');
    expect(faultStatus('VALIDATION', 'Amount is invalid')).toMatchObject({ handling: 'fail', status: 'failed' });
    expect(faultStatus('VALIDATION', 'Amount is invalid').reason).toContain('"Amount is invalid"');
    expect(faultStatus('NEEDS_RECONNECT')).toMatchObject({ handling: 'park', status: 'needs_reconnect' });
    expect(faultStatus('DUPLICATE_DOC_NUMBER').handling).toBe('resolve');
    // Someone else wrote the object meanwhile: never final, a later attempt reads it afresh.
    expect(faultStatus('STALE_OBJECT').handling).toBe('retry');
  });
});

describe('markers', () => {
  it('round-trips, also inside a longer note', () => {
    const m = markerFor('acme', 'invoice', 'INV:1/2');
    expect(parseMarker(noteWithMarker(m, 'Billing invoice 1'))).toEqual({
      tenantId: 'acme',
      entityType: 'invoice',
      externalId: 'INV:1/2',
    });
    expect(isMarkedAs(`note\n${m}`, { tenantId: 'acme', entityType: 'invoice', externalId: 'INV:1/2' })).toBe(true);
    expect(isMarkedAs(m, { tenantId: 'acme', entityType: 'invoice', externalId: 'INV:1' })).toBe(false);
    expect(parseMarker('hand-written note')).toBeUndefined();
    expect(noteWithMarker(m, 'x'.repeat(5000))).toHaveLength(4000);
  });

  it('tells a voided transaction by the note QBO prefixes', () => {
    const m = markerFor('acme', 'payment', 'PAY-1');
    expect(isVoidedInQbo({ PrivateNote: `Voided - ${m}` })).toBe(true);
    expect(isVoidedInQbo({ PrivateNote: 'Voided' })).toBe(true);
    expect(isVoidedInQbo({ PrivateNote: m })).toBe(false);
    expect(isVoidedInQbo({ PrivateNote: 'Voidedness is a word here' })).toBe(false);
    expect(isVoidedInQbo({})).toBe(false);
  });
});

describe('snapshots', () => {
  const at = (iso: string, eventId: string) => ({ occurredAt: new Date(iso), eventId });

  it('lets newer events win and never older ones', () => {
    expect(isNewerSnapshot(at('2024-05-02T00:00:00Z', 'e2'), undefined)).toBe(true);
    expect(isNewerSnapshot(at('2024-05-02T00:00:00Z', 'e2'), at('2024-05-01T00:00:00Z', 'e1'))).toBe(true);
    expect(isNewerSnapshot(at('2024-05-01T00:00:00Z', 'e1'), at('2024-05-02T00:00:00Z', 'e2'))).toBe(false);
    expect(isNewerSnapshot(at('2024-05-01T00:00:00Z', 'b'), at('2024-05-01T00:00:00Z', 'a'))).toBe(true);
    expect(isNewerSnapshot(at('2024-05-01T00:00:00Z', 'a'), at('2024-05-01T00:00:00Z', 'b'))).toBe(false);
  });

  it('stringifies with sorted keys', () => {
    expect(stableStringify({ b: 1, a: [{ d: 2, c: undefined }], e: null })).toBe('{"a":[{"d":2}],"b":1,"e":null}');
  });
});
