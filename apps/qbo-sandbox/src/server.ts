// Builds the Fastify app: OAuth, the QBO API, the admin API and the deep-link pages.
import Fastify, { type FastifyInstance } from 'fastify';
import { registerAdmin } from './admin.js';
import { registerApi } from './api/handler.js';
import { registerOAuth } from './oauth/routes.js';
import { registerPages } from './pages.js';
import type { Sandbox } from './sandbox.js';

export function buildServer(sb: Sandbox, logger: boolean): FastifyInstance {
  const app = Fastify({ logger, forceCloseConnections: true, bodyLimit: 5 * 1024 * 1024 });
  registerApi(app, sb);
  registerOAuth(app, sb);
  registerAdmin(app, sb);
  registerPages(app, sb);
  app.get('/', async () => ({
    name: 'qbo-sandbox',
    api: '/v3/company/{realmId}/...',
    oauth: { authorize: '/connect/oauth2', token: '/oauth2/v1/tokens/bearer', revoke: '/v2/oauth2/tokens/revoke' },
    admin: '/__sandbox',
    realms: [...sb.realms.keys()],
  }));
  return app;
}
