export { createWorkerApp, type WorkerApp, type WorkerAppDeps } from './app.js';
export { CallbackFailedError, callbackBody, deliverCallback } from './callbacks/deliver.js';
export { DELIVERY_HEADER, SIGNATURE_HEADER, signCallback, TIMESTAMP_HEADER, verifyCallback } from './callbacks/sign.js';
export type { Handlers, Processor } from './processors/types.js';
export { runSweeps, type SweepResult } from './sweeps.js';
