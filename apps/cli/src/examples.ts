import { EVENT_TYPES, type EventType, EXAMPLE_EVENTS } from '@qbo-sync/contracts';

export const DEMO_TENANT_ID = 'demo';

export interface ExampleFile {
  /** e.g. `invoice-sent.json` */
  file: string;
  type: EventType;
  content: string;
}

export function exampleFileName(type: EventType): string {
  return `${type.replace(/[._]/g, '-')}.json`;
}

/**
 * One valid event per type, from packages/contracts' EXAMPLE_EVENTS with the tenant id replaced, as the
 * files shipped in apps/cli/examples (a test keeps them identical; `pnpm examples` rewrites them).
 */
export function exampleFiles(tenantId: string = DEMO_TENANT_ID): ExampleFile[] {
  return EVENT_TYPES.map((type) => ({
    file: exampleFileName(type),
    type,
    content: `${JSON.stringify({ ...EXAMPLE_EVENTS[type], tenantId }, null, 2)}\n`,
  }));
}
