import type { Config } from '@qbo-sync/config';
import type { Database, SecretBox } from '@qbo-sync/db';
import type { Logger } from '@qbo-sync/observability';
import type { Producer } from '@qbo-sync/producer';
import type { QboClient } from '@qbo-sync/qbo-client';
import type { Redis } from 'ioredis';
import type { ApiMetrics } from './metrics/api-metrics.js';

/** Everything the API's routes use, passed in (no module singletons). Areas may add optional fields. */
export interface ApiDeps {
  config: Config;
  db: Database;
  producer: Producer;
  logger: Logger;
  secrets: SecretBox;
  redis: Redis;
  /** Current time in ms; tests move it to check the signature replay window. */
  now?: () => number;
  /** QBO OAuth and API (connect, disconnect, live lists for mapping screens); those routes answer 503 without it. */
  qbo?: QboClient;
  /** Prometheus registry and counters; buildApi creates one when absent. */
  metrics?: ApiMetrics;
}

/** Options every route plugin receives: `app.register(plugin, { deps })`. */
export interface RouteOptions {
  deps: ApiDeps;
}
