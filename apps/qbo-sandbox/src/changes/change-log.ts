// What changed in a realm and when: the source of the CDC endpoint and of webhook notifications.
import type { EntityName } from '../entities/types.js';

/** QBO's webhook operation names (developer.intuit.com …/develop/webhooks: Create, Update, Delete, Merge, Void). */
export type ChangeOperation = 'Create' | 'Update' | 'Delete' | 'Void';

export interface Change {
  entity: EntityName;
  id: string;
  operation: ChangeOperation;
  /** Sandbox clock, ms. */
  at: number;
}

/** Latest change per object (CDC returns an object once, in its latest state) in the order they happened. */
export class ChangeLog {
  private readonly latest = new Map<string, Change>();
  private listener: ((realmId: string, change: Change) => void) | undefined;

  constructor(private readonly realmId: string) {}

  onChange(listener: ((realmId: string, change: Change) => void) | undefined): void {
    this.listener = listener;
  }

  note(change: Change): void {
    const key = `${change.entity}:${change.id}`;
    // Re-inserting keeps the Map in the order of each object's latest change.
    this.latest.delete(key);
    this.latest.set(key, change);
    this.listener?.(this.realmId, change);
  }

  /** Latest changes of the given entities at or after `since`, oldest first. */
  since(entities: ReadonlySet<EntityName>, since: number): Change[] {
    const out: Change[] = [];
    for (const c of this.latest.values()) if (c.at >= since && entities.has(c.entity)) out.push(c);
    return out.sort((a, b) => a.at - b.at);
  }
}
