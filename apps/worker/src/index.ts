export { arrangeCallbackRun } from '@qbo-sync/producer';
export { createWorkerApp, type WorkerApp, type WorkerAppDeps } from './app.js';
export {
  CALLBACK_BATCH,
  type CallbackDeps,
  CallbackFailedError,
  type CallbackRun,
  callbackBody,
  type DeliveryResult,
  deliverCallbacks,
} from './callbacks/deliver.js';
export { DELIVERY_HEADER, SIGNATURE_HEADER, signCallback, TIMESTAMP_HEADER, verifyCallback } from './callbacks/sign.js';
export { ENTITY_BUSY_REPORT_AFTER } from './errors/deferred-error.js';
export { JOB_OUTCOMES, type JobOutcome } from './metrics/outcome.js';
export { type MetricsServer, type MetricsServerOptions, startMetricsServer } from './metrics/server.js';
export { createWorkerMetrics, type WorkerMetrics } from './metrics/worker-metrics.js';
export type { Handlers, Processor } from './processors/types.js';
export { recordStalledJobs, STALLED_REASON, WORKER_CRASHED } from './stalled-jobs.js';
export { runSweeps, type SweepResult, startSweeps } from './sweeps.js';
