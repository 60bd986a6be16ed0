import type { JobName } from '@qbo-sync/contracts';
import { DeferredError, ENTITY_BUSY_REPORT_AFTER } from '../errors/deferred-error.js';
import type { Processor } from '../processors/types.js';
import { deferReasonOf, outcomeOfError, outcomeOfResult } from './outcome.js';
import type { WorkerMetrics } from './worker-metrics.js';

/** The deferral at which runEntity reported a job kept waiting for its entity (see ENTITY_BUSY_REPORT_AFTER). */
const isBusyReport = (err: unknown) =>
  err instanceof DeferredError &&
  err.reason === 'entity_busy' &&
  err.streak > 0 &&
  err.streak % ENTITY_BUSY_REPORT_AFTER === 0;

/** The processor, recording each run's outcome, duration, deferral reason and (for callbacks) result. */
export function instrumentProcessor(queue: JobName, processor: Processor, metrics: WorkerMetrics): Processor {
  return async (job, token) => {
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    let result: string;
    try {
      result = await processor(job, token);
    } catch (err) {
      metrics.job(queue, outcomeOfError(err, job), seconds());
      const reason = deferReasonOf(err);
      if (reason) metrics.deferral(reason);
      if (isBusyReport(err)) metrics.entityBusyReported(queue);
      if (queue === 'callback.deliver') metrics.callback('failed');
      throw err;
    }
    if (queue === 'callback.deliver') {
      // A run returns `delivered <n>`: the counter counts POSTs, the job outcome counts the run.
      const [kind = result, count] = result.split(' ');
      metrics.job(queue, outcomeOfResult(kind), seconds());
      metrics.callback(kind, count === undefined ? 1 : Number(count));
      return result;
    }
    metrics.job(queue, outcomeOfResult(result), seconds());
    return result;
  };
}
