import { describe, expect, it } from '@jest/globals';
import { type DomainEvent, EVENT_TYPES, validateEvent } from './events.js';
import { EXAMPLE_EVENTS } from './examples.js';
import { EVENT_ROUTES, JOB_PAYLOAD_SCHEMAS, jobIdFor, PRIORITY } from './jobs.js';
import { routeEvent } from './routing.js';

function parsed(input: unknown): DomainEvent {
  const r = validateEvent(input);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.event;
}

describe('routeEvent', () => {
  it.each([
    ['invoice.sent', 'invoice', 'inv-5001'],
    ['invoice.updated', 'invoice', 'inv-5001'],
    ['invoice.voided', 'invoice', 'inv-5001'],
    ['job.closed_out', 'invoice', 'inv-5001'],
    ['payment.accepted', 'payment', 'pay-9001'],
    ['payment.voided', 'payment', 'pay-9001'],
    ['refund.issued', 'refund', 'ref-301'],
    ['customer.updated', 'customer', 'cust-1001'],
  ] as const)('%s is about %s %s', (type, entityType, entityId) => {
    const route = routeEvent(parsed(EXAMPLE_EVENTS[type]));
    expect(route).toMatchObject({ job: EVENT_ROUTES[type], entityType, entityId });
    expect(JOB_PAYLOAD_SCHEMAS[route.job].safeParse(route.payload).success).toBe(true);
  });

  it('covers every event type', () => {
    for (const type of EVENT_TYPES) expect(() => routeEvent(parsed(EXAMPLE_EVENTS[type]))).not.toThrow();
  });

  it('gives live events a higher priority (lower number) than backfill', () => {
    const live = routeEvent(parsed(EXAMPLE_EVENTS['invoice.sent']));
    const backfill = routeEvent(parsed({ ...EXAMPLE_EVENTS['invoice.sent'], source: 'backfill' }));
    expect(live.priority).toBe(PRIORITY.live);
    expect(backfill.priority).toBe(PRIORITY.backfill);
    expect(live.priority).toBeLessThan(backfill.priority);
    expect(backfill.payload.source).toBe('backfill');
  });

  it('is deterministic, and distinct per event, tenant and entity', () => {
    const a = routeEvent(parsed(EXAMPLE_EVENTS['invoice.sent']));
    expect(routeEvent(parsed(structuredClone(EXAMPLE_EVENTS['invoice.sent']))).jobId).toBe(a.jobId);
    const otherEvent = routeEvent(parsed({ ...EXAMPLE_EVENTS['invoice.sent'], id: 'evt-9999' }));
    const otherTenant = routeEvent(parsed({ ...EXAMPLE_EVENTS['invoice.sent'], tenantId: 'other-co' }));
    expect(new Set([a.jobId, otherEvent.jobId, otherTenant.jobId]).size).toBe(3);
  });
});

describe('jobIdFor', () => {
  it('never contains ":" (reserved by BullMQ) and keeps parts apart', () => {
    const id = jobIdFor('invoice.sync', { tenantId: 't-1', entityId: 'a:b|c', eventId: 'e:1' });
    expect(id).not.toContain(':');
    expect(id.split('|')).toHaveLength(4);
    expect(jobIdFor('invoice.sync', { tenantId: 't-1', entityId: 'a|b', eventId: 'c' })).not.toBe(
      jobIdFor('invoice.sync', { tenantId: 't-1', entityId: 'a', eventId: 'b|c' }),
    );
  });
});
