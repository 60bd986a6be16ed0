import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { BatchResponse, ErrorBody, EventResult } from '@qbo-sync/contracts';
import { getInboxEvent } from '@qbo-sync/db/repositories/inbox';
import {
  BODY_LIMIT,
  freshEvent,
  type Harness,
  inboxCount,
  jobCount,
  json,
  MAX_BATCH,
  signedPost,
  startHarness,
} from './harness.js';

describe('POST /v1/events', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('ingest');
  });
  afterAll(async () => {
    await h.close();
  });

  it('accepts a signed event with 202, stores and queues it', async () => {
    const event = freshEvent('invoice.sent');
    const res = await signedPost(h, '/v1/events', event, h.acme);
    expect(res.statusCode).toBe(202);
    const body = json<EventResult>(res);
    expect(body).toMatchObject({ id: event.id, status: 'accepted' });
    expect(body.jobId).toContain(encodeURIComponent(event.id));
    expect((await getInboxEvent(h.db.db, h.acme.id, event.id))?.enqueuedAt).toBeInstanceOf(Date);
    const job = await h.producer.queues['invoice.sync'].getJob(body.jobId ?? '');
    expect(job?.data).toMatchObject({ tenantId: h.acme.id, eventId: event.id });
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers a repeat with 200 duplicate and queues nothing new', async () => {
    const event = freshEvent('payment.accepted');
    const first = await signedPost(h, '/v1/events', event, h.acme);
    const jobsAfterFirst = await jobCount(h);
    const again = await signedPost(h, '/v1/events', event, h.acme);
    expect(first.statusCode).toBe(202);
    expect(again.statusCode).toBe(200);
    expect(json<EventResult>(again)).toEqual({
      id: event.id,
      status: 'duplicate',
      jobId: json<EventResult>(first).jobId,
    });
    expect(await jobCount(h)).toBe(jobsAfterFirst);
  });

  it('20 parallel posts of one event: one accepted, one row, one job', async () => {
    const event = freshEvent('invoice.sent');
    const rowsBefore = await inboxCount(h);
    const jobsBefore = await jobCount(h);
    const responses = await Promise.all(Array.from({ length: 20 }, () => signedPost(h, '/v1/events', event, h.acme)));
    const codes = responses.map((r) => r.statusCode).sort();
    expect(codes.filter((c) => c === 202)).toHaveLength(1);
    expect(codes.filter((c) => c === 200)).toHaveLength(19);
    expect(new Set(responses.map((r) => json<EventResult>(r).jobId)).size).toBe(1);
    expect(await inboxCount(h)).toBe(rowsBefore + 1);
    expect(await jobCount(h)).toBe(jobsBefore + 1);
  });

  describe('malformed input gets a 4xx with a reason and leaves no row and no job', () => {
    const cases: Array<{
      name: string;
      body: () => unknown;
      status: number;
      code: string;
      issue?: { path: string; message: RegExp };
      contentType?: string;
    }> = [
      { name: 'bad JSON', body: () => '{"id": "evt-1", "type": ', status: 400, code: 'invalid_json' },
      { name: 'empty body', body: () => '', status: 400, code: 'invalid_json' },
      {
        name: 'missing field',
        body: () => {
          const { occurredAt: _omit, ...rest } = freshEvent('invoice.sent');
          return rest;
        },
        status: 400,
        code: 'invalid_event',
        issue: { path: 'occurredAt', message: /is required/ },
      },
      {
        name: 'float money (12.345)',
        body: () => {
          const e = freshEvent('invoice.sent');
          return { ...e, data: { ...e.data, totals: { subtotal: '1.00', tax: '0', total: 12.345 } } };
        },
        status: 400,
        code: 'invalid_event',
        issue: { path: 'data.totals.total', message: /decimal string.*not a JSON number/ },
      },
      {
        name: 'an invoice total that is not its lines plus tax',
        body: () => {
          const e = freshEvent('invoice.sent');
          return { ...e, data: { ...e.data, totals: { ...e.data.totals, total: '627.59' } } };
        },
        status: 400,
        code: 'invalid_event',
        issue: { path: 'data.totals.total', message: /the total 627\.59 .* plus tax, 627\.54: difference 0\.05/ },
      },
      {
        name: 'money string with three decimals',
        body: () => {
          const e = freshEvent('payment.accepted');
          return { ...e, data: { ...e.data, amount: '12.345' } };
        },
        status: 400,
        code: 'invalid_event',
        issue: { path: 'data.amount', message: /at most 2 decimals/ },
      },
      {
        name: 'number instead of string id',
        body: () => ({ ...freshEvent('customer.updated'), id: 42 }),
        status: 400,
        code: 'invalid_event',
        issue: { path: 'id', message: /must be a string, got number/ },
      },
      {
        name: 'bad date',
        body: () => {
          const e = freshEvent('invoice.sent');
          return { ...e, data: { ...e.data, issueDate: '2026-02-30' } };
        },
        status: 400,
        code: 'invalid_event',
        issue: { path: 'data.issueDate', message: /YYYY-MM-DD/ },
      },
      {
        name: 'bad date-time',
        body: () => ({ ...freshEvent('invoice.sent'), occurredAt: '2026-03-02 15:04' }),
        status: 400,
        code: 'invalid_event',
        issue: { path: 'occurredAt', message: /ISO 8601/ },
      },
      {
        name: 'unknown type',
        body: () => ({ ...freshEvent('invoice.sent'), type: 'invoice.created' }),
        status: 400,
        code: 'unknown_event_type',
        issue: { path: 'type', message: /unknown event type "invoice.created"; supported: / },
      },
      {
        name: 'unknown version',
        body: () => ({ ...freshEvent('invoice.sent'), version: 2 }),
        status: 400,
        code: 'unsupported_event_version',
        issue: { path: 'version', message: /version 2 is not supported for invoice.sent; supported: 1/ },
      },
      {
        name: 'unknown field',
        body: () => ({ ...freshEvent('invoice.sent'), tenant: 'acme-moving' }),
        status: 400,
        code: 'invalid_event',
        issue: { path: '(root)', message: /unknown field "tenant"/ },
      },
      {
        name: 'an array instead of an event',
        body: () => [freshEvent('invoice.sent')],
        status: 400,
        code: 'invalid_event',
        issue: { path: '(root)', message: /must be an object/ },
      },
      {
        name: 'a NUL in a customer name',
        body: () => {
          const e = freshEvent('invoice.sent');
          return { ...e, data: { ...e.data, customer: { ...e.data.customer, lastName: 'Bro\u0000wn' } } };
        },
        status: 400,
        code: 'invalid_event',
        issue: { path: 'data.customer.lastName', message: /contains U\+0000 at character 4/ },
      },
      {
        name: 'a lone surrogate in a memo',
        body: () => {
          const e = freshEvent('refund.issued');
          return { ...e, data: { ...e.data, memo: 'lamp \ud83d' } };
        },
        status: 400,
        code: 'invalid_event',
        issue: { path: 'data.memo', message: /contains U\+D83D/ },
      },
      {
        name: 'occurredAt far in the future',
        body: () => ({ ...freshEvent('invoice.voided'), occurredAt: '9999-12-31T23:59:59Z' }),
        status: 400,
        code: 'invalid_event',
        issue: { path: 'occurredAt', message: /more than 5 minutes after our clock/ },
      },
      {
        name: 'a misspelt field of payment.voided',
        body: () => ({ ...freshEvent('payment.voided'), data: { paymentId: 'pay-1', reasn: 'echeck_rejected' } }),
        status: 400,
        code: 'invalid_event',
        issue: { path: 'data', message: /unknown field "reasn"/ },
      },
      {
        name: 'wrong tenant',
        body: () => freshEvent('invoice.sent', { tenantId: 'other-co' }),
        status: 403,
        code: 'tenant_mismatch',
        issue: { path: 'tenantId', message: /belongs to "acme-moving"/ },
      },
      {
        // Deeper than any walk of the body can go on the stack: it was a 500 "retry the same request".
        name: 'a memo nested 5,000 deep',
        body: () => {
          const e = freshEvent('invoice.sent');
          return `${JSON.stringify({ ...e, data: { ...e.data, memo: null } }).replace('"memo":null', `"memo":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`)}`;
        },
        status: 400,
        code: 'invalid_event',
        issue: { path: `data.memo${'.a'.repeat(30)}`, message: /nests deeper than 32 levels/ },
      },
      {
        // Invalid UTF-8 became U+FFFD and reached QBO as a customer named "���".
        name: 'invalid UTF-8 in a string',
        body: () => {
          const e = freshEvent('invoice.sent');
          const [before, after] = JSON.stringify({ ...e, data: { ...e.data, memo: 'MARK' } }).split('MARK');
          return Buffer.concat([Buffer.from(`${before}Caf`), Buffer.from([0xc3, 0x28]), Buffer.from(`${after}`)]);
        },
        status: 400,
        code: 'invalid_json',
        issue: undefined,
      },
      {
        name: 'oversize body',
        body: () => {
          const e = freshEvent('invoice.sent');
          return { ...e, data: { ...e.data, memo: 'x'.repeat(BODY_LIMIT) } };
        },
        status: 413,
        code: 'body_too_large',
      },
      {
        name: 'not JSON content type',
        body: () => JSON.stringify(freshEvent('invoice.sent')),
        contentType: 'text/plain',
        status: 415,
        code: 'unsupported_media_type',
      },
    ];

    it.each(cases)('$name → $status $code', async ({ body, status, code, issue, contentType }) => {
      const rowsBefore = await inboxCount(h);
      const jobsBefore = await jobCount(h);
      const res = await signedPost(h, '/v1/events', body(), h.acme, contentType ? { contentType } : {});
      expect(res.statusCode).toBe(status);
      const error = json<ErrorBody>(res).error;
      expect(error.code).toBe(code);
      expect(error.message.length).toBeGreaterThan(20);
      if (issue) {
        expect(error.issues).toEqual(
          expect.arrayContaining([{ path: issue.path, message: expect.stringMatching(issue.message) }]),
        );
      }
      expect(await inboxCount(h)).toBe(rowsBefore);
      expect(await jobCount(h)).toBe(jobsBefore);
    });
  });
});

describe('POST /v1/events:batch', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('batch');
  });
  afterAll(async () => {
    await h.close();
  });

  it('reports one result per event, in order, with HTTP 200', async () => {
    const a = freshEvent('invoice.sent');
    const b = freshEvent('refund.issued');
    await signedPost(h, '/v1/events', b, h.acme);
    const rowsBefore = await inboxCount(h);
    const res = await signedPost(
      h,
      '/v1/events:batch',
      {
        events: [
          a,
          { ...freshEvent('invoice.sent'), version: 9 },
          b,
          a,
          { ...freshEvent('payment.accepted'), data: {} },
        ],
      },
      h.acme,
    );
    expect(res.statusCode).toBe(200);
    const body = json<BatchResponse>(res);
    expect(body.results.map((r) => r.status)).toEqual(['accepted', 'rejected', 'duplicate', 'duplicate', 'rejected']);
    expect(body.results[1]).toMatchObject({ code: 'unsupported_event_version', errors: [{ path: 'version' }] });
    expect(body.results[4]?.errors?.map((e) => e.path)).toEqual(expect.arrayContaining(['data.id', 'data.amount']));
    expect(body.summary).toEqual({ accepted: 1, duplicate: 2, rejected: 2 });
    expect(await inboxCount(h)).toBe(rowsBefore + 1);
  });

  it('a NUL in one event rejects only that event; the rest of the batch is stored', async () => {
    const good = [freshEvent('invoice.sent'), freshEvent('payment.accepted')];
    const bad = freshEvent('customer.updated');
    const poisoned = { ...bad, data: { ...bad.data, companyName: 'Brown\u0000 LLC' } };
    const rowsBefore = await inboxCount(h);
    const res = await signedPost(h, '/v1/events:batch', { events: [good[0], poisoned, good[1]] }, h.acme);
    expect(res.statusCode).toBe(200);
    const body = json<BatchResponse>(res);
    expect(body.results.map((r) => r.status)).toEqual(['accepted', 'rejected', 'accepted']);
    expect(body.results[1]).toMatchObject({ code: 'invalid_event', errors: [{ path: 'data.companyName' }] });
    expect(await inboxCount(h)).toBe(rowsBefore + 2);
  });

  it('an event nested 5,000 deep rejects only that event; the rest of the batch is stored', async () => {
    const good = freshEvent('invoice.sent');
    const deep = freshEvent('customer.updated');
    const raw = JSON.stringify({ events: [{ ...deep, data: { ...deep.data, companyName: null } }, good] }).replace(
      '"companyName":null',
      `"companyName":${'['.repeat(5000)}${']'.repeat(5000)}`,
    );
    const rowsBefore = await inboxCount(h);
    const res = await signedPost(h, '/v1/events:batch', raw, h.acme);
    expect(res.statusCode).toBe(200);
    const body = json<BatchResponse>(res);
    expect(body.results.map((r) => r.status)).toEqual(['rejected', 'accepted']);
    expect(body.results[0]).toMatchObject({
      code: 'invalid_event',
      errors: [{ path: `data.companyName${'.0'.repeat(30)}`, message: expect.stringMatching(/nests deeper/) }],
    });
    expect(await inboxCount(h)).toBe(rowsBefore + 1);
  });

  it('20 parallel batches carrying the same events: each event once', async () => {
    const events = [freshEvent('invoice.sent'), freshEvent('customer.updated')];
    const jobsBefore = await jobCount(h);
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => signedPost(h, '/v1/events:batch', { events }, h.acme)),
    );
    const all = responses.flatMap((r) => json<BatchResponse>(r).results);
    expect(all.filter((r) => r.status === 'accepted')).toHaveLength(2);
    expect(all.filter((r) => r.status === 'duplicate')).toHaveLength(38);
    expect(await jobCount(h)).toBe(jobsBefore + 2);
  });

  it.each([
    ['no events key', { items: [] }, 400, 'invalid_body'],
    ['empty events', { events: [] }, 400, 'invalid_body'],
    ['events not an array', { events: {} }, 400, 'invalid_body'],
    ['a bare array', [], 400, 'invalid_body'],
  ])('rejects a bad envelope: %s', async (_name, body, status, code) => {
    const res = await signedPost(h, '/v1/events:batch', body, h.acme);
    expect(res.statusCode).toBe(status);
    expect(json<ErrorBody>(res).error).toMatchObject({ code, issues: expect.any(Array) });
  });

  it('rejects an oversize batch with 413 and stores none of it', async () => {
    const rowsBefore = await inboxCount(h);
    const jobsBefore = await jobCount(h);
    const events = Array.from({ length: MAX_BATCH + 1 }, () => freshEvent('customer.updated'));
    const res = await signedPost(h, '/v1/events:batch', { events }, h.acme);
    expect(res.statusCode).toBe(413);
    expect(json<ErrorBody>(res).error).toMatchObject({ code: 'batch_too_large' });
    expect(json<ErrorBody>(res).error.message).toContain(`at most ${MAX_BATCH} events`);
    expect(await inboxCount(h)).toBe(rowsBefore);
    expect(await jobCount(h)).toBe(jobsBefore);
  });

  it('rejects a batch naming another tenant with 403 and stores none of it', async () => {
    const rowsBefore = await inboxCount(h);
    const res = await signedPost(
      h,
      '/v1/events:batch',
      { events: [freshEvent('invoice.sent'), freshEvent('invoice.sent', { tenantId: 'other-co' })] },
      h.acme,
    );
    expect(res.statusCode).toBe(403);
    expect(json<ErrorBody>(res).error).toMatchObject({
      code: 'tenant_mismatch',
      issues: [{ path: 'events.1.tenantId', message: expect.stringContaining('other-co') }],
    });
    expect(await inboxCount(h)).toBe(rowsBefore);
  });

  it('rejects bad JSON with 400', async () => {
    const res = await signedPost(h, '/v1/events:batch', '{"events": [', h.acme);
    expect(res.statusCode).toBe(400);
    expect(json<ErrorBody>(res).error.code).toBe('invalid_json');
  });
});
