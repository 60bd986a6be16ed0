// Turns a non-2xx QBO answer into a typed QboError. Pure: no I/O, so it is unit-tested directly.
import { z } from 'zod';
import { AuthError } from './errors/auth-error.js';
import { DuplicateDocNumberError } from './errors/duplicate-doc-number-error.js';
import { DuplicateNameError } from './errors/duplicate-name-error.js';
import { InvalidReferenceError } from './errors/invalid-reference-error.js';
import { NeedsReconnectError } from './errors/needs-reconnect-error.js';
import type { QboError, QboErrorDetails } from './errors/qbo-error.js';
import { RequestIdDuplicateError } from './errors/request-id-duplicate-error.js';
import { ServerError } from './errors/server-error.js';
import { StaleObjectError } from './errors/stale-object-error.js';
import { ThrottledError } from './errors/throttled-error.js';
import { ValidationError } from './errors/validation-error.js';

/** Intuit: "wait 60 seconds before retrying" when no Retry-After is sent. */
export const DEFAULT_THROTTLE_MS = 60_000;

const FaultItem = z.looseObject({
  Message: z.string().optional(),
  Detail: z.string().optional(),
  code: z.union([z.string(), z.number()]).transform(String).optional(),
  element: z.string().optional(),
});
export type FaultItem = z.infer<typeof FaultItem>;

const FaultBody = z.looseObject({
  Fault: z.looseObject({
    Error: z.array(FaultItem).min(1),
    type: z.string().optional(),
  }),
});

/** Batch items and some error bodies use `fault`/`error` casing variants; accept both. */
export const FaultSchema = z.looseObject({
  Error: z.array(FaultItem).min(1),
  type: z.string().optional(),
});

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function header(headers: HttpAnswer['headers'], name: string): string | undefined {
  const v = headers[name] ?? headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** Retry-After as delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.ceil(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

// XML throttle bodies arrive even with Accept: application/json; some old ones said statusCode=403.
const THROTTLE_TEXT = /errorCode=0*3001\b|ThrottleExceeded|source=throttling policy/i;

function firstFaultItems(body: string): { items: FaultItem[]; type?: string | undefined } | undefined {
  if (!body.trimStart().startsWith('{')) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return undefined;
  }
  const parsed = FaultBody.safeParse(json);
  return parsed.success ? { items: parsed.data.Fault.Error, type: parsed.data.Fault.type } : undefined;
}

/** A short, printable excerpt of a non-JSON body for error messages (bodies never carry our tokens). */
function excerpt(body: string): string {
  const text = body
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/** Builds the typed error for one fault item (also used for batch item faults). */
export function errorFromFaultItem(item: FaultItem, base: QboErrorDetails & { status?: number }): QboError {
  const code = item.code ?? '';
  const d: QboErrorDetails = {
    ...base,
    qboCode: code || undefined,
    element: item.element || undefined,
    detail: item.Detail || undefined,
  };
  const text = [item.Message, item.Detail].filter(Boolean).join(': ') || 'QBO fault';
  const message = code ? `QBO ${code}: ${text}` : `QBO: ${text}`;
  if (code === '3001' || THROTTLE_TEXT.test(text)) {
    return new ThrottledError(message, { ...d, retryAfterMs: base.retryAfterMs ?? DEFAULT_THROTTLE_MS });
  }
  switch (code) {
    case '6240':
      return new DuplicateNameError(message, d);
    case '6140':
      return new DuplicateDocNumberError(message, d);
    case '5010':
      return new StaleObjectError(message, d);
    case '2500':
    case '610':
      return new InvalidReferenceError(message, d);
    case '600':
      return new RequestIdDuplicateError(message, d);
    case '3200':
      return new AuthError(message, d);
    // 120: the connecting user is no longer an admin; 3100: the app lost authorization.
    case '120':
    case '3100':
      return new NeedsReconnectError(message, d);
  }
  if (base.status !== undefined && base.status >= 500) return new ServerError(message, d);
  return new ValidationError(message, d);
}

/** Maps a non-2xx answer to a QboError. */
export function parseFault(answer: HttpAnswer, now: number = Date.now()): QboError {
  const { status, headers, body } = answer;
  const intuitTid = header(headers, 'intuit_tid');
  const retryAfterMs = parseRetryAfter(header(headers, 'retry-after'), now);
  const base = { status, intuitTid, retryAfterMs };
  const fault = firstFaultItems(body);

  if (status === 429 || (!fault && THROTTLE_TEXT.test(body))) {
    const item = fault?.items[0];
    const xmlCode = /code="?(\d+)/.exec(body)?.[1];
    return new ThrottledError(`QBO throttled the request (HTTP ${status})`, {
      ...base,
      qboCode: item?.code ?? xmlCode ?? '3001',
      detail: item?.Detail ?? (excerpt(body) || undefined),
      retryAfterMs: retryAfterMs ?? DEFAULT_THROTTLE_MS,
    });
  }
  if (fault) {
    const item = fault.items[0] as FaultItem;
    if (status === 401 && !item.code) return new AuthError('QBO rejected the access token (HTTP 401)', base);
    return errorFromFaultItem(item, base);
  }
  if (status === 401) return new AuthError('QBO rejected the access token (HTTP 401)', base);
  // A bare 403 may come from a proxy; only a coded 3100/120 fault is proof the grant lost access.
  if (status === 403) return new AuthError('QBO refused access to this company (HTTP 403)', base);
  const text = excerpt(body);
  const message = `QBO answered HTTP ${status}${text ? `: ${text}` : ''}`;
  if (status >= 500) return new ServerError(message, { ...base, detail: text || undefined });
  return new ValidationError(message, { ...base, detail: text || undefined });
}
