import { describe, expect, it } from '@jest/globals';
import { invoice, payment, refund, unvalidatedInvoice } from './__fixtures__/billing.js';
import { buildInvoicePayload } from './invoice-payload.js';
import { qboLink } from './links.js';
import type { InvoiceRefs } from './mapping.js';
import { isMarkedAs, parseMarker } from './marker.js';
import {
  buildApplyDepositUpdate,
  buildPaymentPayload,
  buildRefundPurchasePayload,
  unappliedCents,
} from './payment-payload.js';
import { checkInvoiceTotals } from './totals.js';

const refs: InvoiceRefs = {
  items: { 'ITM-LABOR': { value: '1', name: 'Moving Labor' }, 'ITM-7': { value: '2', name: 'Packing Materials' } },
  taxCodes: { TAX: { value: 'TAX' } },
  itemsToCreate: [],
};

describe('buildInvoicePayload', () => {
  it('builds lines, dates, doc number, tax and our marker', () => {
    const r = buildInvoicePayload({ tenantId: 'acme', invoice: invoice(), customerRef: { value: '58' }, refs });
    expect(r).toEqual({
      ok: true,
      docNumber: 'INV-2024-0001',
      totalCents: 15550n,
      payload: {
        CustomerRef: { value: '58' },
        DocNumber: 'INV-2024-0001',
        TxnDate: '2024-05-01',
        DueDate: '2024-05-31',
        PrivateNote: 'qbo-sync:acme:invoice:INV-1\nBilling invoice INV-2024-0001',
        TxnTaxDetail: { TotalTax: 10 },
        Line: [
          {
            DetailType: 'SalesItemLineDetail',
            Amount: 120,
            Description: 'Moving labor',
            SalesItemLineDetail: {
              ItemRef: { value: '1', name: 'Moving Labor' },
              Qty: 2,
              UnitPrice: 60,
              TaxCodeRef: { value: 'TAX' },
            },
          },
          {
            DetailType: 'SalesItemLineDetail',
            Amount: 25.5,
            Description: 'Packing tape',
            SalesItemLineDetail: { ItemRef: { value: '2', name: 'Packing Materials' }, Qty: 1, UnitPrice: 25.5 },
          },
        ],
      },
    });
    if (r.ok)
      expect(isMarkedAs(r.payload.PrivateNote, { tenantId: 'acme', entityType: 'invoice', externalId: 'INV-1' })).toBe(
        true,
      );
  });

  it('posts tax as its own line on the mapped sales-tax item', () => {
    const r = buildInvoicePayload({
      tenantId: 'acme',
      invoice: invoice(),
      customerRef: { value: '58' },
      refs: { ...refs, taxItem: { value: '9' } },
    });
    expect(r.ok && r.payload.TxnTaxDetail).toBeUndefined();
    expect(r.ok && r.payload.Line[2]).toEqual({
      DetailType: 'SalesItemLineDetail',
      Amount: 10,
      Description: 'Sales tax',
      SalesItemLineDetail: { ItemRef: { value: '9' }, Qty: 1, UnitPrice: 10 },
    });
  });

  it('shortens long numbers and leaves balance-forward lines out', () => {
    const inv = invoice({
      number: 'MOVE-2024-BOSTON-000123456',
      lines: [
        ...invoice().lines,
        { id: 'BF', kind: 'balance_forward', itemId: 'BAL', quantity: '1', unitPrice: '40', amount: '40.00' },
      ],
      totals: { subtotal: '185.50', tax: '10.00', total: '195.50' },
    });
    const r = buildInvoicePayload({ tenantId: 'acme', invoice: inv, customerRef: { value: '58' }, refs });
    expect(r.ok && r.payload.DocNumber).toBe('MOVE-...TON-000123456');
    expect(r.ok && r.payload.Line).toHaveLength(2);
    expect(r.ok && r.totalCents).toBe(15550n);
  });

  it('omits DocNumber when QBO numbers invoices itself', () => {
    const r = buildInvoicePayload({
      tenantId: 'acme',
      invoice: invoice(),
      customerRef: { value: '58' },
      refs,
      options: { customTxnNumbers: false },
    });
    expect(r.ok && r.payload.DocNumber).toBeUndefined();
  });

  it('refuses totals that are off by a cent, naming the difference', () => {
    const inv = unvalidatedInvoice({ totals: { subtotal: '145.50', tax: '10.00', total: '155.51' } });
    const r = buildInvoicePayload({ tenantId: 'acme', invoice: inv, customerRef: { value: '58' }, refs });
    expect(r).toMatchObject({
      ok: false,
      mismatch: { code: 'TOTALS_MISMATCH', expected: '155.51', computed: '155.50', difference: '0.01' },
    });
    expect(!r.ok && r.mismatch.message).toContain('difference 0.01');
  });

  it('refuses a line whose amount is not quantity × unit price', () => {
    const bad = invoice().lines.map((l) => (l.id === 'L2' ? { ...l, amount: '25.00' } : l));
    const check = checkInvoiceTotals(
      invoice({ lines: bad, totals: { subtotal: '145.00', tax: '10.00', total: '155.00' } }),
    );
    expect(check).toMatchObject({
      ok: false,
      mismatch: { lines: [{ lineId: 'L2', amount: '25.00', computed: '25.50' }], difference: '0.00' },
    });
  });
});

describe('payments', () => {
  const prefs = { paymentMethod: { value: '3' }, depositAccount: { value: '35' } };

  it('links a payment to its invoice', () => {
    expect(
      buildPaymentPayload({
        tenantId: 'acme',
        payment: payment(),
        customerRef: { value: '58' },
        refs: prefs,
        invoice: { qboId: '130' },
      }),
    ).toEqual({
      CustomerRef: { value: '58' },
      TotalAmt: 155.5,
      TxnDate: '2024-05-03',
      PaymentMethodRef: { value: '3' },
      DepositToAccountRef: { value: '35' },
      PaymentRefNum: 'ch_1234',
      PrivateNote: 'qbo-sync:acme:payment:PAY-1',
      Line: [{ Amount: 155.5, LinkedTxn: [{ TxnId: '130', TxnType: 'Invoice' }] }],
    });
  });

  it('applies at most the open balance and shortens long references', () => {
    const body = buildPaymentPayload({
      tenantId: 'acme',
      payment: payment({ amount: '200.00', reference: 'ch_3PqRsTuVwXyZ0123456789' }),
      customerRef: { value: '58' },
      refs: prefs,
      invoice: { qboId: '130', balanceCents: 15550n },
    });
    expect(body.Line).toEqual([{ Amount: 155.5, LinkedTxn: [{ TxnId: '130', TxnType: 'Invoice' }] }]);
    expect(body.PaymentRefNum).toBe('ch_3P...XyZ0123456789');
  });

  it('posts a deposit without lines (unapplied)', () => {
    const body = buildPaymentPayload({
      tenantId: 'acme',
      payment: payment({ invoiceId: undefined, amount: '50' }),
      customerRef: { value: '58' },
      refs: prefs,
    });
    expect(body.Line).toBeUndefined();
    expect(body.TotalAmt).toBe(50);
  });

  it('applies a deposit to an invoice resending every existing line', () => {
    const existing = { Amount: 10, LinkedTxn: [{ TxnId: '99', TxnType: 'Invoice' as const }] };
    const r = buildApplyDepositUpdate({
      payment: { Id: '200', SyncToken: '2', TotalAmt: 50, Line: [existing] },
      invoiceQboId: '130',
      invoiceBalanceCents: 15550n,
    });
    expect(r).toEqual({
      appliedCents: 4000n,
      update: {
        Id: '200',
        SyncToken: '2',
        sparse: true,
        Line: [existing, { Amount: 40, LinkedTxn: [{ TxnId: '130', TxnType: 'Invoice' }] }],
      },
    });
  });

  it('does nothing when the deposit is already applied or spent', () => {
    const linked = {
      Id: '200',
      SyncToken: '3',
      TotalAmt: 50,
      Line: [{ Amount: 50, LinkedTxn: [{ TxnId: '130', TxnType: 'Invoice' as const }] }],
    };
    expect(
      buildApplyDepositUpdate({ payment: linked, invoiceQboId: '130', invoiceBalanceCents: 100n }),
    ).toBeUndefined();
    expect(
      buildApplyDepositUpdate({
        payment: { ...linked, UnappliedAmt: 0 },
        invoiceQboId: '131',
        invoiceBalanceCents: 100n,
      }),
    ).toBeUndefined();
    expect(unappliedCents({ Id: '1', SyncToken: '0', TotalAmt: 50, UnappliedAmt: 12.34 })).toBe(1234n);
  });
});

describe('refund purchase', () => {
  it('posts an expense from the refund bank with one A/R line for the customer', () => {
    const body = buildRefundPurchasePayload({
      tenantId: 'acme',
      refund: refund({ reference: 'RF-2024-000000000000099' }),
      customerRef: { value: '58', name: 'John Brown' },
      refs: { accountsReceivable: { value: '84' }, refundBank: { value: '35' } },
    });
    expect(body).toEqual({
      PaymentType: 'Cash',
      AccountRef: { value: '35' },
      EntityRef: { value: '58', name: 'John Brown', type: 'Customer' },
      TxnDate: '2024-05-10',
      DocNumber: 'RF-20...0000000000099',
      PrivateNote: 'qbo-sync:acme:refund:REF-1',
      TotalAmt: 20,
      Line: [
        {
          DetailType: 'AccountBasedExpenseLineDetail',
          Amount: 20,
          Description: 'Refund of payment PAY-1',
          AccountBasedExpenseLineDetail: {
            AccountRef: { value: '84' },
            CustomerRef: { value: '58', name: 'John Brown' },
          },
        },
      ],
    });
    expect(parseMarker(body.PrivateNote)).toEqual({ tenantId: 'acme', entityType: 'refund', externalId: 'REF-1' });
  });

  it("carries the refund's reason and memo into the expense's memo (PrivateNote), after our marker", () => {
    const body = buildRefundPurchasePayload({
      tenantId: 'acme',
      refund: refund({ reason: 'Damaged in transit', memo: 'Lamp, order 17' }),
      customerRef: { value: '58' },
      refs: { accountsReceivable: { value: '84' }, refundBank: { value: '35' } },
    });
    expect(body.PrivateNote).toBe('qbo-sync:acme:refund:REF-1\nReason: Damaged in transit\nLamp, order 17');
    expect(parseMarker(body.PrivateNote)?.externalId).toBe('REF-1');
    const reasonOnly = buildRefundPurchasePayload({
      tenantId: 'acme',
      refund: refund({ reason: 'Overcharge' }),
      customerRef: { value: '58' },
      refs: { accountsReceivable: { value: '84' }, refundBank: { value: '35' } },
    });
    expect(reasonOnly.PrivateNote).toBe('qbo-sync:acme:refund:REF-1\nReason: Overcharge');
  });
});

describe('qboLink', () => {
  it('builds View in QuickBooks links', () => {
    expect(qboLink('https://app.qbo.intuit.com/app/', 'Invoice', '130')).toBe(
      'https://app.qbo.intuit.com/app/invoice?txnId=130',
    );
    expect(qboLink('http://127.0.0.1:4010/app', 'Payment', '7')).toBe('http://127.0.0.1:4010/app/recvpayment?txnId=7');
    expect(qboLink('x', 'Purchase', '8')).toBe('x/expense?txnId=8');
    expect(qboLink('x', 'Customer', '9')).toBe('x/customerdetail?nameId=9');
  });
});
