import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { CliError } from './errors.js';

/** Blank variables count as unset, so `ADMIN_TOKEN= qbo-sync …` behaves like no token. */
const blankAsUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const opt = <T extends z.ZodType>(schema: T) => z.preprocess(blankAsUndefined, schema.optional());

/** The environment the CLI reads. It shares API_HOST/API_PORT/API_PUBLIC_URL/ADMIN_TOKEN with the API. */
export const CliEnv = z.object({
  QBO_SYNC_API_URL: opt(z.url({ protocol: /^https?$/ })),
  API_PUBLIC_URL: opt(z.url({ protocol: /^https?$/ })),
  API_HOST: opt(z.string()),
  API_PORT: opt(z.coerce.number().int().min(1).max(65535)),
  ADMIN_TOKEN: opt(z.string()),
  QBO_SYNC_CREDENTIALS_FILE: opt(z.string()),
  QBO_SYNC_API_KEY: opt(z.string()),
  QBO_SYNC_SIGNING_SECRET: opt(z.string()),
  QBO_SYNC_TIMEOUT_MS: opt(z.coerce.number().int().positive()),
  XDG_CONFIG_HOME: opt(z.string()),
  HOME: opt(z.string()),
});

export interface CliConfig {
  /** Base URL of the qbo-sync API, without a trailing slash. */
  apiUrl: string;
  /** Bearer token of the admin API; unset in development, where the API trusts loopback callers. */
  adminToken: string | undefined;
  credentialsFile: string;
  /** Credentials from the environment; they win over the saved ones. */
  envCredentials: { apiKey: string; signingSecret: string } | undefined;
  timeoutMs: number;
}

export function normaliseUrl(url: string): string {
  return url.replace(/\/+$/, '');
}

/** The API URL a browser-less client can reach: a wildcard bind address means this machine. */
function hostUrl(host: string | undefined, port: number | undefined): string {
  const h = !host || host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return `http://${h.includes(':') ? `[${h}]` : h}:${port ?? 3000}`;
}

export function loadCliConfig(env: NodeJS.ProcessEnv, flags: { apiUrl?: string | undefined } = {}): CliConfig {
  const parsed = CliEnv.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  - ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new CliError('config_invalid', `Invalid environment:\n${problems}\nFix the variables above and run again.`);
  }
  const e = parsed.data;
  if (flags.apiUrl !== undefined && !URL.canParse(flags.apiUrl)) {
    throw new CliError('config_invalid', `--api-url "${flags.apiUrl}" is not a URL; use e.g. http://127.0.0.1:3000.`);
  }
  if (Boolean(e.QBO_SYNC_API_KEY) !== Boolean(e.QBO_SYNC_SIGNING_SECRET)) {
    throw new CliError(
      'config_invalid',
      'Set both QBO_SYNC_API_KEY and QBO_SYNC_SIGNING_SECRET, or neither (then the saved credentials are used).',
    );
  }
  const configHome = e.XDG_CONFIG_HOME ?? join(e.HOME ?? homedir(), '.config');
  return {
    apiUrl: normaliseUrl(flags.apiUrl ?? e.QBO_SYNC_API_URL ?? e.API_PUBLIC_URL ?? hostUrl(e.API_HOST, e.API_PORT)),
    adminToken: e.ADMIN_TOKEN,
    credentialsFile: e.QBO_SYNC_CREDENTIALS_FILE ?? join(configHome, 'qbo-sync', 'credentials.json'),
    envCredentials:
      e.QBO_SYNC_API_KEY && e.QBO_SYNC_SIGNING_SECRET
        ? { apiKey: e.QBO_SYNC_API_KEY, signingSecret: e.QBO_SYNC_SIGNING_SECRET }
        : undefined,
    timeoutMs: e.QBO_SYNC_TIMEOUT_MS ?? 30_000,
  };
}
