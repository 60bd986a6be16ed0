import { describe, expect, it } from '@jest/globals';
import type { Database } from '@qbo-sync/db';
import { createLogger } from '@qbo-sync/observability';
import type { Job } from 'bullmq';
import { composeProcessor, type ProcessorLayer, processorPipeline } from './pipeline.js';
import { currentJobScope } from './sync/job-scope.js';

const job = { id: 'j1', data: {} } as unknown as Job;

describe('processor pipeline', () => {
  it('runs the layers outermost first and skips absent ones', async () => {
    const seen: string[] = [];
    const layer =
      (name: string): ProcessorLayer =>
      (inner) =>
      async (j, token) => {
        seen.push(`${name}>`);
        const result = await inner(j, token);
        seen.push(`<${name}`);
        return `${name}(${result})`;
      };
    const run = composeProcessor(async () => 'handler', [layer('outer'), undefined, layer('inner')]);
    await expect(run(job, 'tok', undefined)).resolves.toBe('outer(inner(handler))');
    expect(seen).toEqual(['outer>', 'inner>', '<inner', '<outer']);
  });

  it('runs every job type in its own scope, aborted by the worker closing or by BullMQ', async () => {
    const closing = new AbortController();
    const cancel = new AbortController();
    const deps = {
      db: {} as Database,
      logger: createLogger({ name: 'test', level: 'silent' }),
      closing: closing.signal,
      onHandBack: () => {},
    };
    const seen: Array<{ owner?: string; aborted?: boolean }> = [];
    const handler = async () => {
      const scope = currentJobScope();
      seen.push({ owner: scope?.owner, aborted: scope?.signal?.aborted });
      return 'delivered';
    };
    const run = processorPipeline('callback.deliver', handler, deps);
    await run(job, 'tok', cancel.signal);
    cancel.abort();
    await run(job, 'tok', cancel.signal);
    await run(job, 'tok', undefined);
    closing.abort();
    await run(job, 'tok', undefined);
    expect(seen).toEqual([
      { owner: 'callback.deliver:j1', aborted: false },
      { owner: 'callback.deliver:j1', aborted: true },
      { owner: 'callback.deliver:j1', aborted: false },
      { owner: 'callback.deliver:j1', aborted: true },
    ]);
    expect(currentJobScope()).toBeUndefined();
  });
});
