import type { JobName, JobPayload } from '@qbo-sync/contracts';
import type { Database } from '@qbo-sync/db';
import type { Logger } from '@qbo-sync/observability';
import type { QboClient } from '@qbo-sync/qbo-client';
import type { Redis } from 'ioredis';
import type { EntityLocks } from './locks.js';
import type { PreferencesCache } from './preferences.js';

/** Adds a job to its queue; an id already present is a no-op (the producer's catalogue semantics). */
export type Enqueue = <K extends JobName>(
  job: K,
  payload: JobPayload<K>,
  opts: { jobId: string; priority?: number; delay?: number },
) => Promise<void>;

/** What the sync services need; passed in, never imported as singletons. */
export interface SyncDeps {
  db: Database;
  redis: Redis;
  qbo: QboClient;
  logger: Logger;
  enqueue: Enqueue;
  locks: EntityLocks;
  prefs: PreferencesCache;
  now: () => number;
}
