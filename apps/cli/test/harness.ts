import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApi } from '@qbo-sync/api';
import { type Config, loadConfig } from '@qbo-sync/config';
import { SecretBox } from '@qbo-sync/db';
import { createLogger } from '@qbo-sync/observability';
import { createProducer, type Producer } from '@qbo-sync/producer';
import { createQboClient, type QboClient } from '@qbo-sync/qbo-client';
import { type RunningSandbox, type SeededIds, startSandbox } from '@qbo-sync/qbo-sandbox';
import {
  createTestDatabase,
  deleteKeysWithPrefix,
  type TestDatabase,
  testRedis,
  uniqueQueuePrefix,
} from '@qbo-sync/testkit';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { runCli } from '../src/cli.js';
import { DEMO_REALM_ID } from '../src/demo/setup.js';
import { bufferedOutput } from '../src/output.js';

export const CLI_ROOT = join(import.meta.dirname, '..');
export const EXAMPLES_DIR = join(CLI_ROOT, 'examples');
/** Small, so tests see the CLI learn the API's batch limit from its 413. */
export const MAX_BATCH = 7;

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Harness {
  apiUrl: string;
  sandbox: RunningSandbox;
  /** Ids of the entities seeded in the sandbox's demo company. */
  demoSeeded: SeededIds;
  config: Config;
  db: TestDatabase;
  redis: Redis;
  producer: Producer;
  /** Environment of every CLI run: this API, a credentials file of its own, a HOME of its own. */
  env: Record<string, string>;
  credentialsFile: string;
  home: string;
  /** Runs the CLI's command functions in-process (same code path as the binary, minus process.exit). */
  cli(argv: string[], opts?: { env?: Record<string, string>; stdin?: string }): Promise<CliRun>;
  close(): Promise<void>;
}

/** A free TCP port, so the API can be configured with its own redirect URI before it listens. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/**
 * The real system minus the worker: the sandbox (with the demo company) over HTTP, a fresh database, its
 * own queue prefix, and the API built with buildApi listening on a real port. Nothing mocked.
 */
export async function startHarness(label: string, opts: { adminToken?: string } = {}): Promise<Harness> {
  const sandbox = await startSandbox({ port: 0 });
  const demo = sandbox.createRealm({ realmId: DEMO_REALM_ID, seed: true, companyName: 'Demo Moving Co.' });
  if (!demo.seeded) throw new Error('the sandbox did not seed the demo company');
  const demoSeeded = demo.seeded;
  const db = await createTestDatabase(label);
  const redis = testRedis();
  const prefix = uniqueQueuePrefix(label);
  const port = await freePort();
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: db.url,
    QUEUE_PREFIX: prefix,
    SANDBOX_PORT: String(sandbox.port),
    API_PORT: String(port),
    INGEST_MAX_BATCH: String(MAX_BATCH),
    ...(opts.adminToken ? { ADMIN_TOKEN: opts.adminToken } : {}),
  });
  const logger = createLogger({ name: `cli-test-${label}`, level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const secrets = new SecretBox(config.encryptionKeys);
  const producer = createProducer({ db: db.db, redis, queuePrefix: prefix, logger });
  const qbo: QboClient = createQboClient({
    qbo: config.qbo,
    db: db.db,
    redis,
    secrets,
    logger,
    keyPrefix: prefix,
    retryMinTimeoutMs: 20,
  });
  const app: FastifyInstance = await buildApi({ config, db: db.db, producer, logger, secrets, redis, qbo });
  await app.listen({ host: '127.0.0.1', port });
  const apiUrl = `http://127.0.0.1:${port}`;
  const home = await mkdtemp(join(tmpdir(), `qbo-sync-cli-${label}-`));
  const credentialsFile = join(home, '.config', 'qbo-sync', 'credentials.json');
  const env = { QBO_SYNC_API_URL: apiUrl, HOME: home, XDG_CONFIG_HOME: join(home, '.config') };

  return {
    apiUrl,
    sandbox,
    demoSeeded,
    config,
    db,
    redis,
    producer,
    env,
    credentialsFile,
    home,
    async cli(argv, opts = {}) {
      const out = bufferedOutput();
      const code = await runCli(argv, {
        env: { ...env, ...opts.env },
        out,
        examplesDir: EXAMPLES_DIR,
        invocation: 'qbo-sync',
        readStdin: () => Promise.resolve(opts.stdin ?? ''),
      });
      return { code, stdout: out.stdout.join('\n'), stderr: out.stderr.join('\n') };
    },
    async close() {
      await app.close();
      await qbo.close();
      await producer.close();
      await deleteKeysWithPrefix(redis, prefix);
      await redis.quit();
      await db.drop();
      await sandbox.close();
      await rm(home, { recursive: true, force: true });
    },
  };
}
