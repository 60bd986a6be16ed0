// Scenario 3: three SIGKILL/restart cycles at random moments (seeded PRNG: the seed is printed, replay it
// with CHAOS_SEED=<seed>) while ~60 events — invoices, payments, refunds — arrive and sync.
import { afterAll, afterEach, beforeAll, describe, it } from '@jest/globals';
import { type Chaos, startChaos } from './support/setup.js';
import { assertExactlyOnce, recordStates, waitAllSynced } from './support/verify.js';
import { buildWorkload, chaosSeed, prng } from './support/workload.js';

const KILLS = 3;
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('chaos: repeated kill/restart cycles', () => {
  let c: Chaos;
  beforeAll(async () => {
    c = await startChaos('chaos_repeat');
  }, 30_000);
  afterEach(async () => {
    await c?.fleet.killAll();
  });
  afterAll(async () => {
    await c?.close();
  });

  it('ends with every invoice, payment and refund in QBO exactly once', async () => {
    const seed = chaosSeed();
    console.log(`chaos seed (replay with CHAOS_SEED=${seed})`);
    const rnd = prng(seed ^ 0x5eed);
    const { h, tenant: t } = c;
    await h.admin(`/realms/${t.realmId}/faults`, { kind: 'latency', latencyMs: 150 });
    await h.admin(`/realms/${t.realmId}/faults`, { kind: 'latency', latencyMs: 350, probability: 0.5 });
    // Some writes commit unheard too, so kills also land between a commit and its record.
    await h.admin(`/realms/${t.realmId}/faults`, {
      kind: 'commit-then-drop',
      probability: 0.05,
      match: { method: 'POST', operation: 'create' },
    });
    const w = buildWorkload(t.id, seed, { customers: 6, invoices: 36, paymentEvery: 2, refunds: 4, tag: 'RK' });

    let worker = c.fleet.start();
    await worker.ready();
    // Events keep arriving through the kills, as they would from a live billing system.
    const publishing = c.publishAll(w.events);
    for (let k = 1; k <= KILLS; k++) {
      const after = rnd.int(300, 2_500);
      await pause(after);
      await worker.kill9();
      console.log(`kill ${k} after ${after} ms: ${JSON.stringify(await recordStates(h, t.id))}`);
      worker = c.fleet.start();
      await worker.ready();
    }
    await publishing;
    await waitAllSynced(h, t.id, w, 75_000);
    await assertExactlyOnce(h, t, w, c.customersBefore);
  }, 120_000);
});
