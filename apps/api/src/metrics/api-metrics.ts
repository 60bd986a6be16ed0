// Prometheus metrics of the API process: ingest counters, plus gauges read from Redis and PostgreSQL on each
// scrape (queue depth, sync records by status, QBO connection statuses), so any API replica reports the truth.
import { JOB_NAMES } from '@qbo-sync/contracts';
import type { Database } from '@qbo-sync/db';
import { countRecordsByTenantAndStatus, listConnectionStatuses } from '@qbo-sync/db/repositories/sync-records-admin';
import { listTenants } from '@qbo-sync/db/repositories/tenants';
import { Counter, createMetricsRegistry, Gauge, type Logger, type Registry } from '@qbo-sync/observability';
import {
  type Producer,
  type PublishOptions,
  type PublishResult,
  type Queues,
  registerInboxMetrics,
} from '@qbo-sync/producer';

/** BullMQ job states reported per queue. */
export const QUEUE_STATES = [
  'waiting',
  'prioritized',
  'active',
  'delayed',
  'waiting-children',
  'failed',
  'completed',
] as const;

export interface ApiMetrics {
  registry: Registry;
  /** Counts publish results (accepted / duplicate / rejected) for the tenant that sent them. */
  countPublished(results: readonly PublishResult[], tenantId: string | undefined): void;
  /** Intuit webhook changes by what became of them (accepted, duplicate, unknown_realm, not_watched, refused_signature, invalid). */
  countWebhookChanges(result: string, n: number): void;
}

export interface MetricsSources {
  db: Database;
  queues: Queues;
  logger: Logger;
}

/** A gauge filled on scrape; a failing source leaves it empty (and logs) instead of failing the whole scrape. */
function scrapedGauge(
  registry: Registry,
  log: Logger,
  spec: { name: string; help: string; labelNames: string[] },
  fill: (gauge: Gauge) => Promise<void>,
): void {
  new Gauge({
    ...spec,
    registers: [registry],
    async collect() {
      this.reset();
      try {
        await fill(this);
      } catch (err) {
        log.warn({ err, metric: spec.name }, 'metric source unavailable during scrape');
      }
    },
  });
}

export function createApiMetrics(sources: MetricsSources): ApiMetrics {
  const registry = createMetricsRegistry('qbo-sync-api');
  const log = sources.logger.child({ component: 'api.metrics' });

  const ingested = new Counter({
    name: 'qbo_sync_events_ingested_total',
    help: 'Events accepted (stored and queued) by the ingest API.',
    labelNames: ['tenant'],
    registers: [registry],
  });
  const duplicate = new Counter({
    name: 'qbo_sync_events_duplicate_total',
    help: 'Events received again with an event id already stored (acknowledged, nothing queued).',
    labelNames: ['tenant'],
    registers: [registry],
  });
  const rejected = new Counter({
    name: 'qbo_sync_events_rejected_total',
    help: 'Events refused by validation, by reason code.',
    labelNames: ['tenant', 'code'],
    registers: [registry],
  });

  const webhookChanges = new Counter({
    name: 'qbo_sync_qbo_webhook_changes_total',
    help: 'QuickBooks webhook changes by result: accepted (queued for a drift check), duplicate (acted on before), unknown_realm (a company no tenant is connected to: ignored), not_watched (an entity we do not post), refused_signature and invalid (whole requests refused).',
    labelNames: ['result'],
    registers: [registry],
  });

  scrapedGauge(
    registry,
    log,
    { name: 'qbo_sync_queue_jobs', help: 'Jobs per queue and BullMQ state.', labelNames: ['queue', 'state'] },
    async (gauge) => {
      await Promise.all(
        JOB_NAMES.map(async (name) => {
          const counts = await sources.queues[name].getJobCounts(...QUEUE_STATES);
          for (const state of QUEUE_STATES) gauge.set({ queue: name, state }, counts[state] ?? 0);
        }),
      );
    },
  );

  scrapedGauge(
    registry,
    log,
    { name: 'qbo_sync_records', help: 'Sync records per tenant and status.', labelNames: ['tenant', 'status'] },
    async (gauge) => {
      for (const row of await countRecordsByTenantAndStatus(sources.db)) {
        gauge.set({ tenant: row.tenantId, status: row.status }, row.n);
      }
    },
  );

  scrapedGauge(
    registry,
    log,
    {
      name: 'qbo_sync_qbo_connection',
      help: "1 for each tenant's current QuickBooks connection status (active, needs_reconnect, disconnected, not_connected).",
      labelNames: ['tenant', 'status'],
    },
    async (gauge) => {
      const [tenants, connections] = await Promise.all([listTenants(sources.db), listConnectionStatuses(sources.db)]);
      const byTenant = new Map(connections.map((c) => [c.tenantId, c.status]));
      for (const t of tenants) gauge.set({ tenant: t.id, status: byTenant.get(t.id) ?? 'not_connected' }, 1);
    },
  );

  registerInboxMetrics(registry, sources.db, sources.logger);

  return {
    registry,
    countPublished(results, tenantId) {
      for (const r of results) {
        const tenant = tenantId ?? (r.status === 'rejected' ? 'unknown' : r.tenantId);
        if (r.status === 'accepted') ingested.inc({ tenant });
        else if (r.status === 'duplicate') duplicate.inc({ tenant });
        else rejected.inc({ tenant, code: r.code });
      }
    },
    countWebhookChanges(result, n) {
      if (n > 0) webhookChanges.inc({ result }, n);
    },
  };
}

/** The producer with every publish result counted; everything else passes through. */
export function countingProducer(producer: Producer, metrics: ApiMetrics): Producer {
  return {
    queues: producer.queues,
    pacer: producer.pacer,
    async publish(event: unknown, opts?: PublishOptions) {
      const result = await producer.publish(event, opts);
      metrics.countPublished([result], opts?.tenantId);
      return result;
    },
    async publishMany(events: readonly unknown[], opts?: PublishOptions) {
      const results = await producer.publishMany(events, opts);
      metrics.countPublished(results, opts?.tenantId);
      return results;
    },
    sweepUnenqueued: (opts) => producer.sweepUnenqueued(opts),
    sweepUnprocessed: (opts) => producer.sweepUnprocessed(opts),
    close: () => producer.close(),
  };
}
