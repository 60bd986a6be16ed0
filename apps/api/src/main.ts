// Process entry: config → database (migrated) → Redis → producer + QBO client → HTTP. Shuts down on SIGINT/SIGTERM.
import { loadConfigOrExit } from '@qbo-sync/config';
import { createDb, prepareDatabaseWhenReachable, SecretBox } from '@qbo-sync/db';
import { isConnectionFault, isDriverCloseCrash } from '@qbo-sync/db/connection-faults';
import { createLogger, installProcessGuards } from '@qbo-sync/observability';
import { createProducer, pacingOfBudget } from '@qbo-sync/producer';
import { createQboClient } from '@qbo-sync/qbo-client';
import { Redis } from 'ioredis';
import { buildApi } from './app.js';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger({ name: 'qbo-sync-api', level: config.logLevel });
  // A PostgreSQL or Redis outage answers 503s for a while; errors it lets escape must not stop the API.
  installProcessGuards(logger, { isTransient: (err) => isConnectionFault(err) || isDriverCloseCrash(err) });

  await prepareDatabaseWhenReachable(config.databaseUrl, {
    onWait: (err, attempt) => logger.warn({ err, attempt }, 'database unreachable at start; waiting for it'),
  });
  const database = createDb(config.databaseUrl);
  const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
  // ioredis reconnects by itself; without a listener each failed attempt is printed as "Unhandled error event".
  redis.on('error', (err) => logger.warn({ err }, 'redis connection error; reconnecting'));
  const producer = createProducer({
    db: database.db,
    redis,
    queuePrefix: config.queuePrefix,
    logger,
    requeueAfterMs: config.worker.inboxRequeueAfterMs,
    maxFutureSkewMs: config.api.maxFutureSkewMs,
    // Sync jobs reach the queue at the pace of their company's budget (producer/src/pacing.ts).
    pacing: pacingOfBudget(config.qbo.rateLimit, config.qbo.releasePacing),
  });
  const secrets = new SecretBox(config.encryptionKeys);
  // Same key prefix as the worker's client: admin reads of QBO lists share each company's request budget.
  const qbo = createQboClient({
    qbo: config.qbo,
    db: database.db,
    redis,
    secrets,
    logger,
    keyPrefix: config.queuePrefix,
  });
  const app = await buildApi({ config, db: database.db, producer, logger, secrets, redis, qbo });

  let closing: Promise<void> | undefined;
  // Once: a second signal while draining must not close things twice. Order: stop taking requests, then
  // the stores the in-flight requests were using.
  const shutdown = (signal: string) => {
    closing ??= (async () => {
      logger.info({ signal }, 'shutting down');
      await app.close();
      await qbo.close();
      await producer.close();
      await redis.quit();
      await database.close();
      logger.info('stopped');
    })().catch((err: unknown) => {
      logger.error({ err }, 'shutdown failed');
      process.exitCode = 1;
    });
    return closing;
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));

  await app.listen({ host: config.api.host, port: config.api.port });
  logger.info({ url: config.api.publicUrl, docs: `${config.api.publicUrl}/docs` }, 'qbo-sync API listening');
}

main().catch((err: unknown) => {
  process.stderr.write(
    `qbo-sync API failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
