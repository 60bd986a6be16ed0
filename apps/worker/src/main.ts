import { loadConfigOrExit } from '@qbo-sync/config';
import { createDb, prepareDatabase, SecretBox } from '@qbo-sync/db';
import { createLogger, createMetricsRegistry } from '@qbo-sync/observability';
import { createProducer } from '@qbo-sync/producer';
import { createQboClient, createQboMetrics } from '@qbo-sync/qbo-client';
import { Redis } from 'ioredis';
import { createWorkerApp, type WorkerApp } from './app.js';
import { type MetricsServer, startMetricsServer } from './metrics/server.js';
import { createWorkerMetrics } from './metrics/worker-metrics.js';

const config = loadConfigOrExit();
const logger = createLogger({ name: 'worker', level: config.logLevel });
await prepareDatabase(config.databaseUrl);
const db = createDb(config.databaseUrl, { max: Math.max(10, Math.ceil(config.worker.concurrency / 2)) });
// BullMQ workers need maxRetriesPerRequest: null (blocking commands must not time out).
const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
const producer = createProducer({
  db: db.db,
  redis,
  queuePrefix: config.queuePrefix,
  logger,
  maxFutureSkewMs: config.api.maxFutureSkewMs,
});
const registry = createMetricsRegistry('qbo-sync-worker');
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
process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection'));
