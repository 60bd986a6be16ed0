/** When a billing entity's data was true, as recorded on its sync record. */
export interface SnapshotVersion {
  occurredAt: Date;
  eventId: string;
}

/**
 * Newer events win: an event older than the stored snapshot never overwrites it (events can arrive out
 * of order, and replays re-deliver old ones). Equal times are broken by event id so every worker agrees.
 */
export function isNewerSnapshot(incoming: SnapshotVersion, current: SnapshotVersion | undefined): boolean {
  if (!current) return true;
  const a = incoming.occurredAt.getTime();
  const b = current.occurredAt.getTime();
  if (a !== b) return a > b;
  return incoming.eventId >= current.eventId;
}

/** JSON with object keys sorted, so equal data always hashes equally. */
export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
}
