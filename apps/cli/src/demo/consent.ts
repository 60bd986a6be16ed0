import { ApiUnreachableError, OAuthFlowError } from '../errors.js';
import type { ApiClient } from '../http.js';

// Drives the QuickBooks "connect" consent page non-interactively, the way a person would in a browser:
// load the page, pick the company, submit the form, follow the redirect to our callback. Only the local
// sandbox's page can be driven like this; Intuit's needs a signed-in person.

export interface ConsentForm {
  /** Absolute URL the form posts to. */
  action: string;
  /** Every named input's value (hidden OAuth parameters: client_id, redirect_uri, scope, state). */
  fields: Record<string, string>;
  /** Values offered in the company <select name="realmId">. */
  realms: string[];
}

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, ref: string) => {
    if (ref[0] === '#') {
      const code = ref[1] === 'x' || ref[1] === 'X' ? Number.parseInt(ref.slice(2), 16) : Number(ref.slice(1));
      return Number.isFinite(code) ? String.fromCodePoint(code) : whole;
    }
    return NAMED[ref.toLowerCase()] ?? whole;
  });
}

function attr(tag: string, name: string): string | undefined {
  const m = new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`, 'i').exec(tag);
  const raw = m?.[1] ?? m?.[2];
  return raw === undefined ? undefined : decodeEntities(raw);
}

/** The consent form of a page, or undefined when the page has none (an error page, Intuit's login). */
export function parseConsentForm(html: string, pageUrl: string): ConsentForm | undefined {
  const form = /<form\b[^>]*>([\s\S]*?)<\/form>/i.exec(html);
  if (!form) return undefined;
  const openTag = form[0].slice(0, form[0].indexOf('>') + 1);
  const action = new URL(attr(openTag, 'action') ?? '', pageUrl).toString();
  const body = form[1] ?? '';
  const fields: Record<string, string> = {};
  for (const [input] of body.matchAll(/<input\b[^>]*>/gi)) {
    const name = attr(input, 'name');
    if (name) fields[name] = attr(input, 'value') ?? '';
  }
  const select = /<select\b[^>]*\bname\s*=\s*["']realmId["'][^>]*>([\s\S]*?)<\/select>/i.exec(body);
  const realms = [...(select?.[1] ?? '').matchAll(/<option\b[^>]*>/gi)]
    .map(([option]) => attr(option, 'value'))
    .filter((v): v is string => v !== undefined);
  return { action, fields, realms };
}

function pageText(html: string): string {
  return decodeEntities(html.replace(/<style[\s\S]*?<\/style>/gi, '').replace(/<[^>]+>/g, ' '))
    .replace(/\s+/g, ' ')
    .trim();
}

async function fetchPage(api: ApiClient, method: 'GET' | 'POST', url: string, body?: string) {
  try {
    return await api.raw(method, url, {
      redirect: 'manual',
      ...(body !== undefined
        ? { body, headers: { 'content-type': 'application/x-www-form-urlencoded' } }
        : { headers: { accept: 'text/html' } }),
    });
  } catch (err) {
    if (err instanceof ApiUnreachableError && !url.startsWith(api.baseUrl)) {
      throw new OAuthFlowError(
        `The QuickBooks connect page at ${new URL(url).origin} is not reachable — is the local sandbox running? (\`npm start\` starts it.)`,
      );
    }
    throw err;
  }
}

/**
 * Approves the connection for the first of `preferred` the sandbox offers ('new' asks it for a fresh seeded
 * company) and follows the redirect to our callback. Returns the realm id the callback confirmed.
 */
export async function approveConsent(
  api: ApiClient,
  authorizeUrl: string,
  preferred: readonly string[],
  beforeApprove: (realm: string) => Promise<void> = async () => {},
): Promise<string> {
  const consent = await fetchPage(api, 'GET', authorizeUrl);
  const form = consent.status === 200 ? parseConsentForm(consent.text, authorizeUrl) : undefined;
  if (!form) {
    throw new OAuthFlowError(
      `${new URL(authorizeUrl).origin} did not show the sandbox's connect form (HTTP ${consent.status}: ${pageText(consent.text).slice(0, 200)}). ` +
        'Only the local sandbox can be connected non-interactively; with Intuit, run `qbo-sync connect <tenant>` and open the URL.',
    );
  }
  const realm = preferred.find((r) => r === 'new' || form.realms.includes(r));
  if (realm === undefined) {
    throw new OAuthFlowError(
      `The sandbox has no company ${preferred.join(' or ')} (it offers ${form.realms.filter((r) => r !== 'new').join(', ') || 'none'}). ` +
        'Start it with SANDBOX_SEED_DEMO=1 (npm start does) or pass another --realm.',
    );
  }
  await beforeApprove(realm);
  const approve = await fetchPage(
    api,
    'POST',
    form.action,
    new URLSearchParams({ ...form.fields, realmId: realm }).toString(),
  );
  const location = approve.headers.get('location');
  if (approve.status < 300 || approve.status >= 400 || !location) {
    throw new OAuthFlowError(
      `The sandbox refused the approval (HTTP ${approve.status}: ${pageText(approve.text).slice(0, 200)}).`,
    );
  }
  const callbackUrl = new URL(location, form.action);
  const realmId = callbackUrl.searchParams.get('realmId') ?? realm;
  const callback = await fetchPage(api, 'GET', callbackUrl.toString());
  if (callback.status !== 200) {
    throw new OAuthFlowError(
      `Our callback ${callbackUrl.origin}${callbackUrl.pathname} answered HTTP ${callback.status}: ${pageText(callback.text).slice(0, 300)}`,
    );
  }
  return realmId;
}
