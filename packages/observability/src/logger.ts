import { type DestinationStream, type Logger, pino } from 'pino';

/**
 * Paths whose values never reach a log line. Covers OAuth tokens, client secrets, API keys,
 * signatures and authorization headers wherever they sit (top level or one/two levels deep).
 */
const SECRET_KEYS = [
  'access_token',
  'refresh_token',
  'accessToken',
  'refreshToken',
  'id_token',
  'client_secret',
  'clientSecret',
  'apiKey',
  'api_key',
  'password',
  'secret',
  'signingSecret',
  'token',
  'authorization',
  'Authorization',
  'cookie',
  'x-api-key',
  'x-qbo-sync-signature',
  // Intuit webhooks: the app's verifier token and each delivery's signature.
  'webhookVerifierToken',
  'verifierToken',
  'intuit-signature',
];
export const REDACT_PATHS = [
  ...SECRET_KEYS,
  ...SECRET_KEYS.map((k) => `*.${k}`),
  ...SECRET_KEYS.map((k) => `*.*.${k}`),
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers["x-qbo-sync-signature"]',
  'req.headers["intuit-signature"]',
  'headers.authorization',
];

// Bearer tokens and key=value secrets inside free text (error messages, URLs) are masked too.
const SECRET_IN_TEXT = /(Bearer\s+)[\w.~+/=-]+|((?:access_token|refresh_token|client_secret|code)=)[^&\s"]+/gi;
export function maskSecretsInText(text: string): string {
  return text.replace(
    SECRET_IN_TEXT,
    (_m, bearer: string | undefined, kv: string | undefined) => `${bearer ?? kv}[REDACTED]`,
  );
}

// Database errors carry the row being written: postgres.js keeps every bound parameter on the error,
// drizzle repeats them in its message ("params: ..."), PostgreSQL quotes bad input in its message and row
// values in `detail`/`where`. Those are customers' emails, phones, addresses and API-key hashes: dropped.
const PERSONAL_ERROR_FIELDS = new Set(['parameters', 'params', 'args', 'types', 'detail', 'where', 'input']);
const DRIZZLE_PARAMS = /\nparams: [^\n]*/g;
const ECHOED_INPUT = /(invalid input (?:syntax|value) for [^:\n]+: )"(?:[^"\\]|\\.)*"/g;

/** Masks bound parameters and echoed values (plus secrets) in an error's message or stack. */
export function scrubErrorText(text: string): string {
  return maskSecretsInText(
    text.replace(DRIZZLE_PARAMS, '\nparams: [REDACTED]').replace(ECHOED_INPUT, '$1"[REDACTED]"'),
  );
}

function serializeError(err: unknown): unknown {
  if (!(err instanceof Error) && !(err && typeof err === 'object' && 'message' in err)) return err;
  const s = pino.stdSerializers.err(err as Error) as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(s)) {
    if (PERSONAL_ERROR_FIELDS.has(key)) continue;
    if (key === 'message' || key === 'stack') out[key] = typeof value === 'string' ? scrubErrorText(value) : value;
    else if (key === 'aggregateErrors' && Array.isArray(value)) out[key] = value.map(serializeError);
    else out[key] = value;
  }
  return out;
}

export interface LoggerOptions {
  name: string;
  level?: string;
  destination?: DestinationStream;
}

export function createLogger({ name, level = process.env.LOG_LEVEL ?? 'info', destination }: LoggerOptions): Logger {
  return pino(
    {
      name,
      level,
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      // Errors are logged as `err` by convention; `error` and `cause` get the same treatment when used.
      serializers: { err: serializeError, error: serializeError, cause: serializeError },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

export type { Logger };
