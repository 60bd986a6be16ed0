import { describe, expect, it } from '@jest/globals';
import { invoice, payment, refund, unvalidatedInvoice } from './__fixtures__/billing.js';
import {
  type DecideContext,
  decideDocNumberCollision,
  decideInvoiceSync,
  decidePaymentSync,
  decideRefundSync,
  decideVoid,
} from './decide.js';
import type { InvoiceRefs, PaymentRefs, RefundRefs, Resolution } from './mapping.js';

const ctx: DecideContext = {
  tenantId: 'acme',
  settings: { autoSync: true, autoSyncPayments: true },
  connection: 'active',
};
const invRefs: Resolution<InvoiceRefs> = { ok: true, refs: { items: {}, taxCodes: {}, itemsToCreate: [] } };
const payRefs: Resolution<PaymentRefs> = {
  ok: true,
  refs: { paymentMethod: { value: '3' }, depositAccount: { value: '35' } },
};
const refRefs: Resolution<RefundRefs> = {
  ok: true,
  refs: { accountsReceivable: { value: '84' }, refundBank: { value: '35' } },
};
const synced = { status: 'synced' as const, qboId: '130', syncedHash: 'h1' };

describe('decideInvoiceSync', () => {
  const decide = (over: Partial<Parameters<typeof decideInvoiceSync>[0]> = {}) =>
    decideInvoiceSync({ ctx, invoice: invoice(), record: undefined, hash: 'h1', mappings: invRefs, ...over });

  it('skips drafts with a reason', () => {
    expect(decide({ invoice: invoice({ status: 'draft' }) })).toMatchObject({
      action: 'skip',
      status: 'skipped',
      reasonCode: 'DRAFT',
    });
  });

  it('creates, updates on change, and is a no-op for the same version', () => {
    expect(decide()).toMatchObject({ action: 'create' });
    expect(decide({ record: synced, hash: 'h2' })).toMatchObject({ action: 'update' });
    expect(decide({ record: synced })).toMatchObject({ action: 'noop' });
    expect(decide({ record: { ...synced, status: 'failed' } })).toMatchObject({ action: 'update' });
  });

  it('parks with needs_sync when auto-sync is off, unless a person asked', () => {
    const off = { ...ctx, settings: { autoSync: false, autoSyncPayments: true } };
    expect(decide({ ctx: off })).toMatchObject({ action: 'park', status: 'needs_sync', reasonCode: 'AUTO_SYNC_OFF' });
    expect(decide({ ctx: { ...off, manual: true } })).toMatchObject({ action: 'create' });
  });

  it('parks needs_reconnect before looking at mappings', () => {
    const r = decide({
      ctx: { ...ctx, connection: 'needs_reconnect' },
      mappings: { ok: false, missing: [{ kind: 'item', key: 'X' }] },
    });
    expect(r).toMatchObject({ status: 'needs_reconnect', reasonCode: 'NEEDS_RECONNECT' });
    expect(decide({ ctx: { ...ctx, connection: 'missing' } })).toMatchObject({
      status: 'needs_reconnect',
      reasonCode: 'NOT_CONNECTED',
    });
  });

  it('parks needs_mapping with every missing key', () => {
    const missing = [
      { kind: 'item' as const, key: 'ITM-7', label: 'Packing tape' },
      { kind: 'tax_code' as const, key: 'GST' },
    ];
    const r = decide({ mappings: { ok: false, missing } });
    expect(r).toMatchObject({
      action: 'park',
      status: 'needs_mapping',
      reasonCode: 'MISSING_MAPPING',
      details: { missing },
    });
    expect(r.action === 'park' && r.reason).toContain("Item 'Packing tape' (billing id ITM-7)");
  });

  it('fails a totals mismatch with the difference named', () => {
    // Refused at ingest today (contracts); a snapshot stored before that rule is still checked here.
    const r = decide({
      invoice: unvalidatedInvoice({ totals: { subtotal: '145.50', tax: '10.00', total: '160.00' } }),
    });
    expect(r).toMatchObject({
      action: 'park',
      status: 'failed',
      reasonCode: 'TOTALS_MISMATCH',
      details: { difference: '4.50' },
    });
  });

  it('voids a synced invoice; one voided before it synced is posted then voided, or skipped by setting', () => {
    expect(decide({ invoice: invoice({ status: 'void' }), record: synced })).toEqual({ action: 'void' });
    expect(decide({ voidRequested: true, record: { ...synced, status: 'waiting' } })).toEqual({ action: 'void' });
    expect(decide({ invoice: invoice({ status: 'void' }) })).toEqual({
      action: 'create',
      refs: invRefs.refs,
      voidAfter: true,
    });
    expect(decide({ voidRequested: true, record: { status: 'waiting', qboId: null, syncedHash: null } })).toEqual({
      action: 'create',
      refs: invRefs.refs,
      voidAfter: true,
    });
    const skip = { ...ctx, settings: { ...ctx.settings, voidsBeforeSync: 'skip' as const } };
    expect(decide({ ctx: skip, voidRequested: true })).toMatchObject({ action: 'mark_voided' });
    expect(decide({ ctx: skip, invoice: invoice({ status: 'void' }) })).toMatchObject({ action: 'mark_voided' });
    // A voided draft was never issued: nothing to account for.
    expect(decide({ invoice: invoice({ status: 'draft' }), voidRequested: true })).toMatchObject({
      action: 'mark_voided',
    });
    // The void sticks: a late original (or any later event) changes nothing.
    expect(decide({ record: { ...synced, status: 'voided' } })).toMatchObject({ action: 'noop' });
    expect(decide({ record: { status: 'voided', qboId: null, syncedHash: null } })).toMatchObject({ action: 'noop' });
  });

  it('an invoice voided as a draft is posted and voided once a state sent before the void arrives', () => {
    const draftVoided = { status: 'voided', qboId: null, syncedHash: null, reasonCode: 'VOIDED_AS_DRAFT' };
    expect(decide({ invoice: invoice({ status: 'draft' }), voidRequested: true })).toMatchObject({
      action: 'mark_voided',
      reasonCode: 'VOIDED_AS_DRAFT',
    });
    expect(decide({ record: draftVoided })).toEqual({ action: 'create', refs: invRefs.refs, voidAfter: true });
    // Still a draft: nothing to post. Voided some other way (in QBO, or skipped by setting): final.
    expect(decide({ record: draftVoided, invoice: invoice({ status: 'draft' }) })).toMatchObject({ action: 'noop' });
    expect(decide({ record: { ...draftVoided, reasonCode: null } })).toMatchObject({ action: 'noop' });
    expect(decide({ record: { ...draftVoided, qboId: '77' } })).toMatchObject({ action: 'noop' });
    const skip = { ...ctx, settings: { ...ctx.settings, voidsBeforeSync: 'skip' as const } };
    expect(decide({ ctx: skip, record: draftVoided })).toMatchObject({ action: 'mark_voided' });
  });

  it('a voided invoice still passes the gates before it is posted', () => {
    expect(decide({ voidRequested: true, ctx: { ...ctx, connection: 'needs_reconnect' } })).toMatchObject({
      action: 'park',
      status: 'needs_reconnect',
    });
  });
});

describe('decidePaymentSync', () => {
  const decide = (over: Partial<Parameters<typeof decidePaymentSync>[0]> = {}) =>
    decidePaymentSync({
      ctx,
      payment: payment(),
      record: undefined,
      hash: 'p1',
      mappings: payRefs,
      invoice: { status: 'synced', qboId: '130' },
      ...over,
    });

  it('links to the synced invoice', () => {
    expect(decide()).toEqual({ action: 'create', refs: payRefs.ok && payRefs.refs, invoiceQboId: '130' });
  });

  it('waits for an invoice that is not in QBO yet', () => {
    for (const inv of [
      undefined,
      { status: 'pending' as const, qboId: null },
      { status: 'needs_mapping' as const, qboId: null },
    ]) {
      expect(decide({ invoice: inv })).toMatchObject({
        action: 'park',
        status: 'waiting',
        reasonCode: 'WAITING_FOR_INVOICE',
        details: { waitingFor: { entityType: 'invoice', externalId: 'INV-1' } },
      });
    }
  });

  it('posts a deposit (no invoice) unapplied', () => {
    expect(decide({ payment: payment({ invoiceId: undefined }), invoice: undefined })).toEqual({
      action: 'create',
      refs: payRefs.ok && payRefs.refs,
    });
  });

  it('parks needs_sync when payment auto-sync is off', () => {
    const r = decide({ ctx: { ...ctx, settings: { autoSync: true, autoSyncPayments: false } } });
    expect(r).toMatchObject({ status: 'needs_sync', reasonCode: 'PAYMENT_AUTO_SYNC_OFF' });
  });

  it('refuses to apply to a voided invoice, and no-ops a voided payment', () => {
    expect(decide({ invoice: { status: 'voided', qboId: '130' } })).toMatchObject({
      status: 'failed',
      reasonCode: 'INVOICE_VOIDED',
    });
    expect(decide({ record: { status: 'voided', qboId: '9', syncedHash: 'p1' } })).toMatchObject({ action: 'noop' });
  });

  it('updates a synced deposit that now names its invoice', () => {
    expect(decide({ record: { status: 'synced', qboId: '9', syncedHash: 'p0' } })).toMatchObject({
      action: 'update',
      invoiceQboId: '130',
    });
  });
});

describe('decideRefundSync', () => {
  const decide = (over: Partial<Parameters<typeof decideRefundSync>[0]> = {}) =>
    decideRefundSync({
      ctx,
      refund: refund(),
      record: undefined,
      mappings: refRefs,
      payment: { status: 'synced', qboId: '9' },
      ...over,
    });

  it('creates after its payment synced', () => {
    expect(decide()).toMatchObject({ action: 'create', paymentQboId: '9' });
  });

  it('waits for its payment', () => {
    expect(decide({ payment: undefined })).toMatchObject({
      status: 'waiting',
      reasonCode: 'WAITING_FOR_PAYMENT',
      details: { waitingFor: { entityType: 'payment', externalId: 'PAY-1' } },
    });
    expect(decide({ payment: { status: 'waiting', qboId: null } })).toMatchObject({ status: 'waiting' });
  });

  it('needs both refund accounts mapped', () => {
    expect(decide({ mappings: { ok: false, missing: [{ kind: 'account', key: 'refund_bank' }] } })).toMatchObject({
      status: 'needs_mapping',
    });
  });

  it('is a no-op once synced', () => {
    expect(decide({ record: { status: 'synced', qboId: '77', syncedHash: null } })).toMatchObject({ action: 'noop' });
  });
});

describe('decideVoid', () => {
  const pending = { status: 'pending', qboId: null, syncedHash: null };
  it('voids what is in QBO', () => {
    expect(decideVoid({ ctx, record: synced, entity: 'invoice' })).toEqual({ action: 'void', qboId: '130' });
    expect(decideVoid({ ctx, record: { ...synced, status: 'voided' }, entity: 'invoice' })).toMatchObject({
      action: 'noop',
    });
    expect(
      decideVoid({ ctx: { ...ctx, connection: 'needs_reconnect' }, record: synced, entity: 'payment' }),
    ).toMatchObject({ status: 'needs_reconnect' });
  });

  it('posts and voids what never got there (or waits for its data); the skip setting only marks it', () => {
    expect(decideVoid({ ctx, record: pending, entity: 'invoice', hasSnapshot: true })).toEqual({
      action: 'post_and_void',
    });
    expect(decideVoid({ ctx, record: undefined, entity: 'invoice' })).toMatchObject({
      action: 'park',
      status: 'waiting',
      reasonCode: 'VOID_BEFORE_ORIGINAL',
    });
    const skip = { ...ctx, settings: { ...ctx.settings, voidsBeforeSync: 'skip' as const } };
    expect(decideVoid({ ctx: skip, record: pending, entity: 'payment', hasSnapshot: true })).toMatchObject({
      action: 'mark_voided',
    });
  });
});

describe('decidePaymentSync voided before it synced', () => {
  const decide = (over: Partial<Parameters<typeof decidePaymentSync>[0]> = {}) =>
    decidePaymentSync({ ctx, payment: payment(), record: undefined, hash: 'h1', mappings: payRefs, ...over });
  it('posts it unapplied then voids it, without waiting for its invoice; skip marks it only', () => {
    expect(decide({ voidRequested: true, invoice: undefined })).toEqual({
      action: 'create',
      refs: payRefs.refs,
      voidAfter: true,
    });
    const skip = { ...ctx, settings: { ...ctx.settings, voidsBeforeSync: 'skip' as const } };
    expect(decide({ ctx: skip, voidRequested: true })).toMatchObject({ action: 'mark_voided' });
    expect(decide({ voidRequested: true, record: { status: 'synced', qboId: '77', syncedHash: 'x' } })).toMatchObject({
      action: 'noop',
    });
  });
});

describe('decideDocNumberCollision', () => {
  it('adopts an invoice that carries our marker', () => {
    const ours = {
      Id: '130',
      SyncToken: '0',
      DocNumber: 'INV-1',
      PrivateNote: 'qbo-sync:acme:invoice:INV-1\nBilling invoice INV-1',
    };
    expect(
      decideDocNumberCollision({ tenantId: 'acme', invoiceId: 'INV-1', docNumber: 'INV-1', existing: [ours] }),
    ).toEqual({ action: 'adopt', invoice: ours });
  });

  it("reports a conflict for someone else's invoice", () => {
    const foreign = { Id: '77', SyncToken: '0', DocNumber: 'INV-1', PrivateNote: 'qbo-sync:acme:invoice:INV-OTHER' };
    const r = decideDocNumberCollision({
      tenantId: 'acme',
      invoiceId: 'INV-1',
      docNumber: 'INV-1',
      existing: [foreign],
    });
    expect(r).toMatchObject({
      action: 'park',
      status: 'conflict',
      reasonCode: 'DOC_NUMBER_CONFLICT',
      details: { qboId: '77' },
    });
    expect(r.action === 'park' && r.reason).toContain('Invoice number INV-1 is already used');
  });
});
