import type { TenantCredentials } from '../credentials.js';
import type { ApiClient } from '../http.js';
import { addResults, BatchSender, emptyTally, type Tally } from '../ingest.js';
import { generateLoad, type LoadPlan } from './generate.js';

export interface LoadTarget {
  tenantId: string;
  credentials: TenantCredentials;
}

export interface TenantLoadReport extends Tally {
  tenantId: string;
  events: number;
  ms: number;
}

/**
 * Sends one tenant's generated events with `concurrency` batches in flight. The generator is synchronous,
 * so the workers can share it: each takes the next slice between awaits.
 */
export async function sendTenantLoad(
  api: ApiClient,
  target: LoadTarget,
  plan: LoadPlan,
  opts: { concurrency: number; batchSize?: number | undefined; now: () => number },
): Promise<TenantLoadReport> {
  const started = opts.now();
  const sender = new BatchSender(api, target.credentials, { batchSize: opts.batchSize });
  const events = generateLoad(plan);
  const tally = emptyTally();
  let count = 0;
  const take = () => {
    const chunk = [];
    for (let next = events.next(); !next.done; next = events.next()) {
      chunk.push(next.value);
      if (chunk.length >= sender.batchSize) break;
    }
    return chunk;
  };
  const worker = async () => {
    for (let chunk = take(); chunk.length > 0; chunk = take()) {
      count += chunk.length;
      addResults(tally, await sender.send(chunk));
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  return { tenantId: target.tenantId, events: count, ...tally, ms: opts.now() - started };
}
