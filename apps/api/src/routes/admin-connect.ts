import type { ConnectResponse, DisconnectResponse } from '@qbo-sync/contracts';
import { getConnection } from '@qbo-sync/db/repositories/connections';
import type { FastifyPluginAsync } from 'fastify';
import { audited } from '../admin/audit.js';
import { requireAdmin } from '../admin/auth.js';
import { adminErrors, adminSecurity, pathParams, tenantParam } from '../admin/docs.js';
import { createConnectState, STATE_TTL_SECONDS } from '../admin/oauth-state.js';
import { loadTenant, qboOf } from '../admin/tenant.js';
import type { RouteOptions } from '../deps.js';
import { ApiError } from '../errors.js';
import { docsOnlySchemas, response } from './schema-docs.js';

type TenantRoute = { Params: { tenantId: string } };

/** Starting a QuickBooks connection (the callback is in connect.ts) and ending one. */
export const adminConnectRoutes: FastifyPluginAsync<RouteOptions> = async (app, { deps }) => {
  docsOnlySchemas(app);
  app.addHook('onRequest', requireAdmin(deps));
  const common = { tags: ['admin'], security: adminSecurity, params: pathParams(tenantParam) };

  app.get<TenantRoute>(
    '/admin/tenants/:tenantId/connect',
    {
      // A GET, but it hands out a link that (re)connects the company: an admin's action.
      config: { role: 'admin' },
      schema: {
        ...common,
        summary: 'Start connecting QuickBooks (or reconnecting)',
        description:
          `Answers the Intuit authorize URL. Open it in a browser, sign in to QuickBooks and pick the company; ` +
          `Intuit sends the browser back to /v1/connect/callback, which stores the grant and resumes syncs parked ` +
          `as needs_reconnect. The URL works once, within ${STATE_TTL_SECONDS / 60} minutes.`,
        response: {
          200: response('Where to send the browser.', 'ConnectResponse'),
          ...adminErrors({ 404: 'No such tenant.', 503: 'No QuickBooks client configured.' }),
        },
      },
    },
    async (request) => {
      const tenant = await loadTenant(deps, request.params.tenantId);
      const qbo = qboOf(deps);
      return audited(deps, request, { action: 'tenant.connect', tenantId: tenant.id }, async () => {
        const state = await createConnectState(deps.redis, deps.config.queuePrefix, tenant.id);
        const out: ConnectResponse = {
          authorizeUrl: qbo.oauth.authorizeUrl(state),
          expiresInSeconds: STATE_TTL_SECONDS,
        };
        return out;
      });
    },
  );

  app.post<TenantRoute>(
    '/admin/tenants/:tenantId/disconnect',
    {
      schema: {
        ...common,
        summary: 'Disconnect QuickBooks',
        description:
          'Revokes the grant at Intuit (best effort) and stops every call for this tenant; syncs park as ' +
          'needs_reconnect until it is connected again.',
        response: {
          200: response('Disconnected.', 'DisconnectResponse'),
          ...adminErrors({ 404: 'No such tenant.', 409: 'Not connected.', 503: 'No QuickBooks client configured.' }),
        },
      },
    },
    async (request) => {
      const tenant = await loadTenant(deps, request.params.tenantId);
      const qbo = qboOf(deps);
      const connection = await getConnection(deps.db, tenant.id);
      if (!connection) {
        throw new ApiError(409, 'not_connected', `Tenant "${tenant.id}" has no QuickBooks connection to disconnect.`);
      }
      const { revokedAtIntuit } = await audited(
        deps,
        request,
        { action: 'tenant.disconnect', tenantId: tenant.id },
        () => qbo.oauth.revoke(tenant.id),
      );
      const out: DisconnectResponse = { status: 'disconnected', revokedAtIntuit };
      return out;
    },
  );
};
