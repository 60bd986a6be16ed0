import { z } from 'zod';

/** Blank strings in the environment mean "not set", so defaults still apply. */
const blankAsUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const opt = <T extends z.ZodType>(schema: T) => z.preprocess(blankAsUndefined, schema.optional());
const withDefault = <T extends z.ZodType>(schema: T, value: z.input<T>) =>
  z.preprocess(blankAsUndefined, schema.default(value as never));
const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/** Every environment variable the system reads; defaults work on a developer machine. */
export const EnvSchema = z.object({
  NODE_ENV: withDefault(z.enum(['development', 'test', 'production']), 'development'),
  LOG_LEVEL: withDefault(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']), 'info'),

  DATABASE_URL: withDefault(z.url({ protocol: /^postgres(ql)?$/ }), 'postgres://postgres@127.0.0.1:5432/qbo_sync'),
  REDIS_URL: withDefault(z.url({ protocol: /^rediss?$/ }), 'redis://127.0.0.1:6379'),
  QUEUE_PREFIX: withDefault(
    z.string().regex(/^\{[\w-]+\}$/, 'must be a hash-tagged name like {qbo-sync}'),
    '{qbo-sync}',
  ),

  API_HOST: withDefault(z.string(), '127.0.0.1'),
  API_PORT: withDefault(port, 3000),
  API_PUBLIC_URL: opt(z.url()),
  /** Protects the admin/support API and dashboards. Required in production. */
  ADMIN_TOKEN: opt(z.string().min(16, 'must be at least 16 characters')),
  INGEST_MAX_BATCH: withDefault(positiveInt.max(1000), 100),
  INGEST_BODY_LIMIT_BYTES: withDefault(positiveInt, 1_048_576),
  INGEST_SIGNATURE_TOLERANCE_SECONDS: withDefault(positiveInt, 300),
  /** How far ahead of the server clock an event's occurredAt may be (newest wins, so the future would freeze it). */
  /**
   * Per-tenant ingest share: events a tenant may submit a second (sustained) and at once (burst), counted
   * across API processes in Redis. Beyond it the API answers 429 with Retry-After. 0 turns it off.
   */
  INGEST_TENANT_EVENTS_PER_SECOND: withDefault(z.coerce.number().int().min(0), 1_000),
  INGEST_TENANT_BURST_EVENTS: withDefault(positiveInt, 5_000),
  INGEST_MAX_FUTURE_SKEW_SECONDS: withDefault(z.coerce.number().int().min(0).max(86_400), 300),
  /**
   * Development only: comma-separated host or host:port callback targets allowed over http and on private or
   * loopback addresses (e.g. `127.0.0.1:4500`). Empty: callbacks go only to public https endpoints.
   */
  CALLBACK_ALLOWED_HOSTS: opt(z.string()),

  SANDBOX_HOST: withDefault(z.string(), '127.0.0.1'),
  SANDBOX_PORT: withDefault(port, 4010),

  QBO_API_BASE_URL: opt(z.url()),
  QBO_OAUTH_TOKEN_URL: opt(z.url()),
  QBO_OAUTH_AUTHORIZE_URL: opt(z.url()),
  QBO_OAUTH_REVOKE_URL: opt(z.url()),
  QBO_APP_BASE_URL: opt(z.url()),
  QBO_CLIENT_ID: opt(z.string().min(1)),
  QBO_CLIENT_SECRET: opt(z.string().min(1)),
  QBO_REDIRECT_URI: opt(z.url()),
  QBO_MINOR_VERSION: withDefault(positiveInt, 75),
  QBO_HTTP_TIMEOUT_MS: withDefault(positiveInt, 30_000),
  /** Per-realm budget, kept under QBO's 500/min and 10 concurrent with a safety margin. */
  QBO_RATE_LIMIT_PER_WINDOW: withDefault(positiveInt, 450),
  QBO_RATE_WINDOW_MS: withDefault(positiveInt, 60_000),
  QBO_MAX_CONCURRENT_PER_REALM: withDefault(positiveInt.max(10), 8),
  /**
   * Short window on top of the minute budget: QBO also allows 10 requests a second per realm and app. Default
   * 8 against Intuit, 0 (off) against the local sandbox, which enforces no per-second limit.
   */
  QBO_BURST_PER_SECOND: opt(z.coerce.number().int().min(0).max(10)),
  /**
   * Release pacing (docs/architecture.md "Rate limits and fairness"): sync jobs reach the queue at the pace
   * of their company's budget, a flood waits in the delayed set. On by default.
   */
  QBO_RELEASE_PACING: withDefault(bool, 'true'),
  /** Added to the paced windows: about one QBO request's duration (the budget counts requests from their answer). */
  QBO_RELEASE_SLACK_MS: withDefault(z.coerce.number().int().min(0).max(10_000), 200),

  /** Comma-separated `keyId:base64(32 bytes)`; the first is used to encrypt, all are tried to decrypt. */
  TOKEN_ENCRYPTION_KEYS: opt(z.string()),

  WORKER_CONCURRENCY: withDefault(positiveInt, 20),
  /**
   * PostgreSQL connections of one worker process (default max(4, concurrency ÷ 5)). Fewer connections than
   * jobs is deliberate: postgres.js pipelines the jobs' statements on each, so one socket write carries
   * several (docs/benchmarks.md: CPU per sync fell ~15% going from 10 to 4 at concurrency 20).
   */
  WORKER_DB_CONNECTIONS: opt(positiveInt),
  /** How long a job's lock lives without renewal: a crashed worker's jobs are taken over after about this long. */
  WORKER_LOCK_DURATION_MS: withDefault(positiveInt.min(1000), 30_000),
  SWEEP_INTERVAL_MS: withDefault(positiveInt, 15_000),
  /** How often each connected company's change-data-capture sweep runs (drift backstop; Intuit advises daily). */
  CDC_SWEEP_INTERVAL_MS: withDefault(positiveInt.min(60_000), 86_400_000),
  /**
   * The Intuit app's webhook verifier token (Developer portal → Webhooks → Show token): intuit-signature is
   * checked with it. Unset: the webhook endpoint answers 503 (not configured). Never logged or stored.
   */
  QBO_WEBHOOK_VERIFIER_TOKEN: opt(z.string().min(8)),
  /** After this long unfinished, a queued event's job is looked up in Redis and queued again if lost. */
  INBOX_REQUEUE_AFTER_MS: withDefault(positiveInt.min(500), 60_000),
  /** The worker's Prometheus endpoint (GET /metrics, /health) on API_HOST; 0 turns it off. */
  WORKER_METRICS_PORT: withDefault(port, 9464),
  START_SANDBOX: opt(bool),
});
export type Env = z.infer<typeof EnvSchema>;
