import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { ApiDeps } from './deps.js';
import { registerDocs } from './docs.js';
import { installErrorHandling } from './errors.js';
import { countingProducer, createApiMetrics } from './metrics/api-metrics.js';
import { ROUTES } from './routes/index.js';

/**
 * The HTTP API: docs, error handling, then every area's route plugin (see routes/index.ts). Not listening:
 * call `app.listen` (main.ts) or `app.inject` (tests).
 */
export async function buildApi(input: ApiDeps): Promise<FastifyInstance> {
  // Every area sees the producer through the metrics counters (events ingested / duplicate / rejected).
  const metrics =
    input.metrics ?? createApiMetrics({ db: input.db, queues: input.producer.queues, logger: input.logger });
  const deps: ApiDeps = { ...input, metrics, producer: countingProducer(input.producer, metrics) };
  const logger: FastifyBaseLogger = deps.logger.child({ component: 'api' });
  const app = Fastify({
    loggerInstance: logger,
    bodyLimit: deps.config.api.bodyLimitBytes,
    genReqId: () => randomUUID(),
    requestIdHeader: 'x-request-id',
    // `/v1/events:batch` is a literal colon route; keep trailing-slash variants equivalent.
    routerOptions: { ignoreTrailingSlash: true },
    // Fastify's two info lines per request drown everything else; one line per request, at debug
    // (errors and 5xx at warn), keeps `npm start` readable and LOG_LEVEL=debug still shows traffic.
    logController: new LogController({ disableRequestLogging: true }),
  });
  app.decorateRequest('tenant', null);
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    const line = {
      method: request.method,
      url: request.routeOptions.url ?? request.url,
      statusCode: reply.statusCode,
      ms: Math.round(reply.elapsedTime),
    };
    if (reply.statusCode >= 500) request.log.warn(line, 'request failed');
    else request.log.debug(line, 'request');
  });
  installErrorHandling(app, deps.config.api.bodyLimitBytes);
  await registerDocs(app, deps.config);
  for (const routes of ROUTES) await app.register(routes, { deps });
  return app;
}
