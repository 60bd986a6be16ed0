import { randomBytes } from 'node:crypto';
import { type EventType, EXAMPLE_EVENTS, JOB_NAMES, routeEvent, validateEvent } from '@qbo-sync/contracts';
import { SecretBox } from '@qbo-sync/db';
import { createLogger } from '@qbo-sync/observability';
import type { Job } from 'bullmq';
import type { Queues } from '../src/index.js';

export const silentLogger = createLogger({ name: 'producer-test', level: 'silent' });
export const testSecrets = () => new SecretBox([{ id: 'test', key: randomBytes(32) }]);

let counter = 0;
/** An example event with a fresh id (and optionally other changes), so tests never share inbox rows. */
export function freshEvent<T extends EventType>(type: T, changes: Record<string, unknown> = {}) {
  counter += 1;
  return {
    ...structuredClone(EXAMPLE_EVENTS[type]),
    id: `evt-${randomBytes(3).toString('hex')}-${counter}`,
    ...changes,
  };
}

/** Every job in every queue, whatever its state. */
export async function allJobs(queues: Queues): Promise<Job[]> {
  const lists = await Promise.all(
    JOB_NAMES.map((name) =>
      queues[name].getJobs(['waiting', 'prioritized', 'delayed', 'active', 'completed', 'failed']),
    ),
  );
  return lists.flat();
}

export async function jobsWithId(queues: Queues, jobId: string): Promise<Job[]> {
  return (await allJobs(queues)).filter((j) => j.id === jobId);
}

/** The deterministic job id an event is queued under (throws for an invalid event). */
export function jobIdOf(event: unknown): string {
  const r = validateEvent(event);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return routeEvent(r.event).jobId;
}
