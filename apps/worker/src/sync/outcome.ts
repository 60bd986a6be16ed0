import type { SyncStatus } from '@qbo-sync/contracts';

/** What one run of a sync decided or achieved; written to the sync record by `writeOutcome`. */
export type Outcome =
  | {
      kind: 'synced';
      qboId: string;
      syncToken: string;
      docNumber?: string | null;
      url: string;
      /** Hash of the billing snapshot now in QBO (null: not tracked for this entity). */
      hash: string | null;
      details?: Record<string, unknown>;
    }
  | {
      kind: 'parked';
      status: Exclude<SyncStatus, 'synced' | 'voided' | 'pending' | 'syncing'>;
      reasonCode: string;
      reason: string;
      details?: Record<string, unknown>;
      /** `waiting`: the dependency, "<entityType>:<externalId>". */
      waitingFor?: string;
    }
  | {
      kind: 'voided';
      syncToken?: string | null;
      reason: string;
      /** Why nothing is in QBO (e.g. VOIDED_AS_DRAFT: a later-arriving sent state may still be posted). */
      reasonCode?: string;
      /** e.g. `{ voidReason: 'echeck_rejected' }`. */
      details?: Record<string, unknown>;
      /** Posted just before it was voided (the void overtook it): the object now in QBO. */
      posted?: { qboId: string; url: string; docNumber: string | null; hash: string | null };
    }
  | { kind: 'noop'; reason: string };
