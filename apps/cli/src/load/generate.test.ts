import { describe, expect, it } from '@jest/globals';
import { type DomainEventInput, validateEvent } from '@qbo-sync/contracts';
import { parseScaled, toCents } from '@qbo-sync/sync-core';
import { generateLoad, type LoadPlan } from './generate.js';

const plan: LoadPlan = {
  tenantId: 'load-test',
  invoices: 300,
  runId: 'r1test',
  seed: 42,
  paymentShare: 0.6,
  source: 'backfill',
  startDate: '2026-03-01',
  occurredAt: '2026-03-01T12:00:00Z',
};

const events = [...generateLoad(plan)];
const byType = (type: DomainEventInput['type']) => events.filter((e) => e.type === type);

describe('generateLoad', () => {
  it('produces only events the contract accepts, with unique ids, for the planned tenant and source', () => {
    for (const event of events) {
      const result = validateEvent(event);
      expect(result.ok ? 'valid' : JSON.stringify(result.issues)).toBe('valid');
      expect(event.tenantId).toBe('load-test');
      expect(event.source).toBe('backfill');
    }
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
  });

  it('makes the planned number of invoices, payments for about the planned share, and repeat customers', () => {
    expect(byType('invoice.sent')).toHaveLength(300);
    const payments = byType('payment.accepted').length;
    expect(payments).toBeGreaterThan(120);
    expect(payments).toBeLessThan(240);
    const customers = byType('customer.updated').length;
    expect(customers).toBeGreaterThan(0);
    expect(customers).toBeLessThanOrEqual(100);
  });

  it('keeps amounts exact: line = quantity × unit price, total = sum of lines, payment ≤ total', () => {
    const totals = new Map<string, bigint>();
    for (const event of byType('invoice.sent')) {
      if (event.type !== 'invoice.sent') continue;
      let sum = 0n;
      for (const line of event.data.lines) {
        // quantity has at most one decimal (.5): price × 10·qty / 10 must be whole cents.
        const tenthQty = parseScaled(line.quantity, 1);
        expect((toCents(line.unitPrice) * tenthQty) % 10n).toBe(0n);
        expect(toCents(line.amount)).toBe((toCents(line.unitPrice) * tenthQty) / 10n);
        sum += toCents(line.amount);
      }
      expect(toCents(event.data.totals.total)).toBe(sum);
      expect(event.data.totals.subtotal).toBe(event.data.totals.total);
      totals.set(event.data.id, sum);
    }
    for (const event of byType('payment.accepted')) {
      if (event.type !== 'payment.accepted') continue;
      const total = totals.get(event.data.invoiceId ?? '');
      expect(total).toBeDefined();
      expect(toCents(event.data.amount) <= (total ?? 0n)).toBe(true);
    }
  });

  it('orders a customer before its first invoice and an invoice before its payment', () => {
    const seen = new Set<string>();
    for (const event of events) {
      if (event.type === 'customer.updated') seen.add(event.data.id);
      if (event.type === 'invoice.sent') {
        expect(seen.has(event.data.customer.id)).toBe(true);
        seen.add(event.data.id);
      }
      if (event.type === 'payment.accepted') expect(seen.has(event.data.invoiceId ?? '')).toBe(true);
    }
  });

  it('is reproducible for a seed and differs for another', () => {
    expect([...generateLoad(plan)]).toEqual(events);
    expect([...generateLoad({ ...plan, seed: 43 })]).not.toEqual(events);
  });
});
