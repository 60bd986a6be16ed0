import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { ApiDeps } from './deps.js';
import { registerDocs } from './docs.js';
import { clientErrorHandler, frameworkErrors, installErrorHandling, requestIdOf, SECURITY_HEADERS } from './errors.js';
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
    // The client's x-request-id is used only when it is a plain token (it is echoed and logged).
    genReqId: requestIdOf,
    requestIdHeader: false,
    frameworkErrors,
    clientErrorHandler,
    // `/v1/events:batch` is a literal colon route; keep trailing-slash variants equivalent.
    // Ids are up to 128 characters, %-encoded up to three times as long; beyond that the router answers 414.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 400 },
    // Fastify's two info lines per request drown everything else; one line per request, at debug
    // (errors and 5xx at warn), keeps `npm start` readable and LOG_LEVEL=debug still shows traffic.
    logController: new LogController({ disableRequestLogging: true }),
  });
  app.decorateRequest('tenant', null);
  app.decorateRequest('operator', null);
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
    reply.headers(SECURITY_HEADERS);
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
