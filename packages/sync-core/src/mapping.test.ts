import { describe, expect, it } from '@jest/globals';
import { invoice, payment, refund } from './__fixtures__/billing.js';
import {
  describeMissing,
  MappingTable,
  resolveInvoiceMappings,
  resolvePaymentMappings,
  resolveRefundMappings,
  staleItemMappings,
} from './mapping.js';

const table = new MappingTable([
  { kind: 'item', externalKey: 'ITM-LABOR', qboId: '1', qboName: 'Moving Labor' },
  { kind: 'payment_method', externalKey: 'card', qboId: '3' },
  { kind: 'deposit_account', externalKey: 'USD', qboId: '35' },
  { kind: 'account', externalKey: 'accounts_receivable', qboId: '84' },
]);

describe('resolveInvoiceMappings', () => {
  it('names every missing item, never dropping a line', () => {
    const inv = invoice({
      lines: [
        ...invoice().lines,
        { id: 'L3', kind: 'item', itemId: 'ITM-9', quantity: '1', unitPrice: '1', amount: '1.00', taxCode: 'GST' },
        { id: 'L4', kind: 'item', itemId: 'ITM-7', quantity: '1', unitPrice: '1', amount: '1.00' },
      ],
    });
    expect(resolveInvoiceMappings(inv, table)).toEqual({
      ok: false,
      missing: [
        { kind: 'item', key: 'ITM-7', label: 'Packing tape' },
        { kind: 'item', key: 'ITM-9' },
        { kind: 'tax_code', key: 'GST' },
        { kind: 'item', key: 'sales_tax', label: 'Sales tax' },
      ],
    });
  });

  it('needs a sales-tax item for taxed invoices unless QBO computes sales tax', () => {
    const t = new MappingTable([
      { kind: 'item', externalKey: 'ITM-LABOR', qboId: '1' },
      { kind: 'item', externalKey: 'ITM-7', qboId: '2' },
    ]);
    expect(resolveInvoiceMappings(invoice(), t)).toEqual({
      ok: false,
      missing: [{ kind: 'item', key: 'sales_tax', label: 'Sales tax' }],
    });
    expect(resolveInvoiceMappings(invoice(), t, { usingSalesTax: true }).ok).toBe(true);
    const untaxed = invoice({ totals: { subtotal: '145.50', tax: '0', total: '145.50' } });
    expect(resolveInvoiceMappings(untaxed, t).ok).toBe(true);
    expect(describeMissing([{ kind: 'item', key: 'sales_tax', label: 'Sales tax' }], 'invoice')).toContain(
      'Mappings → Items',
    );
  });

  it('resolves items and passes the US TAX/NON codes through', () => {
    const t = new MappingTable([
      { kind: 'item', externalKey: 'ITM-LABOR', qboId: '1', qboName: 'Moving Labor' },
      { kind: 'item', externalKey: 'ITM-7', qboId: '2' },
      { kind: 'item', externalKey: 'sales_tax', qboId: '5' },
    ]);
    expect(resolveInvoiceMappings(invoice(), t)).toEqual({
      ok: true,
      refs: {
        items: { 'ITM-LABOR': { value: '1', name: 'Moving Labor' }, 'ITM-7': { value: '2' } },
        taxCodes: { TAX: { value: 'TAX' } },
        itemsToCreate: [],
        taxItem: { value: '5' },
      },
    });
  });

  it('ignores balance-forward lines', () => {
    const inv = invoice({
      lines: [
        ...invoice().lines.slice(0, 1),
        { id: 'BF', kind: 'balance_forward', itemId: 'ANY', quantity: '1', unitPrice: '50', amount: '50.00' },
      ],
    });
    expect(resolveInvoiceMappings(inv, table, { usingSalesTax: true }).ok).toBe(true);
  });

  it('lists unmapped items to create when the tenant opts in', () => {
    const r = resolveInvoiceMappings(invoice(), table, { createMissingItems: true, usingSalesTax: true });
    expect(r).toMatchObject({ ok: true, refs: { itemsToCreate: [{ itemId: 'ITM-7', name: 'Packing tape' }] } });
  });
});

describe('payment and refund mappings', () => {
  it('resolves payment method and the deposit account by currency', () => {
    expect(resolvePaymentMappings(payment(), table)).toEqual({
      ok: true,
      refs: { paymentMethod: { value: '3' }, depositAccount: { value: '35' } },
    });
    expect(resolvePaymentMappings(payment({ method: 'ach', currency: 'CAD' }), table)).toEqual({
      ok: false,
      missing: [
        { kind: 'payment_method', key: 'ach' },
        { kind: 'deposit_account', key: 'CAD' },
      ],
    });
  });

  it('needs both refund accounts', () => {
    expect(resolveRefundMappings(refund(), table)).toEqual({
      ok: false,
      missing: [{ kind: 'account', key: 'refund_bank' }],
    });
  });
});

describe('describeMissing', () => {
  it('writes a sentence support staff can act on', () => {
    expect(describeMissing([{ kind: 'item', key: 'ITM-7', label: 'Packing tape' }], 'invoice')).toBe(
      "Item 'Packing tape' (billing id ITM-7) is not mapped to a QuickBooks product. Map it under Mappings → Items; the invoice will sync by itself.",
    );
    expect(describeMissing([{ kind: 'account', key: 'refund_bank' }], 'refund')).toContain(
      'the bank account refunds are paid from',
    );
  });
});

describe('staleItemMappings', () => {
  const refs = { items: { 'ITM-LABOR': { value: '1', name: 'Moving Labor' }, 'ITM-7': { value: '2' } } };
  const inv = invoice({
    lines: [
      { id: 'L1', kind: 'item', itemId: 'ITM-LABOR', quantity: '1', unitPrice: '1', amount: '1.00' },
      { id: 'L2', kind: 'item', itemId: 'ITM-7', description: 'Tape', quantity: '1', unitPrice: '1', amount: '1.00' },
      { id: 'L3', kind: 'item', itemId: 'ITM-7', quantity: '1', unitPrice: '1', amount: '1.00' },
    ],
  });

  it('names each billing item whose QBO item is inactive or gone, once, and says what to do', () => {
    const missing = staleItemMappings(inv, refs, [{ Id: '2', Name: 'Tape (deleted)', Active: false }]);
    expect(missing).toEqual([
      { kind: 'item', key: 'ITM-LABOR', stale: { qboId: '1', qboName: 'Moving Labor', problem: 'not_found' } },
      {
        kind: 'item',
        key: 'ITM-7',
        label: 'Tape',
        stale: { qboId: '2', qboName: 'Tape (deleted)', problem: 'inactive' },
      },
    ]);
    expect(describeMissing(missing, 'invoice')).toContain(
      "Item 'Tape' (billing id ITM-7) is mapped to QuickBooks product 'Tape (deleted)' (id 2), which was made inactive in QuickBooks. Map it to an active product under Mappings → Items",
    );
  });

  it('finds nothing when every mapped item is active (the refusal was about something else)', () => {
    expect(staleItemMappings(inv, refs, [{ Id: '1', Active: true }, { Id: '2' }])).toEqual([]);
  });
});
