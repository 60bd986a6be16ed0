// The sweep loop against a real database: a pass that hangs (a store call that never answers) must not stop
// the sweeps for the life of the process — the inbox sweep is what re-queues events whose jobs Redis lost.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createLogger } from '@qbo-sync/observability';
import { createTestDatabase, type TestDatabase, waitFor } from '@qbo-sync/testkit';
import { startSweeps } from '@qbo-sync/worker';

describe('sweep loop', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('sweeps');
  });
  afterAll(async () => {
    await db.drop();
  });

  it('reports a hung pass with its step and starts new passes instead of waiting for it for ever', async () => {
    const errors: Record<string, unknown>[] = [];
    const logger = createLogger({ name: 'sweeps-test', level: 'silent' });
    logger.error = ((obj: Record<string, unknown>) => {
      errors.push(obj);
    }) as typeof logger.error;
    let calls = 0;
    const sweeps = startSweeps(
      {
        db: db.db,
        enqueue: async () => {},
        logger,
        // The first pass never comes back; later ones do.
        sweepInbox: () => (++calls === 1 ? new Promise(() => {}) : Promise.resolve({ lost: 0 })),
      },
      20,
      200,
    );
    try {
      await waitFor(() => calls >= 3, { timeoutMs: 5_000, what: 'passes after the hung one' });
    } finally {
      await sweeps.stop();
    }
    expect(errors[0]).toMatchObject({ step: 'inbox' });
  });
});
