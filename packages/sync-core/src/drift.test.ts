import { describe, expect, it } from '@jest/globals';
import { describeDrift, detectDrift, driftAction, fingerprintOf } from './drift.js';

const invoice = (over: Record<string, unknown> = {}) => ({
  Id: '7',
  SyncToken: '0',
  CustomerRef: { value: '58' },
  TotalAmt: 370,
  Balance: 370,
  Line: [
    { DetailType: 'SalesItemLineDetail', Amount: 360, SalesItemLineDetail: { ItemRef: { value: '1' } } },
    { DetailType: 'SalesItemLineDetail', Amount: 10, SalesItemLineDetail: { ItemRef: { value: '2' } } },
    { DetailType: 'SubTotalLineDetail', Amount: 370 },
  ],
  ...over,
});
const payment = (applied: number, over: Record<string, unknown> = {}) => ({
  Id: '9',
  SyncToken: '0',
  CustomerRef: { value: '58' },
  TotalAmt: 370,
  Line: applied > 0 ? [{ Amount: applied, LinkedTxn: [{ TxnId: '7', TxnType: 'Invoice' }] }] : [],
  ...over,
});
const ours = fingerprintOf('invoice', invoice());

describe('fingerprintOf', () => {
  it('keeps what we own of an invoice: total, customer, item lines (not subtotals or balance)', () => {
    expect(ours).toEqual({ total: '370.00', customerId: '58', voided: false, lines: ['1:360.00', '2:10.00'] });
  });
  it('recognises a voided invoice and sums what a payment applies', () => {
    expect(fingerprintOf('invoice', invoice({ TotalAmt: 0, PrivateNote: 'Voided', Line: [] })).voided).toBe(true);
    expect(fingerprintOf('payment', payment(120.5)).applied).toBe('120.50');
  });
});

describe('detectDrift', () => {
  it('never flags our own version (same SyncToken), even if fields differ from the record', () => {
    const seen = { deleted: false as const, syncToken: '3', fingerprint: { ...ours, total: '1.00' } };
    expect(detectDrift({ syncToken: '3', fingerprint: ours }, seen).drift).toBe(false);
  });
  it('ignores a new SyncToken that changed nothing we sent (a payment linked, a memo edited)', () => {
    const seen = {
      deleted: false as const,
      syncToken: '4',
      fingerprint: fingerprintOf('invoice', invoice({ Balance: 0 })),
    };
    expect(detectDrift({ syncToken: '3', fingerprint: ours }, seen)).toEqual({
      drift: false,
      reason: 'nothing we sent changed in QuickBooks',
    });
  });
  it('reports a deletion, a void and an edited amount with old → new', () => {
    expect(detectDrift({ syncToken: '3', fingerprint: ours }, { deleted: true })).toMatchObject({ kind: 'deleted' });
    const voided = fingerprintOf('invoice', invoice({ TotalAmt: 0, PrivateNote: 'Voided', Line: [] }));
    expect(
      detectDrift({ syncToken: '3', fingerprint: ours }, { deleted: false, syncToken: '4', fingerprint: voided }),
    ).toMatchObject({ kind: 'voided' });
    const edited = fingerprintOf(
      'invoice',
      invoice({
        TotalAmt: 420,
        Line: [
          { DetailType: 'SalesItemLineDetail', Amount: 410, SalesItemLineDetail: { ItemRef: { value: '1' } } },
          { DetailType: 'SalesItemLineDetail', Amount: 10, SalesItemLineDetail: { ItemRef: { value: '2' } } },
        ],
      }),
    );
    expect(
      detectDrift({ syncToken: '3', fingerprint: ours }, { deleted: false, syncToken: '4', fingerprint: edited }),
    ).toEqual({
      drift: true,
      kind: 'edited',
      changes: [
        { field: 'total', old: '370.00', new: '420.00' },
        { field: 'lines', old: '1:360.00, 2:10.00', new: '1:410.00, 2:10.00' },
      ],
    });
  });
  it('calls a payment that applies less than we applied "unapplied", compared as money not text', () => {
    const mine = fingerprintOf('payment', payment(370));
    const seen = { deleted: false as const, syncToken: '1', fingerprint: fingerprintOf('payment', payment(0)) };
    expect(detectDrift({ syncToken: '0', fingerprint: mine }, seen)).toMatchObject({ kind: 'unapplied' });
    // "90.00" > "370.00" as text; as money it is less.
    const partly = { deleted: false as const, syncToken: '1', fingerprint: fingerprintOf('payment', payment(90)) };
    expect(detectDrift({ syncToken: '0', fingerprint: mine }, partly)).toMatchObject({ kind: 'unapplied' });
  });
  it('compares only the fields we recorded (records synced before fingerprints carry total and customer)', () => {
    const seen = {
      deleted: false as const,
      syncToken: '4',
      fingerprint: fingerprintOf('invoice', invoice({ Line: [] })),
    };
    expect(detectDrift({ syncToken: '3', fingerprint: { total: '370.00', customerId: '58' } }, seen).drift).toBe(false);
  });
});

describe('driftAction and describeDrift', () => {
  const policy = { deleted: 'heal', edited: 'flag' } as const;
  it('follows the tenant policy; a void is always flagged', () => {
    expect(driftAction('deleted', policy)).toBe('heal');
    expect(driftAction('edited', policy)).toBe('flag');
    expect(driftAction('unapplied', { deleted: 'flag', edited: 'heal' })).toBe('heal');
    expect(driftAction('voided', { deleted: 'heal', edited: 'heal' })).toBe('flag');
  });
  it('says what changed, when and what to do', () => {
    const text = describeDrift(
      'invoice',
      'INV-1001',
      'edited',
      [{ field: 'total', old: '370.00', new: '420.00' }],
      new Date('2026-03-01T10:00:00Z'),
      'flag',
    );
    expect(text).toBe(
      "The invoice INV-1001 was changed in QuickBooks (noticed 2026-03-01T10:00:00.000Z): total 370.00 → 420.00. If that was meant, accept QuickBooks' version; otherwise push ours again.",
    );
  });
});
