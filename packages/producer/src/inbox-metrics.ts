// The inbox backlog as Prometheus gauges, read from PostgreSQL on each scrape (the authority, whatever Redis
// holds): how many accepted events no job run has finished yet, and how long the oldest has waited. An age
// that keeps growing means events are stuck (e.g. Redis lost their jobs and no sweep is running).
import type { Database } from '@qbo-sync/db';
import { inboxBacklog } from '@qbo-sync/db/repositories/inbox';
import { Gauge, type Logger, type Registry } from '@qbo-sync/observability';

type Backlog = Awaited<ReturnType<typeof inboxBacklog>>;

export function registerInboxMetrics(registry: Registry, db: Database, logger: Logger): void {
  const log = logger.child({ component: 'inbox.metrics' });
  // A failing database leaves the gauges empty for this scrape (and logs) instead of failing the scrape.
  const gauge = (name: string, help: string, value: (b: Backlog) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        this.reset();
        try {
          this.set(value(await inboxBacklog(db)));
        } catch (err) {
          log.warn({ err, metric: name }, 'inbox backlog unavailable during scrape');
        }
      },
    });
  gauge(
    'qbo_sync_inbox_oldest_unprocessed_age_seconds',
    'Age of the oldest accepted event whose job has not finished (0 when none): the sync backlog, read from PostgreSQL.',
    (b) => b.oldestAgeSeconds,
  );
  gauge(
    'qbo_sync_inbox_unprocessed_events',
    'Accepted events whose job has not finished yet (queued, running, deferred, or lost by Redis and not yet re-queued).',
    (b) => b.unprocessed,
  );
}
