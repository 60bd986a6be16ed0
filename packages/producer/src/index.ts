export { arrangeCallbackRun } from './callbacks.js';
export {
  closeQueues,
  createQueues,
  type EnqueueDeduplication,
  type EnqueueOptions,
  enqueueJob,
  JOB_OPTIONS,
  JOB_RETENTION,
  type JobRetryPolicy,
  jobOptions,
  type Queues,
  queueName,
} from './catalogue.js';
export { EnqueueTimeoutError, ProducerClosedError } from './errors.js';
export { registerInboxMetrics } from './inbox-metrics.js';
export {
  countTenantDeferral,
  HEARTBEAT_INTERVAL_MS,
  HEARTBEAT_STALE_MS,
  readHeartbeats,
  removeHeartbeat,
  tenantDeferralsLastHour,
  type WorkerBeat,
  writeHeartbeat,
} from './ops-counters.js';
export {
  createReleasePacer,
  laneOfPriority,
  pacingOfBudget,
  type ReleaseLane,
  type ReleasePacer,
  type ReleasePacingOptions,
  releaseKeys,
} from './pacing.js';
export type { PublishResult, RejectionCode } from './prepare.js';
export { createProducer, type Producer, type ProducerDeps, type PublishOptions } from './producer.js';
export {
  ENTITY_SYNC_JOB,
  type Enqueue,
  enqueueResume,
  NothingToReplayError,
  queueEnqueue,
  type ReplayDeps,
  type ReplayFilter,
  replayRecord,
  replayWhere,
  requestManualSync,
  resumeJobId,
  resumeJobOf,
  resumeParked,
  resumeStamp,
} from './replay.js';
export { removeTenantJobs } from './tenant-jobs.js';
