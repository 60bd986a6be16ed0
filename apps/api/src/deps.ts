import type { Config } from '@qbo-sync/config';
import type { Database, SecretBox } from '@qbo-sync/db';
import type { Logger } from '@qbo-sync/observability';
import type { Producer } from '@qbo-sync/producer';
import type { Redis } from 'ioredis';

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
}

/** Options every route plugin receives: `app.register(plugin, { deps })`. */
export interface RouteOptions {
  deps: ApiDeps;
}
