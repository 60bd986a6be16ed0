import { describe, expect, it } from '@jest/globals';
import { type DomainEventInput, EVENT_TYPES, type EventValidation, validateEvent } from './events.js';
import { EXAMPLE_EVENTS } from './examples.js';

/** Marks a field to delete in `edit`. */
const REMOVE = Symbol('remove');

/**
 * A deep copy of an example with fields set or removed by dotted path (`data.lines.0.amount`), so each
 * test breaks exactly the thing it names.
 */
function edit(event: DomainEventInput, changes: Record<string, unknown>): unknown {
  const copy: unknown = structuredClone(event);
  for (const [path, value] of Object.entries(changes)) {
    const keys = path.split('.');
    const last = keys.pop() as string;
    let node = copy as Record<string, unknown>;
    for (const key of keys) node = node[key] as Record<string, unknown>;
    if (value === REMOVE) delete node[last];
    else node[last] = value;
  }
  return copy;
}

function rejected(result: EventValidation) {
  if (result.ok) throw new Error('expected the event to be rejected');
  return result;
}

function issueAt(result: EventValidation, path: string): string {
  const r = rejected(result);
  const issue = r.issues.find((i) => i.path === path);
  if (!issue) throw new Error(`no issue at ${path}; got ${JSON.stringify(r.issues)}`);
  return issue.message;
}

describe('validateEvent: valid events', () => {
  it.each(EVENT_TYPES)('accepts the %s example and applies defaults', (type) => {
    const result = validateEvent(EXAMPLE_EVENTS[type]);
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    expect(result.event.type).toBe(type);
    expect(result.event.version).toBe(1);
    expect(['live', 'backfill']).toContain(result.event.source);
  });

  it('defaults source to live and line kind to item', () => {
    const result = validateEvent(EXAMPLE_EVENTS['invoice.sent']);
    if (!result.ok || result.event.type !== 'invoice.sent') throw new Error('expected a valid invoice.sent');
    expect(result.event.source).toBe('live');
    expect(result.event.data.lines.map((l) => l.kind)).toEqual(['item', 'item']);
  });

  it('accepts a deposit (payment without invoice) and an occurredAt with an offset', () => {
    const deposit = edit(EXAMPLE_EVENTS['payment.accepted'], {
      'data.invoiceId': REMOVE,
      occurredAt: '2026-03-05T10:31:00.123+05:30',
    });
    expect(validateEvent(deposit).ok).toBe(true);
  });

  it('defaults payments of a close-out to none and a void reason to voided', () => {
    const r1 = validateEvent(edit(EXAMPLE_EVENTS['job.closed_out'], { 'data.payments': REMOVE }));
    expect(r1.ok && r1.event.type === 'job.closed_out' && r1.event.data.payments).toEqual([]);
    const r2 = validateEvent(edit(EXAMPLE_EVENTS['payment.voided'], { 'data.reason': REMOVE }));
    expect(r2.ok && r2.event.type === 'payment.voided' && r2.event.data.reason).toBe('voided');
  });
});

describe('validateEvent: unknown types and versions', () => {
  it('names the unknown type and lists the supported ones', () => {
    const result = rejected(validateEvent({ ...EXAMPLE_EVENTS['invoice.sent'], type: 'invoice.created' }));
    expect(result.code).toBe('unknown_event_type');
    expect(result.issues).toEqual([
      {
        path: 'type',
        message: expect.stringContaining('unknown event type "invoice.created"; supported: invoice.sent'),
      },
    ]);
    for (const t of EVENT_TYPES) expect(result.issues[0]?.message).toContain(t);
  });

  it('does not treat inherited object keys as event types', () => {
    expect(rejected(validateEvent({ ...EXAMPLE_EVENTS['invoice.sent'], type: 'toString' })).code).toBe(
      'unknown_event_type',
    );
  });

  it.each([
    [2, 'version 2 is not supported for invoice.sent; supported: 1'],
    ['1', 'version "1" is not supported for invoice.sent; supported: 1'],
    [REMOVE, 'version is required for invoice.sent; supported: 1'],
  ])('rejects version %p with the supported list', (version, message) => {
    const result = rejected(validateEvent(edit(EXAMPLE_EVENTS['invoice.sent'], { version })));
    expect(result.code).toBe('unsupported_event_version');
    expect(result.issues).toEqual([{ path: 'version', message }]);
  });

  it('rejects input that is not an event object', () => {
    for (const input of [null, 'invoice.sent', 42, [EXAMPLE_EVENTS['invoice.sent']]]) {
      const result = rejected(validateEvent(input));
      expect(result.code).toBe('invalid_event');
      expect(result.issues[0]?.path).toBe('(root)');
      expect(result.issues[0]?.message).toMatch(/^must be an object, got /);
    }
  });

  it('requires a type', () => {
    expect(issueAt(validateEvent(edit(EXAMPLE_EVENTS['invoice.sent'], { type: REMOVE })), 'type')).toBe('is required');
  });
});

describe('validateEvent: field-level reasons', () => {
  const invoice = EXAMPLE_EVENTS['invoice.sent'];

  it.each([
    'id',
    'tenantId',
    'occurredAt',
    'data',
    'data.number',
    'data.customer',
    'data.lines.0.itemId',
    'data.totals.total',
  ])('missing %s is named', (path) => {
    expect(issueAt(validateEvent(edit(invoice, { [path]: REMOVE })), path)).toBe('is required');
  });

  it('rejects an invoice whose total is not its line amounts plus tax, naming the difference', () => {
    const off = validateEvent(edit(invoice, { 'data.totals.total': '627.59' }));
    expect(issueAt(off, 'data.totals.total')).toBe(
      'the total 627.59 is not the line amounts plus tax, 627.54: difference 0.05. Send the total the lines add up to, or correct the lines',
    );
    // A line changed without its total, and a close-out's invoice, are refused alike.
    expect(issueAt(validateEvent(edit(invoice, { 'data.lines.1.amount': '80.00' })), 'data.totals.total')).toContain(
      'difference 0.50',
    );
    const closeOut = EXAMPLE_EVENTS['job.closed_out'];
    expect(
      issueAt(validateEvent(edit(closeOut, { 'data.invoice.totals.tax': '0.00' })), 'data.invoice.totals.total'),
    ).toContain('difference 7.04');
  });

  it('accepts a total that includes balance-forward lines, exact to the cent', () => {
    const withBalance = edit(invoice, {
      'data.lines.2': {
        id: 'BF',
        kind: 'balance_forward',
        itemId: 'BAL',
        quantity: '1',
        unitPrice: '0.10',
        amount: '0.10',
      },
    });
    // The total with the balance forward, or without it (balance-forward lines are not sent to QBO): both add up.
    expect(validateEvent(withBalance).ok).toBe(true);
    expect(validateEvent(edit(withBalance as DomainEventInput, { 'data.totals.total': '627.64' })).ok).toBe(true);
    const neither = validateEvent(edit(withBalance as DomainEventInput, { 'data.totals.total': '627.74' }));
    expect(issueAt(neither, 'data.totals.total')).toContain('(627.64 with the balance forward): difference 0.20');
    // Cents never drift through floats: 0.1 + 0.2 is 0.30 here.
    const cents = edit(invoice, {
      'data.lines': [
        { id: 'A', itemId: 'X', quantity: '1', unitPrice: '0.1', amount: '0.10' },
        { id: 'B', itemId: 'X', quantity: '1', unitPrice: '0.2', amount: '0.20' },
      ],
      'data.totals': { subtotal: '0.30', tax: '0.00', total: '0.30' },
    });
    expect(validateEvent(cents).ok).toBe(true);
  });

  it('rejects a JSON number where money belongs, saying why', () => {
    const result = validateEvent(edit(invoice, { 'data.lines.0.amount': 12.345, 'data.totals.total': 627.54 }));
    expect(issueAt(result, 'data.lines.0.amount')).toBe(
      'must be a decimal string such as "120.50", not a JSON number (numbers lose cents)',
    );
    expect(issueAt(result, 'data.totals.total')).toContain('not a JSON number');
  });

  it('rejects money strings with more than two decimals and malformed quantities', () => {
    const result = validateEvent(
      edit(invoice, {
        'data.lines.0.amount': '12.345',
        'data.lines.0.quantity': '1.23456',
        'data.lines.1.unitPrice': '1e3',
      }),
    );
    expect(issueAt(result, 'data.lines.0.amount')).toContain('at most 2 decimals');
    expect(issueAt(result, 'data.lines.0.quantity')).toContain('at most 4 decimals');
    expect(issueAt(result, 'data.lines.1.unitPrice')).toContain('at most 4 decimals');
  });

  it('rejects zero and negative payment amounts', () => {
    const payment = EXAMPLE_EVENTS['payment.accepted'];
    expect(issueAt(validateEvent(edit(payment, { 'data.amount': '0.00' })), 'data.amount')).toBe(
      'must be greater than zero',
    );
    expect(issueAt(validateEvent(edit(payment, { 'data.amount': '-5.00' })), 'data.amount')).toContain('non-negative');
  });

  it('rejects bad dates and date-times', () => {
    const result = validateEvent(
      edit(invoice, {
        occurredAt: '2026-03-02 15:04:05',
        'data.issueDate': '2026-02-30',
        'data.dueDate': '03/16/2026',
      }),
    );
    expect(issueAt(result, 'occurredAt')).toBe('must be an ISO 8601 date-time with offset');
    expect(issueAt(result, 'data.issueDate')).toBe('must be a date as YYYY-MM-DD');
    expect(issueAt(result, 'data.dueDate')).toBe('must be a date as YYYY-MM-DD');
  });

  it('rejects unknown fields so a typo is not silently dropped', () => {
    const result = validateEvent(edit(invoice, { 'data.dueDat': '2026-03-16', extra: true }));
    expect(issueAt(result, 'data')).toBe('unknown field "dueDat"; check the spelling or remove it');
    expect(issueAt(result, '(root)')).toBe('unknown field "extra"; check the spelling or remove it');
  });

  it('rejects wrong JSON types with what was received', () => {
    const result = validateEvent(edit(invoice, { id: 1234, 'data.lines': {} }));
    expect(issueAt(result, 'id')).toBe('must be a string, got number');
    expect(issueAt(result, 'data.lines')).toBe('must be a array, got object');
  });

  it('rejects ids and tenant ids that cannot be keys', () => {
    const result = validateEvent(
      edit(invoice, { id: 'evt 1', tenantId: 'Acme_Moving', 'data.customer.id': 'x'.repeat(129) }),
    );
    expect(issueAt(result, 'id')).toContain('printable ASCII without spaces');
    expect(issueAt(result, 'tenantId')).toContain('lowercase letters, digits and dashes');
    expect(issueAt(result, 'data.customer.id')).toContain('at most 128');
  });

  it('rejects a customer without any name, an empty invoice and a bad currency', () => {
    const result = validateEvent(
      edit(invoice, {
        'data.customer': { id: 'c-1', email: 'x@example.com' },
        'data.lines': [],
        'data.currency': 'usd',
      }),
    );
    expect(issueAt(result, 'data.customer')).toContain('needs at least one of displayName');
    expect(issueAt(result, 'data.lines')).toBe('an invoice needs at least one line');
    expect(issueAt(result, 'data.currency')).toContain('ISO 4217');
  });

  it('rejects a bad email, an unknown invoice status and an unknown void reason', () => {
    const bad = validateEvent(edit(invoice, { 'data.customer.email': 'not-an-email', 'data.status': 'pending' }));
    expect(issueAt(bad, 'data.customer.email')).toBe('must be an email address');
    expect(issueAt(bad, 'data.status')).toContain('draft');
    const reason = validateEvent(edit(EXAMPLE_EVENTS['payment.voided'], { 'data.reason': 'chargeback' }));
    expect(issueAt(reason, 'data.reason')).toContain('echeck_rejected');
  });

  it.each(EVENT_TYPES)('%s: an empty data object is rejected with reasons, not thrown', (type) => {
    const result = rejected(validateEvent({ ...EXAMPLE_EVENTS[type], data: {} }));
    expect(result.code).toBe('invalid_event');
    expect(result.issues.length).toBeGreaterThan(0);
    for (const issue of result.issues) expect(issue.path.startsWith('data')).toBe(true);
  });
});
