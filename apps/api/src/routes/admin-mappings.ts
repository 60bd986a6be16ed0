import {
  ACCOUNT_MAPPING_KEYS,
  MappingKey,
  MappingKind,
  MappingListQuery,
  type MappingListResponse,
  QboListName,
  QboListQuery,
  type QboListResponse,
  UpsertMappingBody,
  type UpsertMappingResponse,
} from '@qbo-sync/contracts';
import { deleteMapping, listMappings, upsertMapping } from '@qbo-sync/db/repositories/mappings';
import { resumeParked } from '@qbo-sync/producer';
import type { RealmClient } from '@qbo-sync/qbo-client';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { audited } from '../admin/audit.js';
import { requireAdmin } from '../admin/auth.js';
import { adminErrors, adminSecurity, body, pathParams, tenantParam } from '../admin/docs.js';
import { parseInput } from '../admin/parse.js';
import { qboFailure } from '../admin/qbo-errors.js';
import { loadTenant, qboOf, replayDepsOf } from '../admin/tenant.js';
import { mappingView } from '../admin/views.js';
import type { RouteOptions } from '../deps.js';
import { ApiError } from '../errors.js';
import { docsOnlySchemas, response } from './schema-docs.js';

type MappingRoute = { Params: { tenantId: string; kind: string; key: string } };

const MappingParams = z
  .object({ kind: MappingKind, key: MappingKey })
  .refine((p) => p.kind !== 'account' || (ACCOUNT_MAPPING_KEYS as readonly string[]).includes(p.key), {
    message: `for kind account the key is one of ${ACCOUNT_MAPPING_KEYS.join(', ')}`,
    path: ['key'],
  });

/** How many customers one search answers (a picker narrows with `q`). */
const CUSTOMER_SEARCH_LIMIT = 100;

type ListEntry = QboListResponse['items'][number];
const entry = (id: string, name: string, active: boolean | undefined, type?: string): ListEntry => ({
  id,
  name,
  ...(type ? { type } : {}),
  // QBO leaves Active out on some list rows: absent means active.
  active: active !== false,
});

/** Each QBO list a mapping screen offers, inactive entries included and marked. */
const LISTS: Record<QboListName, (realm: RealmClient, q: string | undefined) => Promise<ListEntry[]>> = {
  items: async (realm) => (await realm.listItems()).map((i) => entry(i.Id, i.Name, i.Active, i.Type)),
  accounts: async (realm) => (await realm.listAccounts()).map((a) => entry(a.Id, a.Name, a.Active, a.AccountType)),
  'payment-methods': async (realm) =>
    (await realm.listPaymentMethods()).map((m) => entry(m.Id, m.Name, m.Active, m.Type)),
  'tax-codes': async (realm) => (await realm.listTaxCodes()).map((t) => entry(t.Id, t.Name, t.Active)),
  customers: async (realm, q) =>
    (await realm.searchCustomers(q, CUSTOMER_SEARCH_LIMIT)).map((c) => {
      const email = c.PrimaryEmailAddr?.Address;
      return { ...entry(c.Id, c.DisplayName, c.Active), ...(email ? { email } : {}) };
    }),
};

/** Mappings (billing key → QBO entity) and the live QBO lists to pick from. A new mapping resumes parked syncs. */
export const adminMappingRoutes: FastifyPluginAsync<RouteOptions> = async (app, { deps }) => {
  docsOnlySchemas(app);
  app.addHook('onRequest', requireAdmin(deps));
  const common = { tags: ['mappings'], security: adminSecurity };
  const mappingParams = pathParams({
    ...tenantParam,
    kind: `One of ${MappingKind.options.join(', ')}.`,
    key: 'The billing-side key (URL-encoded): item id, customer id, payment method, currency code, tax code name, or accounts_receivable / refund_bank / income (account).',
  });

  app.get<{ Params: { tenantId: string } }>(
    '/admin/tenants/:tenantId/mappings',
    {
      schema: {
        ...common,
        summary: "A tenant's mappings",
        params: pathParams(tenantParam),
        querystring: { type: 'object', properties: { kind: { type: 'string', enum: MappingKind.options } } },
        response: {
          200: response('Mappings by kind and key.', 'MappingListResponse'),
          ...adminErrors({ 404: 'No such tenant.' }),
        },
      },
    },
    async (request) => {
      const tenant = await loadTenant(deps, request.params.tenantId);
      const { kind } = parseInput(MappingListQuery, request.query, 'query');
      const out: MappingListResponse = { mappings: (await listMappings(deps.db, tenant.id, kind)).map(mappingView) };
      return out;
    },
  );

  app.put<MappingRoute>(
    '/admin/tenants/:tenantId/mappings/:kind/:key',
    {
      config: { role: 'support' },
      schema: {
        ...common,
        summary: 'Create or change a mapping',
        description:
          "Points a billing key at a QuickBooks entity (ids from GET .../qbo/{list}). Then every one of the tenant's " +
          'syncs parked as needs_mapping is queued again; those still missing another key park again, naming it.',
        params: mappingParams,
        body: body('UpsertMappingRequest'),
        response: {
          200: response('The mapping and how many parked syncs were queued again.', 'UpsertMappingResponse'),
          ...adminErrors({ 400: 'Bad kind, key or body (see issues).', 404: 'No such tenant.' }),
        },
      },
    },
    async (request) => {
      const tenant = await loadTenant(deps, request.params.tenantId);
      const { kind, key } = parseInput(MappingParams, request.params, 'mapping path');
      const input = parseInput(UpsertMappingBody, request.body, 'mapping');
      const target = { kind, key, qboId: input.qboId, ...(input.qboName ? { qboName: input.qboName } : {}) };
      return audited(
        deps,
        request,
        { action: 'mapping.set', tenantId: tenant.id, target },
        async () => {
          const row = await upsertMapping(deps.db, {
            tenantId: tenant.id,
            kind,
            externalKey: key,
            qboId: input.qboId,
            qboName: input.qboName ?? null,
          });
          const resumed = await resumeParked(replayDepsOf(deps), tenant.id, { status: 'needs_mapping' });
          const out: UpsertMappingResponse = { mapping: mappingView(row), resumed };
          return out;
        },
        (out) => out.resumed,
      );
    },
  );

  app.delete<MappingRoute>(
    '/admin/tenants/:tenantId/mappings/:kind/:key',
    {
      config: { role: 'support' },
      schema: {
        ...common,
        summary: 'Remove a mapping',
        description: 'Syncs that need this key park as needs_mapping until it is mapped again.',
        params: mappingParams,
        response: {
          204: { description: 'Removed.', type: 'null' },
          ...adminErrors({ 400: 'Bad kind or key.', 404: 'No such tenant or mapping.' }),
        },
      },
    },
    async (request, reply) => {
      const tenant = await loadTenant(deps, request.params.tenantId);
      const { kind, key } = parseInput(MappingParams, request.params, 'mapping path');
      await audited(
        deps,
        request,
        { action: 'mapping.remove', tenantId: tenant.id, target: { kind, key } },
        async () => {
          if (!(await deleteMapping(deps.db, tenant.id, kind, key))) {
            throw new ApiError(404, 'mapping_not_found', `Tenant "${tenant.id}" has no ${kind} mapping for "${key}".`);
          }
        },
      );
      return reply.status(204).send();
    },
  );

  app.get<{ Params: { tenantId: string; list: string } }>(
    '/admin/tenants/:tenantId/qbo/:list',
    {
      schema: {
        ...common,
        summary: 'A live QuickBooks list for mapping screens',
        description:
          "Read from the tenant's QuickBooks company now (counts against its request budget). Inactive entries are " +
          'listed too, with active: false. customers: up to 100 by name; q searches display names and e-mails, so ' +
          'support can find a customer and map it by hand (PUT .../mappings/customer/{billing customer id}).',
        params: pathParams({ ...tenantParam, list: `One of ${QboListName.options.join(', ')}.` }),
        querystring: {
          type: 'object',
          properties: { q: { type: 'string', description: 'customers: part of the display name or e-mail.' } },
        },
        response: {
          200: response('Entries of the list, inactive ones marked.', 'QboListResponse'),
          ...adminErrors({
            400: 'Unknown list.',
            404: 'No such tenant.',
            409: 'Not connected, or the connection needs a reconnect.',
            502: 'QuickBooks failed or could not be reached.',
            503: 'QuickBooks busy for this company, or no QuickBooks client configured.',
          }),
        },
      },
    },
    async (request) => {
      const tenant = await loadTenant(deps, request.params.tenantId);
      const { list } = parseInput(z.object({ list: QboListName }), request.params, 'list name');
      const { q } = parseInput(QboListQuery, request.query, 'query');
      const qbo = qboOf(deps);
      try {
        const out: QboListResponse = { items: await LISTS[list](await qbo.forTenant(tenant.id), q) };
        return out;
      } catch (err) {
        throw qboFailure(err, tenant.id);
      }
    },
  );
};
