import type { HealthResponse } from '@qbo-sync/contracts';
import { checkReadiness } from '@qbo-sync/observability';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { RouteOptions } from '../deps.js';
import { docsOnlySchemas, response } from './schema-docs.js';

/**
 * GET /health and /health/ready — PostgreSQL and Redis reachable; 503 while either is not (an outage: events
 * cannot be stored or queued, so a load balancer should send them elsewhere). GET /health/live — the process
 * answers; it stays up through an outage, so restarting it would not help.
 */
export const healthRoutes: FastifyPluginAsync<RouteOptions> = async (app, { deps }) => {
  docsOnlySchemas(app);
  const ready = {
    schema: {
      tags: ['operations'],
      summary: 'Readiness: the API can reach PostgreSQL and Redis',
      response: {
        200: response('All checks pass.', 'HealthResponse'),
        503: response('A check fails.', 'HealthResponse'),
      },
    },
  };
  const readiness = async (_request: unknown, reply: FastifyReply) => {
    const body: HealthResponse = await checkReadiness({
      database: () => deps.db.execute('select 1'),
      redis: () => deps.redis.ping(),
    });
    return reply.status(body.status === 'ok' ? 200 : 503).send(body);
  };
  app.get('/health', ready, readiness);
  app.get('/health/ready', ready, readiness);
  app.get(
    '/health/live',
    { schema: { tags: ['operations'], summary: 'Liveness: the API process answers' } },
    async () => ({ status: 'ok' }),
  );
};
