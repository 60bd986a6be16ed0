import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { JOB_NAMES } from '@qbo-sync/contracts';
import { createQueues, JOB_OPTIONS, JOB_RETENTION, jobOptions, queueName } from './catalogue.js';

describe('job catalogue', () => {
  it('has a retry policy for every job type, with exponential backoff', () => {
    expect(Object.keys(JOB_OPTIONS).sort()).toEqual([...JOB_NAMES].sort());
    for (const policy of Object.values(JOB_OPTIONS)) {
      expect(policy.attempts).toBeGreaterThan(1);
      expect(policy.backoff.type).toBe('exponential');
      expect(policy.backoff.delay).toBeGreaterThanOrEqual(1000);
    }
  });

  it('builds job options with id, priority, retries and retention', () => {
    expect(jobOptions('invoice.sync', { jobId: 'j-1', priority: 10 })).toEqual({
      attempts: 10,
      backoff: { type: 'exponential', delay: 5000 },
      ...JOB_RETENTION,
      jobId: 'j-1',
      priority: 10,
    });
    expect(jobOptions('callback.deliver', { jobId: 'j-2' })).not.toHaveProperty('priority');
  });

  it('the documented total retry time of callbacks and syncs is what the backoff settings give', () => {
    // BullMQ waits delay × 2^(n-1) before retry n; `attempts` runs make attempts - 1 waits.
    const totalWaitMs = (job: keyof typeof JOB_OPTIONS) => {
      const { attempts, backoff } = JOB_OPTIONS[job];
      return backoff.delay * (2 ** (attempts - 1) - 1);
    };
    const hm = (ms: number) => `${Math.floor(ms / 3_600_000)} h ${Math.round((ms % 3_600_000) / 60_000)} min`;
    expect(hm(totalWaitMs('callback.deliver'))).toBe('5 h 41 min');
    expect(Math.round(totalWaitMs('invoice.sync') / 60_000)).toBe(43);
    const source = readFileSync(join(import.meta.dirname, 'catalogue.ts'), 'utf8');
    const operations = readFileSync(join(import.meta.dirname, '../../../docs/operations.md'), 'utf8');
    expect(source).toContain(`about ${hm(totalWaitMs('callback.deliver'))} of retries`);
    expect(operations).toContain(`about ${hm(totalWaitMs('callback.deliver'))}`);
  });

  it('queue names never contain the key separator', () => {
    for (const job of JOB_NAMES) expect(queueName(job)).not.toContain(':');
  });

  it('refuses a prefix that is not hash-tagged', () => {
    expect(() => createQueues({ host: '127.0.0.1', lazyConnect: true }, 'qbo-sync')).toThrow(/hash-tagged/);
  });
});
