import {
  ManualSyncBody,
  type ManualSyncResponse,
  ReplayBody,
  ReplayOneBody,
  type ReplayOneResponse,
  type ReplayResponse,
  type SyncRecordDetailResponse,
  type SyncRecordListResponse,
  SyncRecordParams,
  SyncRecordQuery,
} from '@qbo-sync/contracts';
import { listAttempts } from '@qbo-sync/db/repositories/attempts';
import { eventsOfEntity } from '@qbo-sync/db/repositories/inbox';
import { getRecord } from '@qbo-sync/db/repositories/sync-records';
import { listRecordsPage, type RecordCursor } from '@qbo-sync/db/repositories/sync-records-admin';
import { NothingToReplayError, replayRecord, replayWhere, requestManualSync } from '@qbo-sync/producer';
import type { FastifyPluginAsync } from 'fastify';
import { audited } from '../admin/audit.js';
import { requireAdmin } from '../admin/auth.js';
import { adminErrors, adminSecurity, body, pathParams, tenantParam } from '../admin/docs.js';
import { parseInput } from '../admin/parse.js';
import { loadTenant, replayDepsOf } from '../admin/tenant.js';
import { attemptView, recordView } from '../admin/views.js';
import type { RouteOptions } from '../deps.js';
import { ApiError } from '../errors.js';
import { docsOnlySchemas, response } from './schema-docs.js';

type TenantRoute = { Params: { tenantId: string } };
type RecordRoute = { Params: { tenantId: string; entityType: string; externalId: string } };

export function encodeCursor(c: RecordCursor): string {
  return Buffer.from(JSON.stringify([c.updatedAt, c.id])).toString('base64url');
}

export function decodeCursor(raw: string): RecordCursor {
  try {
    const [updatedAt, id] = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as unknown[];
    if (typeof updatedAt === 'string' && /^\d{4}-\d\d-\d\dT[\d:.]+Z$/.test(updatedAt) && Number.isSafeInteger(id)) {
      return { updatedAt, id: id as number };
    }
  } catch {
    // fall through to the 400 below
  }
  throw new ApiError(
    400,
    'invalid_cursor',
    'cursor is not one this API gave out; pass nextCursor unchanged, or omit it.',
  );
}

/** A bulk action's filter as the audit log keeps it (dates as ISO text). */
function auditFilter(f: {
  statuses?: string[];
  entityType?: string;
  reasonCode?: string;
  from?: Date;
  to?: Date;
}): Record<string, unknown> {
  return {
    ...(f.statuses ? { status: f.statuses.join(',') } : {}),
    ...(f.entityType ? { entityType: f.entityType } : {}),
    ...(f.reasonCode ? { reasonCode: f.reasonCode } : {}),
    ...(f.from ? { from: f.from.toISOString() } : {}),
    ...(f.to ? { to: f.to.toISOString() } : {}),
  };
}

const RECORD_FILTERS = {
  type: 'object',
  properties: {
    status: { type: 'string', description: 'One sync status, e.g. failed.' },
    entityType: { type: 'string', enum: ['customer', 'invoice', 'payment', 'refund'] },
    from: { type: 'string', description: 'Changed at or after (ISO date or date-time).' },
    to: { type: 'string', description: 'Changed before (ISO date or date-time).' },
    retrying: { type: 'string', enum: ['true', 'false'], description: 'Only records being retried (true) or not.' },
    q: { type: 'string', description: 'Search words (billing id, document number, QBO id, customer name or e-mail).' },
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
    cursor: { type: 'string' },
  },
};

/** Support: find a tenant's syncs, read why and what was tried, replay one or many, run the manual sync window. */
export const adminRecordRoutes: FastifyPluginAsync<RouteOptions> = async (app, { deps }) => {
  docsOnlySchemas(app);
  app.addHook('onRequest', requireAdmin(deps));
  const common = { tags: ['support'], security: adminSecurity };
  const recordParams = pathParams({
    ...tenantParam,
    entityType: 'customer, invoice, payment or refund.',
    externalId: 'The id in the billing system.',
  });

  async function loadRecord(params: RecordRoute['Params']) {
    const tenant = await loadTenant(deps, params.tenantId);
    const { entityType, externalId } = parseInput(SyncRecordParams, params, 'record path');
    const key = { tenantId: tenant.id, entityType, externalId };
    return { key, record: await getRecord(deps.db, key) };
  }

  const notFound = (p: { tenantId: string; entityType: string; externalId: string }) =>
    new ApiError(
      404,
      'record_not_found',
      `Tenant "${p.tenantId}" has no ${p.entityType} "${p.externalId}" sync record (not received yet, or another id).`,
    );

  app.get<TenantRoute>(
    '/admin/tenants/:tenantId/sync-records',
    {
      schema: {
        ...common,
        summary: "A tenant's sync records, most recently changed first",
        params: pathParams(tenantParam),
        querystring: RECORD_FILTERS,
        response: {
          200: response('One page of records.', 'SyncRecordListResponse'),
          ...adminErrors({ 400: 'Bad filter or cursor (see issues).', 404: 'No such tenant.' }),
        },
      },
    },
    async (request) => {
      const tenant = await loadTenant(deps, request.params.tenantId);
      const q = parseInput(SyncRecordQuery, request.query, 'query');
      const page = await listRecordsPage(deps.db, {
        tenantId: tenant.id,
        ...(q.status ? { statuses: [q.status] } : {}),
        ...(q.entityType ? { entityType: q.entityType } : {}),
        ...(q.from ? { from: q.from } : {}),
        ...(q.to ? { to: q.to } : {}),
        ...(q.retrying !== undefined ? { retrying: q.retrying } : {}),
        ...(q.q ? { q: q.q } : {}),
        limit: q.limit,
        ...(q.cursor ? { after: decodeCursor(q.cursor) } : {}),
      });
      const out: SyncRecordListResponse = {
        records: page.records.map(recordView),
        ...(page.next ? { nextCursor: encodeCursor(page.next) } : {}),
      };
      return out;
    },
  );

  app.get<RecordRoute>(
    '/admin/tenants/:tenantId/sync-records/:entityType/:externalId',
    {
      schema: {
        ...common,
        summary: 'One sync record and its attempt history',
        params: recordParams,
        response: {
          200: response('The record and its attempts, newest first.', 'SyncRecordDetailResponse'),
          ...adminErrors({ 400: 'Bad entity type or id.', 404: 'No such tenant or record.' }),
        },
      },
    },
    async (request) => {
      const { key, record } = await loadRecord(request.params);
      if (!record) throw notFound(key);
      const out: SyncRecordDetailResponse = {
        record: recordView(record),
        attempts: (await listAttempts(deps.db, record.id, 100)).map(attemptView),
        events: (
          await eventsOfEntity(deps.db, {
            tenantId: key.tenantId,
            entityType: key.entityType,
            entityId: key.externalId,
          })
        ).map((e) => ({
          eventId: e.eventId,
          type: e.type,
          occurredAt: e.occurredAt.toISOString(),
          receivedAt: e.receivedAt.toISOString(),
          processedAt: e.processedAt ? e.processedAt.toISOString() : null,
        })),
      };
      return out;
    },
  );

  app.post<RecordRoute>(
    '/admin/tenants/:tenantId/sync-records/:entityType/:externalId/replay',
    {
      config: { role: 'support' },
      schema: {
        ...common,
        summary: 'Replay one sync',
        description:
          'Queues the record again at replay priority, whatever its status, with the latest billing data stored ' +
          'for it. Fix the cause first (a mapping, a reconnect); the attempt history shows the outcome. An entity ' +
          'whose events arrived but that has no record yet (its job never ran) gets its newest event queued.',
        params: recordParams,
        body: body('ReplayOneRequest'),
        response: {
          200: response('Queued.', 'ReplayOneResponse'),
          ...adminErrors({
            400: 'Bad entity type or id.',
            404: 'No such tenant, and no record or event of the entity.',
          }),
        },
      },
    },
    async (request) => {
      const { key } = await loadRecord(request.params);
      const { note } = parseInput(ReplayOneBody, request.body, 'replay request');
      const target = { entityType: key.entityType, externalId: key.externalId };
      return audited(
        deps,
        request,
        { action: 'record.replay', tenantId: key.tenantId, target, note },
        async () => {
          try {
            const replayed = await replayRecord(replayDepsOf(deps), key);
            if (!replayed) throw notFound(key);
            const out: ReplayOneResponse = { replayed: 1, jobId: replayed.jobId };
            return out;
          } catch (err) {
            if (err instanceof NothingToReplayError) throw new ApiError(409, 'nothing_to_replay', err.message);
            throw err;
          }
        },
        () => 1,
      );
    },
  );

  app.post<TenantRoute>(
    '/admin/tenants/:tenantId/replay',
    {
      config: { role: 'support' },
      schema: {
        ...common,
        summary: 'Replay many syncs (default: every failure)',
        description:
          'Queues every record of the tenant in the status (default failed) that last changed within [from, to), ' +
          'optionally of one entity type. Other tenants are never touched.',
        params: pathParams(tenantParam),
        body: body('ReplayRequest'),
        response: {
          200: response('How many were queued.', 'ReplayResponse'),
          ...adminErrors({ 400: 'Bad body (see issues).', 404: 'No such tenant.' }),
        },
      },
    },
    async (request) => {
      const tenant = await loadTenant(deps, request.params.tenantId);
      const input = parseInput(ReplayBody, request.body, 'replay request');
      const filter = {
        statuses: [input.status],
        ...(input.entityType ? { entityType: input.entityType } : {}),
        ...(input.reasonCode ? { reasonCode: input.reasonCode } : {}),
        ...(input.from ? { from: input.from } : {}),
        ...(input.to ? { to: input.to } : {}),
      };
      const replayed = await audited(
        deps,
        request,
        { action: 'records.replay', tenantId: tenant.id, target: auditFilter(filter), note: input.note },
        () => replayWhere(replayDepsOf(deps), tenant.id, filter),
        (n) => n,
      );
      const out: ReplayResponse = { replayed };
      return out;
    },
  );

  app.post<TenantRoute>(
    '/admin/tenants/:tenantId/sync',
    {
      config: { role: 'support' },
      schema: {
        ...common,
        summary: 'Manual sync window (tenants with auto-sync off)',
        description:
          'Syncs every needs_sync record of the tenant that last changed within [from, to), optionally of one ' +
          'entity type — the "select all and sync" of the reference products.',
        params: pathParams(tenantParam),
        body: body('ManualSyncRequest'),
        response: {
          200: response('How many were queued.', 'ManualSyncResponse'),
          ...adminErrors({ 400: 'Bad body (see issues).', 404: 'No such tenant.' }),
        },
      },
    },
    async (request) => {
      const tenant = await loadTenant(deps, request.params.tenantId);
      const input = parseInput(ManualSyncBody, request.body, 'sync request');
      const filter = {
        ...(input.entityType ? { entityType: input.entityType } : {}),
        ...(input.from ? { from: input.from } : {}),
        ...(input.to ? { to: input.to } : {}),
      };
      const queued = await audited(
        deps,
        request,
        { action: 'records.manual_sync', tenantId: tenant.id, target: auditFilter(filter), note: input.note },
        () => requestManualSync(replayDepsOf(deps), tenant.id, filter),
        (n) => n,
      );
      const out: ManualSyncResponse = { queued };
      return out;
    },
  );
};
