import { StaleObjectError } from '@qbo-sync/qbo-client';

/** A stale SyncToken (5010) is re-read and retried this many times before the job's own retry takes over. */
const STALE_RETRIES = 3;

/** Runs a write that needs the current SyncToken, re-reading it after a Stale Object fault. */
export async function withFreshToken<T>(
  initial: string | null,
  read: () => Promise<{ SyncToken: string }>,
  write: (syncToken: string) => Promise<T>,
): Promise<T> {
  let token = initial ?? (await read()).SyncToken;
  for (let i = 0; ; i++) {
    try {
      return await write(token);
    } catch (err) {
      if (!(err instanceof StaleObjectError) || i >= STALE_RETRIES) throw err;
      token = (await read()).SyncToken;
    }
  }
}
