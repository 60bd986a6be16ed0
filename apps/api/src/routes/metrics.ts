import type { FastifyPluginAsync } from 'fastify';
import { requireAdmin } from '../admin/auth.js';
import { adminSecurity } from '../admin/docs.js';
import type { RouteOptions } from '../deps.js';

/** GET /metrics — Prometheus text. Gauges are read from Redis and PostgreSQL at scrape time. */
export const metricsRoutes: FastifyPluginAsync<RouteOptions> = async (app, { deps }) => {
  app.addHook('onRequest', requireAdmin(deps));
  app.get(
    '/metrics',
    {
      schema: {
        tags: ['operations'],
        summary: 'Prometheus metrics',
        description:
          'Queue depth per queue and state (qbo_sync_queue_jobs), events ingested / duplicate / rejected, sync ' +
          'records per tenant and status (qbo_sync_records), QuickBooks connection status per tenant ' +
          '(qbo_sync_qbo_connection), and Node.js process metrics. Scrape with the admin token as bearer.',
        security: adminSecurity,
      },
    },
    async (_request, reply) => {
      const registry = deps.metrics?.registry;
      if (!registry) throw new Error('buildApi always sets deps.metrics');
      return reply.type(registry.contentType).send(await registry.metrics());
    },
  );
};
