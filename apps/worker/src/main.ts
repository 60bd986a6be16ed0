import { loadConfigOrExit } from '@qbo-sync/config';
import { createDb, prepareDatabase, SecretBox } from '@qbo-sync/db';
import { createLogger } from '@qbo-sync/observability';
import { createProducer } from '@qbo-sync/producer';
import { createQboClient } from '@qbo-sync/qbo-client';
import { Redis } from 'ioredis';
import { createWorkerApp, type WorkerApp } from './app.js';

const config = loadConfigOrExit();
const logger = createLogger({ name: 'worker', level: config.logLevel });
await prepareDatabase(config.databaseUrl);
const db = createDb(config.databaseUrl, { max: Math.max(10, Math.ceil(config.worker.concurrency / 2)) });
// BullMQ workers need maxRetriesPerRequest: null (blocking commands must not time out).
const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
const producer = createProducer({ db: db.db, redis, queuePrefix: config.queuePrefix, logger });
let app: WorkerApp | undefined;
const qbo = createQboClient({
  qbo: config.qbo,
  db: db.db,
  redis,
  secrets: new SecretBox(config.encryptionKeys),
  logger,
  keyPrefix: config.queuePrefix,
  // A reconnect releases that tenant's syncs parked as needs_reconnect at once (the sweep would, later).
  onStatusChange: async (change) => {
    if (change.status === 'active') await app?.resumeParked(change.tenantId, { status: 'needs_reconnect' });
  },
});
app = createWorkerApp({ config, db: db.db, redis, qbo, producer, logger });
app.start();

let stopping: Promise<void> | undefined;
function shutdown(signal: string): Promise<void> {
  stopping ??= (async () => {
    logger.info({ signal }, 'shutting down: finishing running jobs');
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
