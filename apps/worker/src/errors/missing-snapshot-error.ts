/** A job for an entity we hold no data for (its event is gone from the inbox): nothing to sync, ever. */
export class MissingSnapshotError extends Error {
  readonly code = 'MISSING_SNAPSHOT';
  constructor(
    readonly entityType: string,
    readonly externalId: string,
  ) {
    super(`no billing data stored for ${entityType} ${externalId}; re-send its event`);
    this.name = 'MissingSnapshotError';
  }
}
