// One chaos suite's world: the sandbox, a fresh database, a queue prefix and the API in-process (the
// in-process worker is NOT started), a tenant connected to a seeded company, and a fleet of worker
// processes to start and SIGKILL.
import { TEST_REDIS_URL } from '@qbo-sync/testkit';
import { type Harness, startHarness, type Tenant } from '../../support/harness.js';
import { WorkerFleet } from './worker-process.js';

export interface Chaos {
  h: Harness;
  fleet: WorkerFleet;
  tenant: Tenant;
  /** Customers the seeded company had before the run (the workload's are the others). */
  customersBefore: Set<string>;
  /** Publishes events through the signed ingest API, a few at a time. */
  publishAll(events: Parameters<Harness['publish']>[0][]): Promise<void>;
  close(): Promise<void>;
}

// The budget is raised so throttling does not stretch the run (throttling has its own e2e suite); the
// HTTP timeout is short so that the rate limiter's leases a killed process held expire soon
// (leaseTtl = timeout + 5 s) instead of blocking the realm's concurrency for 35 s.
const WORKER_ENV = { QBO_RATE_LIMIT_PER_WINDOW: '4500', QBO_HTTP_TIMEOUT_MS: '5000' };

export interface ChaosOptions {
  /** Redis and PostgreSQL servers of the suite's own (`@qbo-sync/testkit`'s own-services.ts), for suites that kill them. */
  redisUrl?: string;
  pgBaseUrl?: string;
  /** INBOX_REQUEUE_AFTER_MS for the API and the workers: how soon a job Redis lost is queued again. */
  requeueAfterMs?: number;
  /** Extra worker environment. */
  workerEnv?: Record<string, string>;
}

export async function startChaos(label: string, opts: ChaosOptions = {}): Promise<Chaos> {
  const h = await startHarness(label, {
    startWorker: false,
    sandbox: { limits: { requestsPerWindow: 5000, windowMs: 60_000, maxConcurrent: 10 } },
    // The API's producer paces jobs by the same budget the worker processes admit requests by.
    env: { QBO_RATE_LIMIT_PER_WINDOW: WORKER_ENV.QBO_RATE_LIMIT_PER_WINDOW },
    ...(opts.redisUrl ? { redisUrl: opts.redisUrl } : {}),
    ...(opts.pgBaseUrl ? { pgBaseUrl: opts.pgBaseUrl } : {}),
    ...(opts.requeueAfterMs !== undefined ? { requeueAfterMs: opts.requeueAfterMs } : {}),
  });
  const fleet = new WorkerFleet({
    databaseUrl: h.db.url,
    redisUrl: opts.redisUrl ?? TEST_REDIS_URL,
    queuePrefix: h.prefix,
    sandboxPort: h.sandbox.port,
    concurrency: 8,
    lockDurationMs: 2_000,
    sweepIntervalMs: 250,
    extra: {
      ...WORKER_ENV,
      ...(opts.requeueAfterMs !== undefined ? { INBOX_REQUEUE_AFTER_MS: String(opts.requeueAfterMs) } : {}),
      ...opts.workerEnv,
    },
  });
  try {
    const tenant = await h.tenant();
    const customersBefore = new Set((await h.entities(tenant.realmId, 'Customer')).map((c) => String(c['Id'])));
    return {
      h,
      fleet,
      tenant,
      customersBefore,
      async publishAll(events) {
        for (let i = 0; i < events.length; i += 8) await Promise.all(events.slice(i, i + 8).map((e) => h.publish(e)));
      },
      async close() {
        await fleet.killAll();
        await h.close();
      },
    };
  } catch (err) {
    await fleet.killAll();
    await h.close();
    throw err;
  }
}
