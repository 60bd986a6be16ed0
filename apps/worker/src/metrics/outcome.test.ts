import { describe, expect, it } from '@jest/globals';
import { DelayedError, UnrecoverableError } from 'bullmq';
import { DeferredError } from '../errors/deferred-error.js';
import { deferReasonOf, outcomeOfError, outcomeOfResult } from './outcome.js';

describe('job outcome labels', () => {
  it('maps what processors return onto a small set', () => {
    expect(outcomeOfResult('synced')).toBe('synced');
    expect(outcomeOfResult('needs_mapping')).toBe('parked');
    expect(outcomeOfResult('conflict')).toBe('parked');
    expect(outcomeOfResult('waiting')).toBe('waiting');
    expect(outcomeOfResult('skipped')).toBe('skipped');
    expect(outcomeOfResult('failed')).toBe('failed');
    expect(outcomeOfResult('invoice synced; payments synced, waiting')).toBe('synced');
    expect(outcomeOfResult('invoice needs_mapping; payments waiting')).toBe('parked');
    expect(outcomeOfResult('delivered')).toBe('delivered');
    expect(outcomeOfResult('nothing-pending')).toBe('skipped');
    expect(outcomeOfResult('something new')).toBe('other');
  });

  it('sorts errors as BullMQ treats them', () => {
    const job = (attemptsMade: number) => ({ attemptsMade, opts: { attempts: 3 } });
    expect(outcomeOfError(new DeferredError('realm_budget'), job(0))).toBe('deferred');
    expect(outcomeOfError(new DelayedError(), job(0))).toBe('deferred');
    expect(outcomeOfError(new UnrecoverableError('no'), job(0))).toBe('failed');
    expect(outcomeOfError(new Error('blip'), job(1))).toBe('retry');
    expect(outcomeOfError(new Error('blip'), job(2))).toBe('failed');
    expect(deferReasonOf(new DeferredError('entity_busy'))).toBe('entity_busy');
    expect(deferReasonOf(new Error('x'))).toBeUndefined();
  });
});
