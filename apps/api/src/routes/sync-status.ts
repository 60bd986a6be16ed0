import {
  DriftView,
  EVENT_ENTITY_TYPES,
  EVENT_TYPES,
  ExternalId,
  formatIssues,
  SyncEntityType,
  type SyncStatusResponse,
  SyncSummaryQuery,
} from '@qbo-sync/contracts';
import { latestEventForEntity } from '@qbo-sync/db/repositories/inbox';
import { getSyncStatus } from '@qbo-sync/db/repositories/sync-records-read';
import type { FastifyPluginAsync } from 'fastify';
import { requireApiKey, tenantOf } from '../auth.js';
import type { RouteOptions } from '../deps.js';
import { ApiError } from '../errors.js';
import { syncSummary } from '../status/sync-summary.js';
import { docsOnlySchemas, errorResponses, response } from './schema-docs.js';

const ENTITY_TYPES = SyncEntityType.options;

/** The drift a record's details carry, in the API's shape (null when absent or unreadable). */
function driftViewOf(details: unknown): DriftView | null {
  const parsed = DriftView.safeParse((details as { drift?: unknown } | null)?.drift);
  return parsed.success ? parsed.data : null;
}

/**
 * GET /v1/sync-status — the tenant's "is everything synced?"; GET /v1/sync-status/:entityType/:externalId — one
 * entity. For billing systems that poll instead of taking callbacks.
 */
export const syncStatusRoutes: FastifyPluginAsync<RouteOptions> = async (app, { deps }) => {
  docsOnlySchemas(app);
  app.addHook('onRequest', requireApiKey(deps));

  app.get<{ Querystring: Record<string, unknown> }>(
    '/v1/sync-status',
    {
      schema: {
        tags: ['status'],
        summary: 'Is everything synced? (the whole tenant)',
        description:
          'Counts of sync records by status, in total and per entity type; how many received events have not ' +
          'reached a resting state yet and the oldest of them with its age; and, for records pending, syncing or ' +
          'waiting for longer than `pendingOlderThanSeconds` (default 300), why: not queued yet, queued but not ' +
          "picked up, deferred behind the company's QuickBooks budget or a QuickBooks throttle, retrying after a " +
          'temporary error, or waiting for another entity. `allSynced` is true when nothing is outstanding and ' +
          'every record is synced, skipped or voided. Only the API key is needed.',
        security: [{ apiKey: [] }],
        querystring: {
          type: 'object',
          properties: {
            pendingOlderThanSeconds: { type: 'integer', minimum: 0, maximum: 2_592_000, default: 300 },
          },
        },
        response: {
          200: response('The summary.', 'SyncSummaryResponse'),
          ...errorResponses({ 400: 'Bad query parameter.', 401: 'Missing or wrong API key.' }),
        },
      },
    },
    async (request) => {
      const tenant = tenantOf(request);
      const query = SyncSummaryQuery.safeParse(request.query ?? {});
      if (!query.success) {
        throw new ApiError(
          400,
          'invalid_request',
          'Query parameters are invalid: pendingOlderThanSeconds must be a whole number of seconds (0 to 2592000).',
          formatIssues(query.error),
        );
      }
      return syncSummary(deps, tenant.id, query.data.pendingOlderThanSeconds);
    },
  );

  app.get<{ Params: { entityType: string; externalId: string } }>(
    '/v1/sync-status/:entityType/:externalId',
    {
      schema: {
        tags: ['status'],
        summary: 'Sync status of one billing entity',
        description:
          'Status, QuickBooks id and link, document number, and the reason for any non-green status, looked up ' +
          'by the billing-side id. Only the API key is needed (no signature). `pending` means received but not ' +
          'yet processed.',
        security: [{ apiKey: [] }],
        params: {
          type: 'object',
          properties: {
            entityType: { type: 'string', enum: ENTITY_TYPES },
            externalId: { type: 'string', description: 'The id in the billing system.' },
          },
          required: ['entityType', 'externalId'],
        },
        response: {
          200: response('The current status.', 'SyncStatusResponse'),
          ...errorResponses({
            400: 'Unknown entity type.',
            401: 'Missing or wrong API key.',
            404: 'No event about this entity was received for the tenant.',
          }),
        },
      },
    },
    async (request) => {
      const tenant = tenantOf(request);
      const { externalId } = request.params;
      const entityType = SyncEntityType.safeParse(request.params.entityType);
      if (!entityType.success) {
        throw new ApiError(400, 'invalid_entity_type', `entityType must be one of ${ENTITY_TYPES.join(', ')}.`, [
          { path: 'entityType', message: `"${request.params.entityType}" is not one of ${ENTITY_TYPES.join(', ')}` },
        ]);
      }
      // No event can carry such an id (ids are printable ASCII), and PostgreSQL would refuse a NUL in the query.
      if (!ExternalId.safeParse(externalId).success) {
        throw new ApiError(
          404,
          'not_found',
          `No event about ${entityType.data} with that id was received; ids are 1-128 printable ASCII characters.`,
        );
      }
      const record = await getSyncStatus(deps.db, tenant.id, entityType.data, externalId);
      if (record) {
        const body: SyncStatusResponse = {
          tenantId: tenant.id,
          entityType: entityType.data,
          externalId,
          status: record.status as SyncStatusResponse['status'],
          qboId: record.qboId,
          qboUrl: record.qboUrl,
          docNumber: record.docNumber,
          reasonCode: record.reasonCode,
          reason: record.reason,
          lastEventId: record.lastEventId,
          syncedAt: record.syncedAt?.toISOString() ?? null,
          updatedAt: record.updatedAt.toISOString(),
          drift: record.status === 'drift' ? driftViewOf(record.details) : null,
        };
        return body;
      }
      // Received but no worker has picked it up yet: report pending rather than "unknown".
      const types = EVENT_TYPES.filter((t) => EVENT_ENTITY_TYPES[t] === entityType.data);
      const event = await latestEventForEntity(deps.db, tenant.id, externalId, types);
      if (!event) {
        throw new ApiError(
          404,
          'not_found',
          `No ${entityType.data} with id "${externalId}" is known for tenant "${tenant.id}". Check the id and type, or send its event first.`,
        );
      }
      const body: SyncStatusResponse = {
        tenantId: tenant.id,
        entityType: entityType.data,
        externalId,
        status: 'pending',
        qboId: null,
        qboUrl: null,
        docNumber: null,
        reasonCode: 'awaiting_worker',
        reason: `Event ${event.eventId} (${event.type}) was received and is queued for syncing.`,
        lastEventId: event.eventId,
        syncedAt: null,
        updatedAt: event.receivedAt.toISOString(),
      };
      return body;
    },
  );
};
