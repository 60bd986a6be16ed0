// The chaos command's short profile (~600 events over 3 tenants) as a test: the same workload kinds and
// the same faults — QBO 5xx/429 storms, commit-then-drop, 5 s access tokens, worker SIGKILLs, Redis killed
// and restarted empty, PostgreSQL stopped for 5 s — on a private Redis and PostgreSQL, then the checker.
// Replay a failure with CHAOS_SEED=<seed> (printed); the full run is `pnpm chaos` (see docs/chaos.md).
import { describe, expect, it } from '@jest/globals';
import { summaryLines } from './support/report.js';
import { runChaos, SHORT_PROFILE } from './support/run-chaos.js';
import { chaosSeed } from './support/workload.js';

describe('chaos: short profile', () => {
  it('ends with every tenant QBO company exactly as the events imply, nothing stuck', async () => {
    const seed = chaosSeed();
    console.log(`chaos seed (replay with CHAOS_SEED=${seed})`);
    const lines: string[] = [];
    const report = await runChaos({ ...SHORT_PROFILE, seed, log: (l) => lines.push(l) });
    const summary = summaryLines(report);
    const samples = report.failures.samples.map((f) => `${f.tenantId} ${f.category} ${f.entity}: ${f.detail}`);
    // On failure the message carries the tables, the failure samples and the run's log.
    if (!report.passed) throw new Error([summary, ...samples, ...lines].join('\n'));
    expect(report.failures.byCategory).toEqual({});
    // Every fault kind of the profile was injected, so a clean result means something.
    expect(report.faults.redisLoss).not.toBeNull();
    expect(report.faults.pgOutage).not.toBeNull();
    expect(report.faults.workerKills).toBeGreaterThan(0);
    expect(report.faults.sandboxFired['commit-then-drop'] ?? 0).toBeGreaterThan(0);
  }, 178_000);
});
