import {
  type AuditListResponse,
  AuditQuery,
  CreateOperatorBody,
  type CreateOperatorResponse,
  FailureGroupQuery,
  type FailureGroupsResponse,
  type OperatorListResponse,
  type OperatorView,
  RecordSearchQuery,
  type RecordSearchResponse,
  type RevokeOperatorResponse,
  type SyncEntityType,
  type SyncStatus,
  type WhoAmIResponse,
} from '@qbo-sync/contracts';
import { listAudit } from '@qbo-sync/db/repositories/audit';
import {
  createOperator,
  getOperator,
  listOperators,
  type Operator,
  OperatorExistsError,
  revokeOperator,
} from '@qbo-sync/db/repositories/operators';
import { failureGroups, searchRecords } from '@qbo-sync/db/repositories/sync-records-admin';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { auditEntryView, audited } from '../admin/audit.js';
import { requireAdmin } from '../admin/auth.js';
import { adminErrors, adminSecurity, body, pathParams } from '../admin/docs.js';
import { operatorOf } from '../admin/identity.js';
import { parseInput } from '../admin/parse.js';
import { recordView } from '../admin/views.js';
import type { RouteOptions } from '../deps.js';
import { ApiError } from '../errors.js';
import { docsOnlySchemas, response } from './schema-docs.js';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function operatorView(op: Operator): OperatorView {
  return {
    id: op.id,
    name: op.name,
    role: op.role as OperatorView['role'],
    tokenPrefix: op.tokenPrefix,
    createdBy: op.createdBy,
    createdAt: op.createdAt.toISOString(),
    lastUsedAt: iso(op.lastUsedAt),
    revokedAt: iso(op.revokedAt),
  };
}

const OperatorIdParam = z.object({ id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) });

const encodeBefore = (id: number) => Buffer.from(String(id)).toString('base64url');
function decodeBefore(raw: string): number {
  const id = Number(Buffer.from(raw, 'base64url').toString('utf8'));
  if (Number.isSafeInteger(id) && id > 0) return id;
  throw new ApiError(
    400,
    'invalid_cursor',
    'cursor is not one this API gave out; pass nextCursor unchanged, or omit it.',
  );
}

/**
 * Operations: who am I, operators (admin), the audit log, search across tenants, failures grouped by reason.
 */
export const adminOperationRoutes: FastifyPluginAsync<RouteOptions> = async (app, { deps }) => {
  docsOnlySchemas(app);
  app.addHook('onRequest', requireAdmin(deps));
  const common = { tags: ['operations'], security: adminSecurity };
  const now = () => new Date((deps.now ?? Date.now)());

  app.get(
    '/admin/whoami',
    {
      schema: {
        ...common,
        summary: 'The operator making this request, with their role',
        response: { 200: response('Who you are.', 'WhoAmIResponse'), ...adminErrors() },
      },
    },
    async (request) => {
      const out: WhoAmIResponse = { operator: operatorOf(request) };
      return out;
    },
  );

  app.get(
    '/admin/operators',
    {
      config: { role: 'admin' },
      schema: {
        ...common,
        summary: 'List operators (active first, then revoked)',
        response: {
          200: response('Operators; tokens are never shown again.', 'OperatorListResponse'),
          ...adminErrors(),
        },
      },
    },
    async () => {
      const out: OperatorListResponse = { operators: (await listOperators(deps.db)).map(operatorView) };
      return out;
    },
  );

  app.post(
    '/admin/operators',
    {
      schema: {
        ...common,
        summary: 'Create an operator with a role',
        description:
          'Answers the operator and their token, shown once (only a hash is stored). Roles: read_only (look only), ' +
          'support (also replay, map, manual sync), admin (everything, including tenants and operators).',
        body: body('CreateOperatorRequest'),
        response: {
          201: response('Created.', 'CreateOperatorResponse'),
          ...adminErrors({ 400: 'Bad name or role (see issues).', 409: 'An active operator has this name.' }),
        },
      },
    },
    async (request, reply) => {
      const input = parseInput(CreateOperatorBody, request.body, 'operator');
      try {
        const created = await audited(
          deps,
          request,
          { action: 'operator.create', target: { name: input.name, role: input.role } },
          () => createOperator(deps.db, { ...input, createdBy: operatorOf(request).name }),
        );
        const out: CreateOperatorResponse = { operator: operatorView(created.operator), token: created.token };
        return reply.status(201).send(out);
      } catch (err) {
        if (err instanceof OperatorExistsError) {
          throw new ApiError(
            409,
            'operator_exists',
            `An active operator is named "${input.name}". Pick another name, or revoke that one first.`,
          );
        }
        throw err;
      }
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/admin/operators/:id',
    {
      schema: {
        ...common,
        summary: 'Revoke an operator',
        description: 'Their token and console sessions stop working at once. The audit log keeps their name.',
        params: pathParams({ id: 'The operator id (GET /admin/operators).' }),
        response: {
          200: response('Revoked.', 'RevokeOperatorResponse'),
          ...adminErrors({ 404: 'No such operator.' }),
        },
      },
    },
    async (request) => {
      const { id } = parseInput(OperatorIdParam, request.params, 'operator id');
      const existing = await getOperator(deps.db, id);
      if (!existing) {
        throw new ApiError(404, 'operator_not_found', `There is no operator ${id}. GET /admin/operators lists them.`);
      }
      const op = await audited(
        deps,
        request,
        { action: 'operator.revoke', target: { id, name: existing.name, role: existing.role } },
        async () => (await revokeOperator(deps.db, id, now())) ?? existing,
      );
      const out: RevokeOperatorResponse = { operator: operatorView(op) };
      return out;
    },
  );

  app.get(
    '/admin/audit',
    {
      schema: {
        ...common,
        summary: 'The audit log: who did what, when, to which tenant, how many, and why',
        querystring: {
          type: 'object',
          properties: {
            tenantId: { type: 'string' },
            actor: { type: 'string', description: 'Operator name (admin-token for the shared token).' },
            action: { type: 'string' },
            limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
            cursor: { type: 'string' },
          },
        },
        response: {
          200: response('Newest first.', 'AuditListResponse'),
          ...adminErrors({ 400: 'Bad filter or cursor.' }),
        },
      },
    },
    async (request) => {
      const q = parseInput(AuditQuery, request.query, 'query');
      const page = await listAudit(deps.db, {
        ...(q.tenantId ? { tenantId: q.tenantId } : {}),
        ...(q.actor ? { actorName: q.actor } : {}),
        ...(q.action ? { action: q.action } : {}),
        ...(q.cursor ? { beforeId: decodeBefore(q.cursor) } : {}),
        limit: q.limit,
      });
      const out: AuditListResponse = {
        entries: page.entries.map(auditEntryView),
        ...(page.nextBeforeId ? { nextCursor: encodeBefore(page.nextBeforeId) } : {}),
      };
      return out;
    },
  );

  app.get(
    '/admin/records/search',
    {
      schema: {
        ...common,
        tags: ['support'],
        summary: 'Find sync records by billing id, document number, customer, QBO id or event id',
        description:
          'Every word must match one of a record’s search terms (case-insensitive, whole words): its billing id, ' +
          'document number (e.g. INV-7004), QBO id, last event id, the customer’s e-mail, display or company ' +
          'name, or a word of the customer’s names. Across every tenant, or one (tenantId).',
        querystring: {
          type: 'object',
          properties: {
            q: { type: 'string' },
            tenantId: { type: 'string' },
            limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
          },
          required: ['q'],
        },
        response: {
          200: response('Matching records, most recently changed first.', 'RecordSearchResponse'),
          ...adminErrors({ 400: 'Missing or bad q.' }),
        },
      },
    },
    async (request) => {
      const q = parseInput(RecordSearchQuery, request.query, 'search');
      const rows = await searchRecords(deps.db, {
        q: q.q,
        ...(q.tenantId ? { tenantId: q.tenantId } : {}),
        limit: q.limit,
      });
      const out: RecordSearchResponse = { records: rows.map(recordView) };
      return out;
    },
  );

  app.get(
    '/admin/failures',
    {
      schema: {
        ...common,
        tags: ['support'],
        summary: 'Records needing attention grouped by status and reason code',
        description:
          'failed, needs_mapping, conflict and needs_reconnect records grouped by status and reason code, with ' +
          'their count, tenants, entity types and when the oldest and newest of them last changed. All tenants, ' +
          'or one (tenantId).',
        querystring: { type: 'object', properties: { tenantId: { type: 'string' } } },
        response: { 200: response('Biggest group first.', 'FailureGroupsResponse'), ...adminErrors() },
      },
    },
    async (request) => {
      const q = parseInput(FailureGroupQuery, request.query, 'query');
      const groups = await failureGroups(deps.db, q.tenantId);
      const out: FailureGroupsResponse = {
        groups: groups.map((g) => ({
          status: g.status as SyncStatus,
          reasonCode: g.reasonCode,
          reason: g.reason,
          count: g.count,
          tenants: g.tenants,
          entityTypes: g.entityTypes as SyncEntityType[],
          firstSeen: g.firstSeen.toISOString(),
          lastSeen: g.lastSeen.toISOString(),
        })),
      };
      return out;
    },
  );
};
