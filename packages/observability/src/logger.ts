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
];
export const REDACT_PATHS = [
  ...SECRET_KEYS,
  ...SECRET_KEYS.map((k) => `*.${k}`),
  ...SECRET_KEYS.map((k) => `*.*.${k}`),
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers["x-qbo-sync-signature"]',
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
      serializers: {
        err: (err: unknown) => {
          const s = pino.stdSerializers.err(err as Error);
          return { ...s, message: maskSecretsInText(s.message), stack: s.stack && maskSecretsInText(s.stack) };
        },
      },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

export type { Logger };
