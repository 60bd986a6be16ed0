// Proves that freshly granted tokens belong to the company the OAuth callback named. The callback's realmId is
// a query parameter anyone can edit; Intuit answers the company's own CompanyInfo only to a token granted for
// that company (401/403 otherwise).
import got, { RequestError } from 'got';
import pRetry, { AbortError } from 'p-retry';
import { NetworkError } from '../errors/network-error.js';
import { QboError } from '../errors/qbo-error.js';
import { RealmMismatchError } from '../errors/realm-mismatch-error.js';
import { ServerError } from '../errors/server-error.js';
import { parseFault } from '../faults.js';
import type { QboSettings } from './intuit.js';

/**
 * Resolves with the company's CompanyInfo when `accessToken` reads company `realmId`; throws RealmMismatchError
 * when QBO refuses it.
 */
export async function verifyRealmAccess(
  qbo: QboSettings,
  realmId: string,
  accessToken: string,
): Promise<{ Country?: string; CompanyName?: string }> {
  const base = qbo.apiBaseUrl.replace(/\/+$/, '');
  const realm = encodeURIComponent(realmId);
  const once = async () => {
    let res: { statusCode: number; headers: Record<string, string | string[] | undefined>; body: string };
    try {
      res = await got(`${base}/v3/company/${realm}/companyinfo/${realm}`, {
        searchParams: { minorversion: String(qbo.minorVersion) },
        headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json', 'user-agent': 'qbo-sync' },
        timeout: { request: Math.min(qbo.httpTimeoutMs, 20_000) },
        retry: { limit: 0 },
        throwHttpErrors: false,
        responseType: 'text',
      });
    } catch (err) {
      // got's error carries our bearer token in its options: keep only the code.
      const code = err instanceof RequestError ? err.code : undefined;
      throw new NetworkError(`company check: no answer from QBO${code ? ` (${code})` : ''}`, { detail: code });
    }
    if (res.statusCode >= 200 && res.statusCode < 300) {
      try {
        const info = (JSON.parse(res.body) as { CompanyInfo?: { Country?: unknown; CompanyName?: unknown } })
          .CompanyInfo;
        return {
          ...(typeof info?.Country === 'string' ? { Country: info.Country } : {}),
          ...(typeof info?.CompanyName === 'string' ? { CompanyName: info.CompanyName } : {}),
        };
      } catch {
        return {};
      }
    }
    const err = parseFault({ status: res.statusCode, headers: res.headers, body: res.body }, Date.now());
    // Old throttle answers say 403 too; any other 401/403 means this token cannot read this company.
    if ((res.statusCode === 401 || res.statusCode === 403) && err.code !== 'THROTTLED') {
      throw new AbortError(new RealmMismatchError(realmId));
    }
    if (err instanceof ServerError || err instanceof NetworkError) throw err;
    throw new AbortError(err);
  };
  try {
    return await pRetry(once, { retries: 2, minTimeout: 250, factor: 2, randomize: true });
  } catch (err) {
    if (err instanceof QboError) throw err;
    throw new NetworkError('company check failed', { cause: err });
  }
}
