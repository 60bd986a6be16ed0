import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { type CallbackJobPayload, TenantSettings } from '@qbo-sync/contracts';
import type { Database, SecretBox } from '@qbo-sync/db';
import { type CallbackRecord, markCallbacksDelivered, pendingCallbacks } from '@qbo-sync/db/repositories/sync-records';
import {
  type CallbackUrlPolicy,
  CallbackUrlRefusedError,
  checkCallbackUrl,
  type GuardedLookup,
  guardedLookup,
  type Resolve,
  STRICT_CALLBACK_POLICY,
} from '@qbo-sync/security';
import { DELIVERY_HEADER, SIGNATURE_HEADER, signCallback, TIMESTAMP_HEADER } from './sign.js';

/** The tenant's endpoint did not answer 2xx; BullMQ retries with the catalogue's backoff. */
export class CallbackFailedError extends Error {
  readonly code = 'CALLBACK_FAILED';
  constructor(
    readonly url: string,
    readonly status: number | undefined,
    detail: string,
  ) {
    super(`callback to ${url} failed: ${detail}`);
    this.name = 'CallbackFailedError';
  }
}

export interface CallbackDeps {
  db: Database;
  secrets: SecretBox;
  now: () => number;
  timeoutMs?: number;
  /** Where callbacks may go (config.callbacks); default: public https endpoints only. */
  urlPolicy?: CallbackUrlPolicy;
  /** DNS for the send-time address check; tests inject names that resolve to chosen addresses. */
  resolve?: Resolve;
}

/** The JSON a tenant receives: the record's state now (the same body, one POST per record, as ever). */
export function callbackBody(record: CallbackRecord, sentAt: Date): string {
  return JSON.stringify({
    type: 'sync.status_changed',
    tenantId: record.tenantId,
    entityType: record.entityType,
    externalId: record.externalId,
    status: record.status,
    statusVersion: record.statusVersion,
    reasonCode: record.reasonCode,
    reason: record.reason,
    details: record.details ?? null,
    qboId: record.qboId,
    qboUrl: record.qboUrl,
    docNumber: record.docNumber,
    syncedAt: record.syncedAt?.toISOString() ?? null,
    sentAt: sentAt.toISOString(),
  });
}

/** How a tenant's callback run ended: `delivered` sent at least one; the others sent nothing. */
export type DeliveryResult = 'delivered' | 'nothing-pending' | 'no-callback-url' | 'gone';

export interface CallbackRun {
  result: DeliveryResult;
  /** Status versions delivered (one POST each). */
  delivered: number;
  /** The batch was full: more may be pending, and the caller arranges the next run. */
  more: boolean;
}

/** Records one run delivers at most; a full batch arranges a follow-up run (behind other tenants' runs). */
export const CALLBACK_BATCH = 100;

/**
 * One callback run for a tenant: reads its URL, secret and every record whose status version was not
 * announced yet (bounded, oldest change first) in one statement, POSTs each record's state now, and marks
 * what was delivered in one statement. A failed POST stops the run: what went before is marked (a retry does
 * not send it again) and the error makes BullMQ retry the run with the catalogue's backoff.
 */
export async function deliverCallbacks(
  deps: CallbackDeps,
  payload: Pick<CallbackJobPayload, 'tenantId'>,
  limit = CALLBACK_BATCH,
): Promise<CallbackRun> {
  const pending = await pendingCallbacks(deps.db, payload.tenantId, limit);
  if (!pending) return { result: 'gone', delivered: 0, more: false };
  const url = TenantSettings.parse(pending.tenantSettings ?? {}).callbackUrl;
  if (!url) return { result: 'no-callback-url', delivered: 0, more: false };
  if (pending.records.length === 0) return { result: 'nothing-pending', delivered: 0, more: false };
  const secret = deps.secrets.decrypt(pending.signingSecretEnc);
  const delivered: { id: number; statusVersion: number }[] = [];
  try {
    for (const record of pending.records) {
      await send(deps, url, secret, record);
      delivered.push({ id: record.id, statusVersion: record.statusVersion });
    }
  } finally {
    await markCallbacksDelivered(deps.db, delivered);
  }
  return { result: 'delivered', delivered: delivered.length, more: pending.records.length >= limit };
}

/** One signed POST of one record's state, through the callback URL policy (checked again at every send). */
async function send(deps: CallbackDeps, url: string, secret: string, record: CallbackRecord): Promise<void> {
  // Saved URLs were checked when saved, but the policy or the URL's DNS may have changed since.
  const target = checkCallbackUrl(url, deps.urlPolicy ?? STRICT_CALLBACK_POLICY);
  if (!target.ok) throw new CallbackUrlRefusedError(target.reason);
  const now = new Date(deps.now());
  const body = callbackBody(record, now);
  const timestamp = Math.floor(now.getTime() / 1000);
  let status: number;
  try {
    status = await postForStatus(
      target.url,
      body,
      deps.timeoutMs ?? 10_000,
      target.allowListed ? undefined : guardedLookup(deps.resolve),
      {
        'content-type': 'application/json',
        [TIMESTAMP_HEADER]: String(timestamp),
        [SIGNATURE_HEADER]: signCallback(secret, timestamp, body),
        [DELIVERY_HEADER]: `${record.id}-${record.statusVersion}`,
        'user-agent': 'qbo-sync-callbacks',
      },
    );
  } catch (err) {
    if (err instanceof CallbackUrlRefusedError) throw err;
    throw new CallbackFailedError(url, undefined, err instanceof Error ? err.message : String(err));
  }
  if (status < 200 || status >= 300) throw new CallbackFailedError(url, status, `HTTP ${status}`);
}

/**
 * POSTs `body` and answers the response's status, reading none of the response body: a receiver's body (a
 * 3 GB answer filled the worker's memory when it was read) is of no use to us, so the connection is dropped
 * as soon as the status line and headers are in. One deadline covers connecting, sending and the headers,
 * so a receiver that trickles its answer byte by byte cannot hold the delivery past `timeoutMs`. No
 * redirects (a second, unchecked target), no retries (BullMQ attempts own them, with backoff).
 */
function postForStatus(
  url: URL,
  body: string,
  timeoutMs: number,
  lookup: GuardedLookup | undefined,
  headers: Record<string, string>,
): Promise<number> {
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'POST',
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      signal: AbortSignal.timeout(timeoutMs),
      // A fresh connection per POST, closed with it: nothing of a hostile receiver outlives its delivery.
      agent: false,
      // The resolved address is checked and then connected to; allow-listed development hosts skip it.
      ...(lookup ? { lookup: lookup as never } : {}),
    });
    req.once('response', (res) => {
      resolve(res.statusCode ?? 0);
      res.destroy();
    });
    // `on`, not `once`: a late error (the deadline firing on a request that already failed) needs a listener.
    req.on('error', (err) => {
      const cause = (err as { cause?: unknown }).cause;
      if (err.name === 'AbortError') reject(new Error(`no answer within ${timeoutMs} ms`));
      else reject(cause instanceof CallbackUrlRefusedError ? cause : err);
    });
    req.end(body);
  });
}
