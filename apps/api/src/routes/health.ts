import type { HealthResponse } from '@qbo-sync/contracts';
import type { FastifyPluginAsync } from 'fastify';
import type { RouteOptions } from '../deps.js';
import { docsOnlySchemas, response } from './schema-docs.js';

const CHECK_TIMEOUT_MS = 2_000;

/** Resolves 'ok' or 'failing'; a hung dependency counts as failing after CHECK_TIMEOUT_MS. */
async function probe(check: () => Promise<unknown>): Promise<'ok' | 'failing'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'failing'>((resolve) => {
    timer = setTimeout(() => resolve('failing'), CHECK_TIMEOUT_MS);
  });
  try {
    return await Promise.race([check().then(() => 'ok' as const), timeout]);
  } catch {
    return 'failing';
  } finally {
    clearTimeout(timer);
  }
}

/** GET /health — PostgreSQL and Redis reachable; 503 when either is not. */
export const healthRoutes: FastifyPluginAsync<RouteOptions> = async (app, { deps }) => {
  docsOnlySchemas(app);
  app.get(
    '/health',
    {
      schema: {
        tags: ['operations'],
        summary: 'Liveness of the API and its stores',
        response: {
          200: response('All checks pass.', 'HealthResponse'),
          503: response('A check fails.', 'HealthResponse'),
        },
      },
    },
    async (_request, reply) => {
      const [database, redis] = await Promise.all([
        probe(() => deps.db.execute('select 1')),
        probe(() => deps.redis.ping()),
      ]);
      const body: HealthResponse = {
        status: database === 'ok' && redis === 'ok' ? 'ok' : 'degraded',
        checks: { database, redis },
      };
      return reply.status(body.status === 'ok' ? 200 : 503).send(body);
    },
  );
};
