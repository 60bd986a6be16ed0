import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Config } from '@qbo-sync/config';
import { ADMIN_API_ERROR_CODES, API_ERROR_CODES, adminOpenApiSchemas, openApiSchemas } from '@qbo-sync/contracts';
import type { FastifyInstance } from 'fastify';

const DESCRIPTION = `Billing systems send domain events here; qbo-sync posts them to QuickBooks Online exactly once.

**Authentication.** Every request carries \`X-Api-Key\`. Writes are also signed:
\`X-Qbo-Sync-Timestamp\` (Unix seconds) and \`X-Qbo-Sync-Signature: v1=<hex HMAC-SHA256(signing secret, timestamp + "." + raw body)>\`.

**Errors** are always \`{ "error": { "code", "message", "issues"?: [{ "path", "message" }] } }\`. Codes: ${API_ERROR_CODES.map((c) => `\`${c}\``).join(', ')}.

**Retries are safe**: an event id is processed once per tenant; a repeat answers \`duplicate\`.

**Admin and support API** (\`/admin/...\`, for operators, support staff and the CLI): \`Authorization: Bearer <ADMIN_TOKEN>\`.
Without ADMIN_TOKEN (development only) it answers requests from this machine only. Extra error codes: ${ADMIN_API_ERROR_CODES.map((c) => `\`${c}\``).join(', ')}.`;

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
        { name: 'operations', description: 'Health and metrics.' },
        { name: 'admin', description: 'Tenants, settings, API keys and the QuickBooks connection.' },
        { name: 'mappings', description: 'Billing keys → QuickBooks entities; live QuickBooks lists.' },
        { name: 'support', description: 'Sync records, attempt history, replays and the manual sync window.' },
      ],
      components: {
        schemas: { ...openApiSchemas(), ...adminOpenApiSchemas() },
        securitySchemes: {
          apiKey: { type: 'apiKey', in: 'header', name: 'X-Api-Key', description: 'The tenant API key.' },
          adminToken: { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN of the deployment.' },
        },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
