import { loadConfigOrExit } from '@qbo-sync/config';
import { createDb, prepareDatabaseWhenReachable, SecretBox } from '@qbo-sync/db';
import { isConnectionFault, isDriverCloseCrash } from '@qbo-sync/db/connection-faults';
import { checkReadiness, createLogger, createMetricsRegistry, installProcessGuards } from '@qbo-sync/observability';
import { createProducer, pacingOfBudget, registerInboxMetrics } from '@qbo-sync/producer';
import { createQboClient, createQboMetrics } from '@qbo-sync/qbo-client';
import { Redis } from 'ioredis';
import { createWorkerApp, type WorkerApp } from './app.js';
import { type MetricsServer, startMetricsServer } from './metrics/server.js';
import { createWorkerMetrics } from './metrics/worker-metrics.js';

const config = loadConfigOrExit();
const logger = createLogger({ name: 'worker', level: config.logLevel });
// A PostgreSQL or Redis outage must cost time only: errors it lets escape are logged, not fatal.
installProcessGuards(logger, { isTransient: (err) => isConnectionFault(err) || isDriverCloseCrash(err) });
await prepareDatabaseWhenReachable(config.databaseUrl, {
  onWait: (err, attempt) => logger.warn({ err, attempt }, 'database unreachable at start; waiting for it'),
});
const db = createDb(config.databaseUrl, { max: config.worker.dbConnections });
// BullMQ workers need maxRetriesPerRequest: null (blocking commands must not time out).
const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
// ioredis reconnects by itself; without a listener each failed attempt is printed as "Unhandled error event".
redis.on('error', (err) => logger.warn({ err }, 'redis connection error; reconnecting'));
const producer = createProducer({
  db: db.db,
  redis,
  queuePrefix: config.queuePrefix,
  logger,
  requeueAfterMs: config.worker.inboxRequeueAfterMs,
  maxFutureSkewMs: config.api.maxFutureSkewMs,
  // Sync jobs reach the queue at the pace of their company's budget (producer/src/pacing.ts).
  pacing: pacingOfBudget(config.qbo.rateLimit, config.qbo.releasePacing),
});
const registry = createMetricsRegistry('qbo-sync-worker');
registerInboxMetrics(registry, db.db, logger);
let app: WorkerApp | undefined;
const qbo = createQboClient({
  qbo: config.qbo,
  db: db.db,
  redis,
  secrets: new SecretBox(config.encryptionKeys),
  logger,
  keyPrefix: config.queuePrefix,
  metrics: createQboMetrics(registry),
  // A reconnect releases that tenant's syncs parked as needs_reconnect at once (the sweep would, later).
  onStatusChange: async (change) => {
    if (change.status === 'active') await app?.resumeParked(change.tenantId, { status: 'needs_reconnect' });
  },
});
app = createWorkerApp({ config, db: db.db, redis, qbo, producer, logger, metrics: createWorkerMetrics(registry) });
app.start();

// Metrics are for operators, not for syncing: a taken port (a second worker on this host) logs and carries on.
let metricsServer: MetricsServer | undefined;
const { host: metricsHost, port: metricsPort } = config.worker.metrics;
if (metricsPort > 0) {
  try {
    metricsServer = await startMetricsServer({
      registry,
      host: metricsHost,
      port: metricsPort,
      logger,
      bearerToken: config.api.adminToken,
      readiness: () => checkReadiness({ database: () => db.sql`select 1`, redis: () => redis.ping() }),
    });
    logger.info({ url: `${metricsServer.url}/metrics` }, 'worker metrics served');
  } catch (err) {
    logger.warn(
      { err, host: metricsHost, port: metricsPort },
      'worker metrics not served (set WORKER_METRICS_PORT to a free port per process, or 0 to turn them off)',
    );
  }
}

let stopping: Promise<void> | undefined;
function shutdown(signal: string): Promise<void> {
  stopping ??= (async () => {
    logger.info({ signal }, 'shutting down: finishing running jobs');
    await metricsServer?.close();
    await app?.close();
    await producer.close();
    await qbo.close();
    await redis.quit();
    await db.close();
  })();
  return stopping;
}
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    shutdown(signal).then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}
