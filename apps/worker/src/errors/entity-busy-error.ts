/** Another job holds this entity's lock; the job is deferred briefly instead of running concurrently. */
export class EntityBusyError extends Error {
  readonly code = 'ENTITY_BUSY';
  constructor(
    readonly lockKey: string,
    readonly retryAfterMs: number,
    /** The job holding the lock (its id), when it could be read. */
    readonly holder?: string,
  ) {
    super(
      `entity ${lockKey} is being synced by another job${holder ? ` (${holder})` : ''}; retrying in ${retryAfterMs} ms`,
    );
    this.name = 'EntityBusyError';
  }
}
