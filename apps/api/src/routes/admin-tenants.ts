import {
  CreateTenantBody,
  type CreateTenantResponse,
  type DeleteTenantResponse,
  type RotateKeyResponse,
  type RotateSecretResponse,
  SyncStatus,
  type TenantDetailResponse,
  type TenantListResponse,
  TenantSettingsPatch,
} from '@qbo-sync/contracts';
import { getConnection } from '@qbo-sync/db/repositories/connections';
import {
  countRecordsByStatus,
  countRetrying,
  listConnectionStatuses,
} from '@qbo-sync/db/repositories/sync-records-admin';
import {
  createTenant,
  deleteTenant,
  listTenants,
  rotateApiKey,
  rotateSigningSecret,
  TenantExistsError,
  updateTenantSettings,
} from '@qbo-sync/db/repositories/tenants';
import { removeTenantJobs } from '@qbo-sync/producer';
import { checkCallbackUrl } from '@qbo-sync/security';
import type { FastifyPluginAsync } from 'fastify';
import { audited } from '../admin/audit.js';
import { requireAdmin } from '../admin/auth.js';
import { adminErrors, adminSecurity, body, pathParams, tenantParam } from '../admin/docs.js';
import { parseInput } from '../admin/parse.js';
import { loadTenant } from '../admin/tenant.js';
import { connectionStatusName, connectionView, tenantView } from '../admin/views.js';
import type { ApiDeps, RouteOptions } from '../deps.js';
import { ApiError } from '../errors.js';
import { docsOnlySchemas, response } from './schema-docs.js';

type TenantRoute = { Params: { tenantId: string } };

/** The callback URL policy at save time, so a refused target is a clear 400 now rather than failed deliveries later. */
function assertCallbackUrlAllowed(deps: ApiDeps, url: string | undefined, path: string): void {
  if (url === undefined) return;
  const check = checkCallbackUrl(url, deps.config.callbacks);
  if (check.ok) return;
  throw new ApiError(400, 'invalid_request', 'The callback URL is not allowed (see issues); nothing was changed.', [
    { path, message: check.reason },
  ]);
}

/** Tenants: create (key and secret shown once), list, detail with connection and counts, settings, key rotation. */
export const adminTenantRoutes: FastifyPluginAsync<RouteOptions> = async (app, { deps }) => {
  docsOnlySchemas(app);
  app.addHook('onRequest', requireAdmin(deps));
  const common = { tags: ['admin'], security: adminSecurity };

  app.post(
    '/admin/tenants',
    {
      schema: {
        ...common,
        summary: 'Create a tenant',
        description:
          'Creates a tenant and answers its API key and signing secret. This is the only time they are shown: ' +
          'hand them to the billing system now. Settings not given take their defaults.',
        body: body('CreateTenantRequest'),
        response: {
          201: response('Created.', 'CreateTenantResponse'),
          ...adminErrors({ 400: 'Invalid body (see issues).', 409: 'A tenant with this id exists.' }),
        },
      },
    },
    async (request, reply) => {
      const input = parseInput(CreateTenantBody, request.body, 'tenant');
      assertCallbackUrlAllowed(deps, input.settings?.callbackUrl, 'settings.callbackUrl');
      try {
        const created = await audited(
          deps,
          request,
          { action: 'tenant.create', tenantId: input.id, target: { name: input.name, settings: input.settings ?? {} } },
          () => createTenant(deps.db, deps.secrets, { id: input.id, name: input.name, settings: input.settings ?? {} }),
        );
        const out: CreateTenantResponse = {
          tenant: tenantView(created.tenant),
          apiKey: created.apiKey,
          signingSecret: created.signingSecret,
        };
        return reply.status(201).send(out);
      } catch (err) {
        if (err instanceof TenantExistsError) {
          throw new ApiError(
            409,
            'tenant_exists',
            `A tenant "${input.id}" already exists. Pick another id, or rotate its key: POST /admin/tenants/${input.id}/rotate-key.`,
          );
        }
        throw err;
      }
    },
  );

  app.get(
    '/admin/tenants',
    {
      schema: {
        ...common,
        summary: 'List tenants',
        response: { 200: response('Every tenant with its connection status.', 'TenantListResponse'), ...adminErrors() },
      },
    },
    async () => {
      const [tenants, connections] = await Promise.all([listTenants(deps.db), listConnectionStatuses(deps.db)]);
      const byTenant = new Map(connections.map((c) => [c.tenantId, c]));
      const out: TenantListResponse = {
        tenants: tenants.map((t) => {
          const c = byTenant.get(t.id);
          return {
            ...tenantView(t),
            connection: { status: connectionStatusName(c?.status), realmId: c?.realmId ?? null },
          };
        }),
      };
      return out;
    },
  );

  app.get<TenantRoute>(
    '/admin/tenants/:tenantId',
    {
      schema: {
        ...common,
        summary: 'One tenant: settings, QuickBooks connection, sync records by status',
        params: pathParams(tenantParam),
        response: { 200: response('The tenant.', 'TenantDetailResponse'), ...adminErrors({ 404: 'No such tenant.' }) },
      },
    },
    async (request) => {
      const tenant = await loadTenant(deps, request.params.tenantId);
      const [connection, counted, retrying] = await Promise.all([
        getConnection(deps.db, tenant.id),
        countRecordsByStatus(deps.db, tenant.id),
        countRetrying(deps.db, tenant.id),
      ]);
      const counts = Object.fromEntries(
        SyncStatus.options.map((s) => [s, counted[s] ?? 0]),
      ) as TenantDetailResponse['counts'];
      const out: TenantDetailResponse = {
        ...tenantView(tenant),
        connection: connectionView(connection, tenant.id),
        counts,
        retrying,
      };
      return out;
    },
  );

  app.patch<TenantRoute>(
    '/admin/tenants/:tenantId/settings',
    {
      schema: {
        ...common,
        summary: 'Change some settings',
        description:
          'Only the keys sent change. Turning autoSync off makes new events wait as needs_sync for a manual sync ' +
          '(POST /admin/tenants/{tenantId}/sync).',
        params: pathParams(tenantParam),
        body: body('TenantSettingsPatch'),
        response: {
          200: response('The tenant with its settings.', 'TenantView'),
          ...adminErrors({ 400: 'Unknown key or bad value (see issues).', 404: 'No such tenant.' }),
        },
      },
    },
    async (request) => {
      const tenant = await loadTenant(deps, request.params.tenantId);
      const patch = parseInput(TenantSettingsPatch, request.body, 'settings patch');
      assertCallbackUrlAllowed(deps, patch.callbackUrl, 'callbackUrl');
      const updated = await audited(
        deps,
        request,
        { action: 'tenant.settings', tenantId: tenant.id, target: patch },
        () => updateTenantSettings(deps.db, tenant.id, patch),
      );
      return tenantView(updated);
    },
  );

  app.post<TenantRoute>(
    '/admin/tenants/:tenantId/rotate-key',
    {
      schema: {
        ...common,
        summary: 'Issue a new API key',
        description: 'The old key stops working at once; give the new one to the billing system.',
        params: pathParams(tenantParam),
        response: {
          200: response('The new key, shown once.', 'RotateKeyResponse'),
          ...adminErrors({ 404: 'No such tenant.' }),
        },
      },
    },
    async (request) => {
      const tenant = await loadTenant(deps, request.params.tenantId);
      const rotated = await audited(deps, request, { action: 'tenant.rotate_key', tenantId: tenant.id }, () =>
        rotateApiKey(deps.db, tenant.id),
      );
      const out: RotateKeyResponse = { apiKey: rotated.apiKey, apiKeyPrefix: rotated.apiKeyPrefix };
      return out;
    },
  );

  app.post<TenantRoute>(
    '/admin/tenants/:tenantId/rotate-secret',
    {
      schema: {
        ...common,
        summary: 'Issue a new signing secret',
        description:
          'The old secret stops verifying requests at once; give the new one to the billing system, which also uses it to verify our callbacks.',
        params: pathParams(tenantParam),
        response: {
          200: response('The new signing secret, shown once.', 'RotateSecretResponse'),
          ...adminErrors({ 404: 'No such tenant.' }),
        },
      },
    },
    async (request) => {
      const tenant = await loadTenant(deps, request.params.tenantId);
      const signingSecret = await audited(deps, request, { action: 'tenant.rotate_secret', tenantId: tenant.id }, () =>
        rotateSigningSecret(deps.db, deps.secrets, tenant.id),
      );
      const out: RotateSecretResponse = { signingSecret };
      return out;
    },
  );

  app.delete<TenantRoute>(
    '/admin/tenants/:tenantId',
    {
      schema: {
        ...common,
        summary: 'Delete a tenant',
        description:
          'Revokes its QuickBooks grant (best effort), removes its queued and retained jobs, then deletes the tenant with its connection, mappings, inbox and sync records. Nothing is deleted in QuickBooks.',
        params: pathParams(tenantParam),
        response: {
          200: response('Deleted.', 'DeleteTenantResponse'),
          ...adminErrors({ 404: 'No such tenant.' }),
        },
      },
    },
    async (request) => {
      const tenant = await loadTenant(deps, request.params.tenantId);
      const { revokedAtIntuit, jobsRemoved } = await audited(
        deps,
        request,
        { action: 'tenant.delete', tenantId: tenant.id, target: { name: tenant.name } },
        async () => {
          const { revokedAtIntuit } = deps.qbo ? await deps.qbo.oauth.revoke(tenant.id) : { revokedAtIntuit: false };
          // Jobs go first: retained completed jobs would de-duplicate a re-created tenant's re-sent events.
          const jobsRemoved = await removeTenantJobs(deps.producer.queues, tenant.id);
          if (!(await deleteTenant(deps.db, tenant.id))) {
            throw new ApiError(404, 'tenant_not_found', `Tenant "${tenant.id}" was deleted meanwhile.`);
          }
          return { revokedAtIntuit, jobsRemoved };
        },
      );
      request.log.info({ tenantId: tenant.id, revokedAtIntuit, jobsRemoved }, 'tenant deleted');
      const out: DeleteTenantResponse = { deleted: true, revokedAtIntuit };
      return out;
    },
  );
};
