// Inputs a hostile or buggy producer sends: characters PostgreSQL cannot store, clocks far ahead, misspelt
// fields. Each must be refused at the contract with the field named, before anything is stored.
import { describe, expect, it } from '@jest/globals';
import { type DomainEventInput, EVENT_TYPES, type EventValidation, validateEvent } from './events.js';
import { EXAMPLE_EVENTS } from './examples.js';

const fullCustomer = {
  id: 'cust-1',
  displayName: 'Jane Brown',
  firstName: 'Jane',
  lastName: 'Brown',
  companyName: 'Brown Design',
  email: 'jane@example.com',
  phone: '+1 415 555 0100',
  billingAddress: {
    line1: '1 A St',
    line2: 'Unit 2',
    city: 'Oakland',
    region: 'CA',
    postalCode: '94607',
    country: 'US',
  },
  shippingAddress: {
    line1: '2 B St',
    line2: 'Rear',
    city: 'Oakland',
    region: 'CA',
    postalCode: '94607',
    country: 'US',
  },
  parent: { id: 'cust-0', companyName: 'Brown Holdings', email: 'ap@example.com', phone: '555' },
};

/** Every example with every optional free-text field filled in, so the walk below reaches them all. */
function fullExample(type: (typeof EVENT_TYPES)[number]): DomainEventInput {
  const e = structuredClone(EXAMPLE_EVENTS[type]) as Record<string, unknown> & { data: Record<string, unknown> };
  const fill = (d: Record<string, unknown>) => {
    if ('customer' in d) d['customer'] = structuredClone(fullCustomer);
    if ('reference' in d || 'method' in d || 'paymentId' in d) d['reference'] = 'ref-1';
    if ('memo' in d || 'currency' in d) d['memo'] = 'memo text';
  };
  if (type === 'customer.updated') e.data = structuredClone(fullCustomer);
  else if (type === 'job.closed_out') {
    fill(e.data['invoice'] as Record<string, unknown>);
    for (const p of e.data['payments'] as Record<string, unknown>[]) fill(p);
  } else if (
    !('invoiceId' in e.data && Object.keys(e.data).length === 1) &&
    !('paymentId' in e.data && 'reason' in e.data)
  )
    fill(e.data);
  return e as DomainEventInput;
}

/** Dotted paths of every string leaf. */
function stringPaths(value: unknown, path: string[] = []): string[] {
  if (typeof value === 'string') return [path.join('.')];
  if (Array.isArray(value)) return value.flatMap((v, i) => stringPaths(v, [...path, String(i)]));
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => stringPaths(v, [...path, k]));
  return [];
}

function withValue(event: unknown, path: string, make: (old: string) => string): unknown {
  const copy = structuredClone(event) as Record<string, unknown>;
  const keys = path.split('.');
  const last = keys.pop() as string;
  let node = copy;
  for (const k of keys) node = node[k] as Record<string, unknown>;
  node[last] = make(String(node[last]));
  return copy;
}

function issuesOf(result: EventValidation) {
  if (result.ok) throw new Error('expected the event to be rejected');
  return result.issues;
}

const NOW = Date.parse('2026-12-03T12:00:00Z');

describe('validateEvent: characters that cannot be stored', () => {
  it.each(EVENT_TYPES)(
    '%s: a NUL, a lone surrogate or a control character in any string is refused, naming it',
    (type) => {
      const event = fullExample(type);
      expect(validateEvent(event, { now: NOW }).ok).toBe(true);
      const paths = stringPaths(event);
      expect(paths.length).toBeGreaterThan(3);
      for (const path of paths) {
        for (const bad of ['\u0000', '\ud800', '\udc00', '\u001b[31m']) {
          const issues = issuesOf(
            validateEvent(
              withValue(event, path, (old) => `${old.slice(0, 2)}${bad}${old.slice(2)}`),
              { now: NOW },
            ),
          );
          expect(issues.map((i) => i.path)).toContain(path);
        }
      }
    },
  );

  it('explains which character and where, and keeps tabs, newlines and paired surrogates', () => {
    const event = withValue(fullExample('invoice.sent'), 'data.memo', () => 'ok\u0000');
    const issue = issuesOf(validateEvent(event, { now: NOW })).find((i) => i.path === 'data.memo');
    expect(issue?.message).toBe(
      'contains U+0000 at character 3; control characters and unpaired surrogates cannot be stored, remove it',
    );
    const fine = withValue(fullExample('invoice.sent'), 'data.memo', () => 'line 1\n\tline 2\r\n😀 émigré');
    expect(validateEvent(fine, { now: NOW }).ok).toBe(true);
  });

  it('refuses such characters in unknown field names too', () => {
    const event = { ...EXAMPLE_EVENTS['invoice.voided'], data: { invoiceId: 'inv-1', 'x\u0000': 'y' } };
    expect(issuesOf(validateEvent(event, { now: NOW })).length).toBeGreaterThan(0);
  });
});

describe('validateEvent: occurredAt in the future', () => {
  const at = (occurredAt: string) => ({ ...EXAMPLE_EVENTS['invoice.voided'], occurredAt });

  it('refuses a time far ahead of our clock, naming occurredAt', () => {
    const issues = issuesOf(validateEvent(at('9999-12-31T23:59:59Z'), { now: NOW }));
    expect(issues).toEqual([
      {
        path: 'occurredAt',
        message:
          'is 9999-12-31T23:59:59Z, more than 5 minutes after our clock (2026-12-03T12:00:00.000Z); send the time the change happened, with its offset',
      },
    ]);
  });

  it('allows a few minutes of clock skew, and the skew is configurable', () => {
    expect(validateEvent(at('2026-12-03T12:04:59Z'), { now: NOW }).ok).toBe(true);
    expect(validateEvent(at('2026-12-03T14:04:00+02:00'), { now: NOW }).ok).toBe(true);
    expect(validateEvent(at('2026-12-03T12:05:01Z'), { now: NOW }).ok).toBe(false);
    expect(validateEvent(at('2026-12-03T12:05:01Z'), { now: NOW, maxFutureSkewMs: 600_000 }).ok).toBe(true);
    expect(validateEvent(at('2026-12-03T12:00:30Z'), { now: NOW, maxFutureSkewMs: 0 }).ok).toBe(false);
  });
});

describe('validateEvent: every event data is strict', () => {
  it.each([
    ['invoice.voided', { invoiceId: 'inv-1', reson: 'duplicate' }],
    ['job.closed_out', { ...EXAMPLE_EVENTS['job.closed_out'].data, note: 'x' }],
    ['payment.voided', { paymentId: 'pay-1', reaosn: 'echeck_rejected' }],
  ] as const)('%s: a misspelt field is refused, not dropped', (type, data) => {
    const issues = issuesOf(validateEvent({ ...EXAMPLE_EVENTS[type], data }, { now: NOW }));
    expect(issues).toEqual([
      { path: 'data', message: expect.stringMatching(/^unknown field "\w+"; check the spelling/) },
    ]);
  });
});
