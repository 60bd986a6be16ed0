import type { JobName } from '@qbo-sync/contracts';
import type { Job } from 'bullmq';

/**
 * One processor per job type; it returns a short result string kept on the completed job. `signal` is
 * BullMQ's per-job signal, read only by the job scope layer (a run reads its scope's signal instead).
 */
export type Processor = (job: Job, token?: string, signal?: AbortSignal) => Promise<string>;

/** The typed handler map: a job name without a processor does not compile. */
export type Handlers = { readonly [K in JobName]: Processor };
