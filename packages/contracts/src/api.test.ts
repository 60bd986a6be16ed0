import { describe, expect, it } from '@jest/globals';
import { BatchEnvelope, BatchRequest, ErrorBody, EventResult } from './api.js';
import { EXAMPLE_EVENTS } from './examples.js';

describe('API bodies', () => {
  it('the batch envelope needs a non-empty events array and nothing else', () => {
    expect(BatchEnvelope.safeParse({ events: [{}] }).success).toBe(true);
    expect(BatchEnvelope.safeParse({ events: [] }).success).toBe(false);
    expect(BatchEnvelope.safeParse([EXAMPLE_EVENTS['invoice.sent']]).success).toBe(false);
    expect(BatchEnvelope.safeParse({ events: [], more: 1 }).success).toBe(false);
  });

  it('the documented batch request takes the examples', () => {
    expect(BatchRequest.safeParse({ events: Object.values(EXAMPLE_EVENTS) }).success).toBe(true);
  });

  it('results and errors have the documented shapes', () => {
    expect(EventResult.safeParse({ id: 'e1', status: 'accepted', jobId: 'j' }).success).toBe(true);
    expect(
      EventResult.safeParse({ id: null, status: 'rejected', errors: [{ path: 'id', message: 'x' }] }).success,
    ).toBe(true);
    expect(EventResult.safeParse({ id: 'e1', status: 'queued' }).success).toBe(false);
    expect(ErrorBody.safeParse({ error: { code: 'invalid_json', message: 'bad' } }).success).toBe(true);
    expect(ErrorBody.safeParse({ error: { message: 'bad' } }).success).toBe(false);
  });
});
