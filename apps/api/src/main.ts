// Process entry: config → database (migrated) → Redis → producer + QBO client → HTTP. Shuts down on SIGINT/SIGTERM.
import { loadConfigOrExit } from '@qbo-sync/config';
import { createDb, prepareDatabase, SecretBox } from '@qbo-sync/db';
import { createLogger } from '@qbo-sync/observability';
import { createProducer } from '@qbo-sync/producer';
import { createQboClient } from '@qbo-sync/qbo-client';
import { Redis } from 'ioredis';
import { buildApi } from './app.js';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger({ name: 'qbo-sync-api', level: config.logLevel });
  process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection'));

  await prepareDatabase(config.databaseUrl);
  const database = createDb(config.databaseUrl);
  const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
  const producer = createProducer({
    db: database.db,
    redis,
    queuePrefix: config.queuePrefix,
    logger,
    maxFutureSkewMs: config.api.maxFutureSkewMs,
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
