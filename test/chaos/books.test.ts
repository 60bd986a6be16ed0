// The books across several companies: ~400 events over 4 tenants, deliveries shuffled across stories —
// invoices drafted, sent and voided in every order, deposits voided while their job closes out, payments and
// refunds before their parents, re-deliveries — through the signed API to worker processes, then the checker
// against the model computed from the events alone: every QBO object exactly right, voided ones posted and
// voided. No injected faults (chaos-short adds those). Replay a failure with CHAOS_SEED=<seed> (printed).
import { describe, expect, it } from '@jest/globals';
import { summaryLines } from './support/report.js';
import { BOOKS_PROFILE, runChaos } from './support/run-chaos.js';
import { chaosSeed } from './support/workload.js';

describe('books: shuffled deliveries over several companies', () => {
  it('ends with every QBO object exactly as the events imply', async () => {
    const seed = chaosSeed();
    console.log(`books seed (replay with CHAOS_SEED=${seed})`);
    const lines: string[] = [];
    const report = await runChaos({ ...BOOKS_PROFILE, seed, log: (l) => lines.push(l) });
    const samples = report.failures.samples.map((f) => `${f.tenantId} ${f.category} ${f.entity}: ${f.detail}`);
    if (!report.passed) throw new Error([summaryLines(report), ...samples, ...lines].join('\n'));
    expect(report.failures.byCategory).toEqual({});
    // The shapes this test is about were in the workload, so a clean result means something.
    expect(report.workload.stories['draft, sent, voided'] ?? 0).toBeGreaterThan(0);
    expect(report.workload.stories['deposit voided during close-out'] ?? 0).toBeGreaterThan(0);
    expect(report.workload.byType['payment.voided'] ?? 0).toBeGreaterThan(0);
  }, 190_000);
});
