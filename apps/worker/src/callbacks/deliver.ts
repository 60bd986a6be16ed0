import { type CallbackJobPayload, TenantSettings } from '@qbo-sync/contracts';
import type { Database, SecretBox } from '@qbo-sync/db';
import { type CallbackInput, getCallbackInput, markCallbackDelivered } from '@qbo-sync/db/repositories/sync-records';
import {
  type CallbackUrlPolicy,
  CallbackUrlRefusedError,
  checkCallbackUrl,
  guardedLookup,
  type Resolve,
  STRICT_CALLBACK_POLICY,
} from '@qbo-sync/security';
import got from 'got';
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

/** The JSON a tenant receives: the record's state at this status version. */
export function callbackBody(record: CallbackInput['record'], sentAt: Date): string {
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

export type DeliveryResult = 'delivered' | 'superseded' | 'already-delivered' | 'no-callback-url' | 'gone';

/**
 * Delivers one status version once. A version older than the record's current one is skipped (the newer
 * version's own job announces the current state), so a burst of changes sends what is true now.
 */
export async function deliverCallback(deps: CallbackDeps, payload: CallbackJobPayload): Promise<DeliveryResult> {
  // The record, the tenant's callback URL and its signing secret in one read.
  const input = await getCallbackInput(deps.db, payload.syncRecordId);
  if (!input || input.record.tenantId !== payload.tenantId) return 'gone';
  const { record } = input;
  if (record.callbackVersion >= payload.statusVersion) return 'already-delivered';
  if (record.statusVersion > payload.statusVersion) return 'superseded';
  const url = TenantSettings.parse(input.tenantSettings ?? {}).callbackUrl;
  if (!url) return 'no-callback-url';
  // Saved URLs were checked when saved, but the policy or the URL's DNS may have changed since.
  const target = checkCallbackUrl(url, deps.urlPolicy ?? STRICT_CALLBACK_POLICY);
  if (!target.ok) throw new CallbackUrlRefusedError(target.reason);
  const secret = deps.secrets.decrypt(input.signingSecretEnc);
  const now = new Date(deps.now());
  const body = callbackBody(record, now);
  const timestamp = Math.floor(now.getTime() / 1000);
  let status: number;
  try {
    const res = await got.post(url, {
      body,
      headers: {
        'content-type': 'application/json',
        [TIMESTAMP_HEADER]: String(timestamp),
        [SIGNATURE_HEADER]: signCallback(secret, timestamp, body),
        [DELIVERY_HEADER]: `${record.id}-${record.statusVersion}`,
        'user-agent': 'qbo-sync-callbacks',
      },
      timeout: { request: deps.timeoutMs ?? 10_000 },
      // BullMQ attempts own the retries (with backoff); got retrying too would multiply them.
      retry: { limit: 0 },
      throwHttpErrors: false,
      // A redirect would be a second, unchecked target.
      followRedirect: false,
      // The resolved address is checked and then connected to; allow-listed development hosts skip it.
      ...(target.allowListed ? {} : { dnsLookup: guardedLookup(deps.resolve) as never }),
    });
    status = res.statusCode;
  } catch (err) {
    const cause = (err as { cause?: unknown }).cause;
    if (cause instanceof CallbackUrlRefusedError) throw cause;
    throw new CallbackFailedError(url, undefined, err instanceof Error ? err.message : String(err));
  }
  if (status < 200 || status >= 300) throw new CallbackFailedError(url, status, `HTTP ${status}`);
  await markCallbackDelivered(deps.db, record.id, record.statusVersion);
  return 'delivered';
}
