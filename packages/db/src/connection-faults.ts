// Errors that mean "a store is unreachable right now" (PostgreSQL or Redis down, restarting, failing over),
// as opposed to a bug or bad data. Such an error costs time, never a sync: jobs step aside and retry, the
// process stays up. Recognised by code, walking `cause` (drizzle wraps driver errors in DrizzleQueryError).

/** Socket-level codes (node) and postgres.js connection codes. CONNECTION_ENDED (our own sql.end()) is not one. */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'CONNECTION_CLOSED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
  // producer: Redis did not take a job in time
  'ENQUEUE_TIMEOUT',
]);

/** PostgreSQL SQLSTATEs of a server going away or not taking connections yet. */
const PG_STATES = new Set(['57P01', '57P02', '57P03', '53300']);

/** ioredis: the connection dropped with commands in flight, or a replica is loading / read-only after failover. */
const REDIS_MESSAGES = [
  /^Connection is closed\.?$/,
  /^LOADING\b/,
  /^READONLY\b/,
  /^Reached the max retries per request/,
];

function isOne(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const { code, message, name } = err as { code?: unknown; message?: unknown; name?: unknown };
  if (typeof code === 'string' && (CONNECTION_CODES.has(code) || PG_STATES.has(code) || /^08\w{3}$/.test(code))) {
    return true;
  }
  if (name === 'MaxRetriesPerRequestError') return true;
  return typeof message === 'string' && REDIS_MESSAGES.some((re) => re.test(message));
}

/** True when the error (or one it wraps) says a store is unreachable, not that something is wrong. */
export function isConnectionFault(err: unknown): boolean {
  let e: unknown = err;
  for (let depth = 0; depth < 5 && e; depth++) {
    if (isOne(e)) return true;
    if (e instanceof AggregateError && e.errors.some(isOne)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * postgres.js 3.4.x throws a TypeError from a setImmediate when a connection closes with a small write
 * pending (porsager/postgres#1154; patched in patches/postgres@3.4.9.patch). Recognised by its frame so the
 * process guard keeps running should an unpatched driver ever be installed.
 */
export function isDriverCloseCrash(err: unknown): boolean {
  return (
    err instanceof TypeError &&
    /reading 'write'/.test(err.message) &&
    /postgres\/(cjs\/)?src\/connection\.js/.test(err.stack ?? '') &&
    /nextWrite/.test(err.stack ?? '')
  );
}
