// Tenant callback URLs are chosen by whoever holds admin access to a tenant, and the worker POSTs to them
// from inside our network: without a policy a callback could reach cloud metadata, Redis, or our own admin
// API on loopback. The policy is checked when the URL is saved (early, clear 400) and again at send time on
// the address DNS actually returned, which is the address the socket connects to (no rebinding window).
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import { forbiddenAddressReason } from './addresses.js';

export interface CallbackUrlPolicy {
  /**
   * Development exceptions (CALLBACK_ALLOWED_HOSTS): `host` (any port) or `host:port`, lowercase. These may
   * use http and private or loopback addresses; everything else must be https to a public address.
   */
  allowedHosts: readonly string[];
}

export const STRICT_CALLBACK_POLICY: CallbackUrlPolicy = Object.freeze({ allowedHosts: [] });

export type CallbackUrlCheck = { ok: true; url: URL; allowListed: boolean } | { ok: false; reason: string };

const HOW_TO_ALLOW = 'for a local receiver during development, add its host:port to CALLBACK_ALLOWED_HOSTS';

/** The policy refused a callback target; permanent, so the delivery is not retried. */
export class CallbackUrlRefusedError extends Error {
  readonly code = 'CALLBACK_URL_REFUSED';
  constructor(readonly reason: string) {
    super(`callback URL refused: ${reason}`);
    this.name = 'CallbackUrlRefusedError';
  }
}

function splitEntry(entry: string): { host: string; port?: string } {
  const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(entry);
  return m?.[1] && m[2] ? { host: m[1], port: m[2] } : { host: entry };
}

function effectivePort(url: URL): string {
  return url.port || (url.protocol === 'https:' ? '443' : '80');
}

export function isAllowListed(url: URL, policy: CallbackUrlPolicy): boolean {
  const hostname = url.hostname.toLowerCase();
  return policy.allowedHosts.some((entry) => {
    const { host, port } = splitEntry(entry.trim().toLowerCase());
    return host === hostname && (port === undefined || port === effectivePort(url));
  });
}

/** What can be decided from the URL alone: scheme, credentials, and literal or local hosts. */
export function checkCallbackUrl(raw: string, policy: CallbackUrlPolicy): CallbackUrlCheck {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'is not an absolute URL' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return { ok: false, reason: `uses ${url.protocol}; callbacks are sent only over https` };
  }
  if (url.username || url.password) {
    return { ok: false, reason: 'must not carry a user name or password; callbacks are signed instead' };
  }
  if (isAllowListed(url, policy)) return { ok: true, url, allowListed: true };
  if (url.protocol !== 'https:') {
    return { ok: false, reason: `uses http; callbacks are sent only over https (${HOW_TO_ALLOW})` };
  }
  const hostname = url.hostname.toLowerCase().replace(/\.$/, '');
  if (hostname === 'localhost' || hostname.endsWith('.localhost')) {
    return { ok: false, reason: `names this machine (${url.hostname}); ${HOW_TO_ALLOW}` };
  }
  const literal = hostname.replace(/^\[|\]$/g, '');
  if (isIP(literal) !== 0) {
    const why = forbiddenAddressReason(literal);
    if (why) return { ok: false, reason: `${why}; callbacks go only to public addresses (${HOW_TO_ALLOW})` };
  }
  return { ok: true, url, allowListed: false };
}

/** Resolves a host name to every address (the system resolver by default; tests inject their own DNS). */
export type Resolve = (hostname: string) => Promise<LookupAddress[]>;
const systemResolve: Resolve = (hostname) =>
  new Promise((resolve, reject) =>
    dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))),
  );

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;
type LookupOptions = { family?: number | string; all?: boolean };
/** The `lookup` signature net.connect and http.request call (got passes it through as `dnsLookup`). */
export type GuardedLookup = (
  hostname: string,
  options: LookupOptions | LookupCallback,
  callback?: LookupCallback,
) => void;

/**
 * A DNS lookup that refuses when any address of the name is forbidden, and hands the socket exactly the
 * addresses it checked: the check and the connection use one resolution, so DNS rebinding cannot slip in.
 */
export function guardedLookup(resolve: Resolve = systemResolve): GuardedLookup {
  return (hostname, optionsOrCallback, maybeCallback) => {
    const callback = (typeof optionsOrCallback === 'function' ? optionsOrCallback : maybeCallback) as LookupCallback;
    const options = typeof optionsOrCallback === 'function' ? {} : optionsOrCallback;
    const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : Number(options.family ?? 0);
    resolve(hostname).then(
      (all) => {
        const refused = all.map((a) => forbiddenAddressReason(a.address)).find((why) => why !== undefined);
        if (refused) {
          callback(new CallbackUrlRefusedError(`${hostname} resolves to ${refused}`), '');
          return;
        }
        const usable = family ? all.filter((a) => a.family === family) : all;
        const first = usable[0];
        if (!first) {
          const err: NodeJS.ErrnoException = new Error(`no IPv${family} address for ${hostname}`);
          err.code = 'ENOTFOUND';
          callback(err, '');
          return;
        }
        if (options.all) callback(null, usable);
        else callback(null, first.address, first.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, ''),
    );
  };
}
