import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Config } from '@qbo-sync/config';
import { API_ERROR_CODES, openApiSchemas } from '@qbo-sync/contracts';
import type { FastifyInstance } from 'fastify';

const DESCRIPTION = `Billing systems send domain events here; qbo-sync posts them to QuickBooks Online exactly once.

**Authentication.** Every request carries \`X-Api-Key\`. Writes are also signed:
\`X-Qbo-Sync-Timestamp\` (Unix seconds) and \`X-Qbo-Sync-Signature: v1=<hex HMAC-SHA256(signing secret, timestamp + "." + raw body)>\`.

**Errors** are always \`{ "error": { "code", "message", "issues"?: [{ "path", "message" }] } }\`. Codes: ${API_ERROR_CODES.map((c) => `\`${c}\``).join(', ')}.

**Retries are safe**: an event id is processed once per tenant; a repeat answers \`duplicate\`.`;

/** OpenAPI document generated from the contract schemas, served at /openapi.json, and a reference at /docs. */
export async function registerDocs(app: FastifyInstance, config: Config): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'qbo-sync API', version: '1.0.0', description: DESCRIPTION },
      servers: [{ url: config.api.publicUrl }],
      tags: [
        { name: 'ingest', description: 'Send domain events.' },
        { name: 'status', description: 'Read sync status.' },
        { name: 'operations', description: 'Health.' },
      ],
      components: {
        schemas: openApiSchemas(),
        securitySchemes: {
          apiKey: { type: 'apiKey', in: 'header', name: 'X-Api-Key', description: 'The tenant API key.' },
        },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
