// Webhook delivery as Intuit does it (developer.intuit.com …/develop/webhooks, …/managing-webhooks-notifications;
// blogs.intuit.com 2025-11-12 "Upcoming change to webhooks payload structure"): one endpoint per app for
// every connected company, changes aggregated for a while then POSTed as JSON, signed with `intuit-signature`
// = base64(HMAC-SHA256(verifier token, raw body)); a 5xx/408 answer or no answer is retried later (Intuit:
// about 20, 30 and 50 minutes), then the notification is dropped. Delays are settings here so tests need
// not wait minutes.
import { createHmac, randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Change } from './change-log.js';

export type WebhookFormat = 'cloudevents' | 'legacy';

export interface WebhookSettings {
  url: string;
  verifierToken: string;
  /** `cloudevents` (the format Intuit sends now) or `legacy` (`eventNotifications`, sent until the cut-over). */
  format: WebhookFormat;
  /** How long changes are aggregated before a POST (Intuit production: 1, 3 or 5 minutes; sandbox: near real time). */
  batchMs: number;
  /** Waits before each retry of a failed POST; after the last the notification is dropped. */
  retryDelaysMs: number[];
  /** Off: changes are not notified at all (a lost webhook, for tests of the CDC backstop). */
  enabled: boolean;
  timeoutMs: number;
}

export const DEFAULT_WEBHOOK_SETTINGS: Omit<WebhookSettings, 'url' | 'verifierToken'> = {
  format: 'cloudevents',
  batchMs: 0,
  retryDelaysMs: [20 * 60_000, 30 * 60_000, 50 * 60_000],
  enabled: true,
  timeoutMs: 10_000,
};

export interface WebhookDelivery {
  body: string;
  signature: string;
  /** HTTP status of each attempt (0: no answer). */
  statuses: number[];
  outcome: 'pending' | 'delivered' | 'dropped';
}

export interface WebhookStats {
  changesNotified: number;
  posts: number;
  delivered: number;
  retried: number;
  dropped: number;
  /** The latest deliveries (at most 50), newest last: what was sent and how it was answered. */
  deliveries: WebhookDelivery[];
}

interface RealmChange extends Change {
  realmId: string;
}

const PAST: Record<Change['operation'], string> = {
  Create: 'created',
  Update: 'updated',
  Delete: 'deleted',
  Void: 'voided',
};

export function webhookBody(format: WebhookFormat, changes: readonly RealmChange[]): string {
  if (format === 'cloudevents') {
    return JSON.stringify(
      changes.map((c) => ({
        specversion: '1.0',
        id: randomUUID(),
        source: 'intuit.qbo-sandbox',
        type: `qbo.${c.entity.toLowerCase()}.${PAST[c.operation]}.v1`,
        datacontenttype: 'application/json',
        time: new Date(c.at).toISOString(),
        intuitentityid: c.id,
        intuitaccountid: c.realmId,
        data: {},
      })),
    );
  }
  // Legacy: one eventNotifications entry per company.
  const byRealm = new Map<string, RealmChange[]>();
  for (const c of changes) byRealm.set(c.realmId, [...(byRealm.get(c.realmId) ?? []), c]);
  return JSON.stringify({
    eventNotifications: [...byRealm].map(([realmId, list]) => ({
      realmId,
      dataChangeEvent: {
        entities: list.map((c) => ({
          name: c.entity,
          id: c.id,
          operation: c.operation,
          lastUpdated: new Date(c.at).toISOString(),
        })),
      },
    })),
  });
}

export function intuitSignature(verifierToken: string, body: string): string {
  return createHmac('sha256', verifierToken).update(body).digest('base64');
}

export class WebhookNotifier {
  private settings: WebhookSettings | undefined;
  private pending: RealmChange[] = [];
  private batchTimer: NodeJS.Timeout | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;
  readonly stats: WebhookStats = { changesNotified: 0, posts: 0, delivered: 0, retried: 0, dropped: 0, deliveries: [] };

  configure(settings: WebhookSettings | undefined): void {
    this.settings = settings;
  }

  get config(): WebhookSettings | undefined {
    return this.settings;
  }

  notify(realmId: string, change: Change): void {
    const s = this.settings;
    if (!s?.enabled || this.closed) return;
    this.stats.changesNotified++;
    this.pending.push({ ...change, realmId });
    this.batchTimer ??= this.later(() => {
      this.batchTimer = undefined;
      this.flush();
    }, s.batchMs);
  }

  /** Sends what is aggregated now (also used by the batch timer). */
  flush(): void {
    const s = this.settings;
    const changes = this.pending.splice(0);
    if (!s || changes.length === 0) return;
    const body = webhookBody(s.format, changes);
    const delivery: WebhookDelivery = {
      body,
      signature: intuitSignature(s.verifierToken, body),
      statuses: [],
      outcome: 'pending',
    };
    this.stats.deliveries.push(delivery);
    if (this.stats.deliveries.length > 50) this.stats.deliveries.shift();
    void this.attempt(s, delivery, 0);
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.batchTimer = undefined;
    this.pending = [];
  }

  private async attempt(s: WebhookSettings, delivery: WebhookDelivery, retry: number): Promise<void> {
    this.stats.posts++;
    const status = await post(s, delivery);
    delivery.statuses.push(status);
    if (status >= 200 && status < 300) {
      delivery.outcome = 'delivered';
      this.stats.delivered++;
      return;
    }
    const retryable = status === 0 || status === 408 || status >= 500;
    const wait = s.retryDelaysMs[retry];
    if (!retryable || wait === undefined || this.closed) {
      delivery.outcome = 'dropped';
      this.stats.dropped++;
      return;
    }
    this.stats.retried++;
    this.later(() => void this.attempt(s, delivery, retry + 1), wait);
  }

  private later(fn: () => void, ms: number): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    t.unref();
    this.timers.add(t);
    return t;
  }
}

/**
 * One POST on a connection of its own (no keep-alive: a receiver shutting down is never held open by the
 * sandbox). Resolves with the HTTP status, 0 when there was no answer (refused, reset, timed out).
 */
function post(s: WebhookSettings, delivery: WebhookDelivery): Promise<number> {
  return new Promise((resolve) => {
    const url = new URL(s.url);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(
      url,
      {
        method: 'POST',
        agent: false,
        timeout: s.timeoutMs,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(delivery.body),
          'intuit-signature': delivery.signature,
          connection: 'close',
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', () => resolve(0));
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
    req.end(delivery.body);
  });
}
