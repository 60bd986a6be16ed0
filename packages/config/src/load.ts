import { type Env, EnvSchema } from './schema.js';

export type QboTarget = 'local-sandbox' | 'intuit';

export interface EncryptionKey {
  id: string;
  key: Buffer;
}

export interface Config {
  env: 'development' | 'test' | 'production';
  logLevel: string;
  databaseUrl: string;
  redisUrl: string;
  queuePrefix: string;
  api: {
    host: string;
    port: number;
    publicUrl: string;
    adminToken: string | undefined;
    maxBatch: number;
    bodyLimitBytes: number;
    signatureToleranceSeconds: number;
    /** INGEST_MAX_FUTURE_SKEW_SECONDS in ms. */
    maxFutureSkewMs: number;
    /** A tenant's ingest share (events a second, burst); undefined when INGEST_TENANT_EVENTS_PER_SECOND is 0. */
    tenantShare: { eventsPerSecond: number; burstEvents: number } | undefined;
  };
  /** Tenant callback targets: see CALLBACK_ALLOWED_HOSTS. */
  callbacks: { allowedHosts: string[] };
  sandbox: { host: string; port: number; start: boolean };
  qbo: {
    target: QboTarget;
    apiBaseUrl: string;
    tokenUrl: string;
    authorizeUrl: string;
    revokeUrl: string;
    appBaseUrl: string;
    clientId: string;
    clientSecret: string;
    redirectUri: string;
    minorVersion: number;
    httpTimeoutMs: number;
    /** Intuit webhook verifier token (QBO_WEBHOOK_VERIFIER_TOKEN); undefined: webhooks not configured. */
    webhookVerifierToken: string | undefined;
    /** `burstPerSecond` 0: no per-second window (only the minute budget and the concurrency cap). */
    rateLimit: { perWindow: number; windowMs: number; maxConcurrent: number; burstPerSecond: number };
    /** Sync jobs released at the pace of their company's budget (QBO_RELEASE_PACING); undefined when off. */
    releasePacing: { slackMs: number } | undefined;
  };
  encryptionKeys: EncryptionKey[];
  worker: {
    concurrency: number;
    /** The worker process's PostgreSQL pool size (WORKER_DB_CONNECTIONS or max(4, concurrency ÷ 5)). */
    dbConnections: number;
    sweepIntervalMs: number;
    /** Each connected company's CDC sweep runs this often (CDC_SWEEP_INTERVAL_MS, default daily). */
    cdcSweepIntervalMs: number;
    lockDurationMs: number;
    /**
     * A queued event whose job has not finished this long is looked up in Redis and queued again if Redis
     * lost it (the worker's sweep; a re-send of the event does the same at once).
     */
    inboxRequeueAfterMs: number;
    /** Where the worker serves /metrics: API_HOST and WORKER_METRICS_PORT (0: not served). */
    metrics: { host: string; port: number };
  };
}

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

// Development-only key so a fresh clone runs; production refuses to start without TOKEN_ENCRYPTION_KEYS.
const DEV_KEY = 'dev:ZGV2LW9ubHkta2V5LWRvLW5vdC11c2UtaW4tcHJvZCE=';
const DEV_KEY_BYTES = Buffer.from(DEV_KEY.slice(DEV_KEY.indexOf(':') + 1), 'base64');

/** Hosts that are this machine: the only places the public development key may guard tokens for. */
function isLocalHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

/** The QBO endpoints the process will use: each QBO_* URL as set, or its default for the target. */
function effectiveQboUrls(e: Env, intuit: boolean, sandboxUrl: string) {
  return {
    QBO_API_BASE_URL: e.QBO_API_BASE_URL ?? sandboxUrl,
    QBO_OAUTH_TOKEN_URL:
      e.QBO_OAUTH_TOKEN_URL ??
      (intuit ? 'https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer' : `${sandboxUrl}/oauth2/v1/tokens/bearer`),
    QBO_OAUTH_AUTHORIZE_URL:
      e.QBO_OAUTH_AUTHORIZE_URL ??
      (intuit ? 'https://appcenter.intuit.com/connect/oauth2' : `${sandboxUrl}/connect/oauth2`),
    QBO_OAUTH_REVOKE_URL:
      e.QBO_OAUTH_REVOKE_URL ??
      (intuit ? 'https://developer.api.intuit.com/v2/oauth2/tokens/revoke' : `${sandboxUrl}/v2/oauth2/tokens/revoke`),
  };
}

/**
 * The QBO endpoints (API and OAuth) in effect that are not this machine: real tokens come from there, so they
 * need real secrets even outside production. Decided on the effective URLs, defaults included (a loopback
 * QBO_API_BASE_URL with the OAuth URLs left at Intuit's still gets real grants). Our own sandbox (a default
 * URL of the local-sandbox target) counts as local wherever it runs.
 */
function remoteQboVariables(urls: Record<string, string>, sandboxUrl: string): string[] {
  return Object.entries(urls)
    .filter(([, url]) => !url.startsWith(`${sandboxUrl}/`) && url !== sandboxUrl)
    .filter(([, url]) => !isLocalHost(new URL(url).hostname))
    .map(([name, url]) => `${name}=${url}`);
}

function parseKeys(raw: string, problems: string[]): EncryptionKey[] {
  const keys: EncryptionKey[] = [];
  for (const part of raw
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [id, b64] = part.split(':');
    const key = b64 ? Buffer.from(b64, 'base64') : Buffer.alloc(0);
    if (!id || key.length !== 32) {
      problems.push(
        'TOKEN_ENCRYPTION_KEYS: each entry must be keyId:base64 of exactly 32 bytes (openssl rand -base64 32)',
      );
      return [];
    }
    keys.push({ id, key });
  }
  if (keys.length === 0) problems.push('TOKEN_ENCRYPTION_KEYS: at least one key is required');
  return keys;
}

const splitList = (raw: string | undefined): string[] =>
  (raw ?? '')
    .split(',')
    .map((p) => p.trim().toLowerCase())
    .filter(Boolean);

/**
 * Parses settings from the environment. Throws one ConfigError naming every bad variable.
 * Without Intuit credentials every QBO endpoint points at the local sandbox.
 */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(source);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
  const problems: string[] = [];
  const intuitVars = [e.QBO_CLIENT_ID, e.QBO_CLIENT_SECRET, e.QBO_API_BASE_URL].filter(Boolean).length;
  const target: QboTarget = e.QBO_CLIENT_ID && e.QBO_CLIENT_SECRET && e.QBO_API_BASE_URL ? 'intuit' : 'local-sandbox';
  if (target === 'local-sandbox' && intuitVars > 0 && e.QBO_API_BASE_URL !== undefined && !e.QBO_CLIENT_ID) {
    problems.push('QBO_CLIENT_ID: required when QBO_API_BASE_URL is set');
  }
  const sandboxUrl = `http://${e.SANDBOX_HOST}:${e.SANDBOX_PORT}`;
  const intuit = target === 'intuit';
  const urls = effectiveQboUrls(e, intuit, sandboxUrl);
  const remote = remoteQboVariables(urls, sandboxUrl);
  // Real grants must never be encrypted with the development key, which is public (it is in this file).
  const why =
    e.NODE_ENV === 'production'
      ? 'when NODE_ENV=production'
      : remote.length > 0
        ? `when QuickBooks is not on this machine (${remote.join(', ')}); the built-in development key is public`
        : undefined;
  if (why !== undefined) {
    if (!e.TOKEN_ENCRYPTION_KEYS) {
      problems.push(`TOKEN_ENCRYPTION_KEYS: required ${why}. Generate one: echo "k1:$(openssl rand -base64 32)"`);
    }
    if (!e.ADMIN_TOKEN) problems.push(`ADMIN_TOKEN: required ${why}`);
  }
  const encryptionKeys = parseKeys(e.TOKEN_ENCRYPTION_KEYS ?? DEV_KEY, problems);
  if (why !== undefined && e.TOKEN_ENCRYPTION_KEYS && encryptionKeys.some((k) => k.key.equals(DEV_KEY_BYTES))) {
    problems.push(`TOKEN_ENCRYPTION_KEYS: the public development key may not be used ${why}`);
  }
  if (problems.length) throw new ConfigError(problems);

  const apiPublicUrl = e.API_PUBLIC_URL ?? `http://${e.API_HOST}:${e.API_PORT}`;
  return Object.freeze({
    env: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    queuePrefix: e.QUEUE_PREFIX,
    api: {
      host: e.API_HOST,
      port: e.API_PORT,
      publicUrl: apiPublicUrl,
      adminToken: e.ADMIN_TOKEN,
      maxBatch: e.INGEST_MAX_BATCH,
      bodyLimitBytes: e.INGEST_BODY_LIMIT_BYTES,
      signatureToleranceSeconds: e.INGEST_SIGNATURE_TOLERANCE_SECONDS,
      maxFutureSkewMs: e.INGEST_MAX_FUTURE_SKEW_SECONDS * 1000,
      tenantShare:
        e.INGEST_TENANT_EVENTS_PER_SECOND > 0
          ? { eventsPerSecond: e.INGEST_TENANT_EVENTS_PER_SECOND, burstEvents: e.INGEST_TENANT_BURST_EVENTS }
          : undefined,
    },
    callbacks: { allowedHosts: splitList(e.CALLBACK_ALLOWED_HOSTS) },
    sandbox: { host: e.SANDBOX_HOST, port: e.SANDBOX_PORT, start: e.START_SANDBOX ?? !intuit },
    qbo: {
      target,
      apiBaseUrl: urls.QBO_API_BASE_URL,
      tokenUrl: urls.QBO_OAUTH_TOKEN_URL,
      authorizeUrl: urls.QBO_OAUTH_AUTHORIZE_URL,
      revokeUrl: urls.QBO_OAUTH_REVOKE_URL,
      appBaseUrl: e.QBO_APP_BASE_URL ?? (intuit ? 'https://app.qbo.intuit.com/app' : `${sandboxUrl}/app`),
      clientId: e.QBO_CLIENT_ID ?? 'sandbox-client-id',
      clientSecret: e.QBO_CLIENT_SECRET ?? 'sandbox-client-secret',
      redirectUri: e.QBO_REDIRECT_URI ?? `${apiPublicUrl}/v1/connect/callback`,
      minorVersion: e.QBO_MINOR_VERSION,
      httpTimeoutMs: e.QBO_HTTP_TIMEOUT_MS,
      webhookVerifierToken: e.QBO_WEBHOOK_VERIFIER_TOKEN,
      rateLimit: {
        perWindow: e.QBO_RATE_LIMIT_PER_WINDOW,
        windowMs: e.QBO_RATE_WINDOW_MS,
        maxConcurrent: e.QBO_MAX_CONCURRENT_PER_REALM,
        burstPerSecond: e.QBO_BURST_PER_SECOND ?? (intuit ? 8 : 0),
      },
      releasePacing: e.QBO_RELEASE_PACING ? { slackMs: e.QBO_RELEASE_SLACK_MS } : undefined,
    },
    encryptionKeys,
    worker: {
      concurrency: e.WORKER_CONCURRENCY,
      dbConnections: e.WORKER_DB_CONNECTIONS ?? Math.max(4, Math.ceil(e.WORKER_CONCURRENCY / 5)),
      sweepIntervalMs: e.SWEEP_INTERVAL_MS,
      cdcSweepIntervalMs: e.CDC_SWEEP_INTERVAL_MS,
      lockDurationMs: e.WORKER_LOCK_DURATION_MS,
      inboxRequeueAfterMs: e.INBOX_REQUEUE_AFTER_MS,
      metrics: { host: e.API_HOST, port: e.WORKER_METRICS_PORT },
    },
  });
}

/** For process entry points: on a bad setting print one clear message and exit(1). */
export function loadConfigOrExit(source: NodeJS.ProcessEnv = process.env): Config {
  try {
    return loadConfig(source);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\nFix the variables above (see README "Configuration") and start again.\n`);
      process.exit(1);
    }
    throw err;
  }
}
