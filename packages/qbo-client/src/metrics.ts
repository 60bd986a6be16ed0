// What the QBO client tells operators: requests by method, entity and status class, their duration, QBO's
// 429s and token refreshes. No realm or tenant label: one series per company would grow without bound.
import { Counter, Histogram, type Registry } from '@qbo-sync/observability';

export type TokenRefreshResult = 'ok' | 'needs_reconnect' | 'error';

/** One finished HTTP exchange with QBO; `status` is undefined when no answer came (network, timeout). */
export interface QboRequestObservation {
  method: string;
  /** The request path under /v3/company/{realmId}/ and its query string (for `query` calls). */
  path: string;
  query?: string | undefined;
  status: number | undefined;
  seconds: number;
}

/** The hook the client calls; pass one in `QboClientDeps.metrics` (absent: nothing is recorded). */
export interface QboMetrics {
  request(observation: QboRequestObservation): void;
  /** QBO throttled the call (HTTP 429 or fault 3001, whatever the status line said). */
  throttled(): void;
  tokenRefresh(result: TokenRefreshResult): void;
}

/**
 * The entity a call touches, lower-case: `invoice` for `invoice/12`, `customer` for a query `select … from
 * Customer`. Anything not a plain word becomes `other`, so a label never carries an id or free text.
 */
export function entityOf(path: string, query?: string): string {
  const first = path.split(/[/?]/, 1)[0]?.toLowerCase() ?? '';
  if (first === 'query' && query) {
    const from = /\bfrom\s+([A-Za-z]+)/i.exec(query)?.[1];
    if (from) return from.toLowerCase();
  }
  return /^[a-z]{1,40}$/.test(first) ? first : 'other';
}

/** `2xx`, `4xx`, `5xx`; `error` when QBO never answered. */
export function statusClassOf(status: number | undefined): string {
  if (status === undefined || status < 100 || status > 599) return 'error';
  return `${Math.floor(status / 100)}xx`;
}

/** Registers the QBO client's series on `registry` and returns the hook that fills them. */
export function createQboMetrics(registry: Registry): QboMetrics {
  const requests = new Counter({
    name: 'qbo_sync_qbo_requests_total',
    help: 'HTTP requests sent to the QBO API, by method, entity and status class (error: no answer).',
    labelNames: ['method', 'entity', 'status_class'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'qbo_sync_qbo_request_duration_seconds',
    help: 'Time from sending a QBO API request to its answer (or its network failure).',
    labelNames: ['method', 'entity'],
    buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const throttled = new Counter({
    name: 'qbo_sync_qbo_throttled_total',
    help: 'Throttle answers from QBO (HTTP 429 or fault 3001): our per-realm budget should keep this at zero.',
    registers: [registry],
  });
  const refreshes = new Counter({
    name: 'qbo_sync_token_refreshes_total',
    help: 'OAuth refresh-token exchanges, by result (ok, needs_reconnect: the grant is gone, error).',
    labelNames: ['result'],
    registers: [registry],
  });
  // Present from the first scrape, so a rate() over them works before the first event.
  throttled.inc(0);
  for (const result of ['ok', 'needs_reconnect', 'error'] as const) refreshes.inc({ result }, 0);

  return {
    request({ method, path, query, status, seconds }) {
      const entity = entityOf(path, query);
      requests.inc({ method, entity, status_class: statusClassOf(status) });
      duration.observe({ method, entity }, seconds);
    },
    throttled() {
      throttled.inc();
    },
    tokenRefresh(result) {
      refreshes.inc({ result });
    },
  };
}
