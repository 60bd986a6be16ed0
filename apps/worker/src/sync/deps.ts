import type { Database } from '@qbo-sync/db';
import type { Logger } from '@qbo-sync/observability';
import type { Enqueue, ReleasePacer } from '@qbo-sync/producer';
import type { QboClient } from '@qbo-sync/qbo-client';
import type { Redis } from 'ioredis';
import type { EntityLocks } from './locks.js';
import type { PreferencesCache } from './preferences.js';

/** Adds a job to its queue; an id already present is a no-op (the producer's catalogue semantics). */
export type { Enqueue };

/** What the sync services need; passed in, never imported as singletons. */
export interface SyncDeps {
  db: Database;
  redis: Redis;
  qbo: QboClient;
  logger: Logger;
  enqueue: Enqueue;
  /** The producer's release pacer: budget deferrals take a new release slot (absent: pacing off). */
  pacer?: ReleasePacer | undefined;
  locks: EntityLocks;
  prefs: PreferencesCache;
  now: () => number;
}
