import { type CdcSweepResponse, type DriftActionResponse, ReplayOneBody, SyncRecordParams } from '@qbo-sync/contracts';
import { appendAttempt } from '@qbo-sync/db/repositories/attempts';
import { getRecord, type SyncRecordRow, setStatus } from '@qbo-sync/db/repositories/sync-records';
import { arrangeCallbackRun, queueEnqueue, replayRecord } from '@qbo-sync/producer';
import type { FastifyPluginAsync } from 'fastify';
import { audited } from '../admin/audit.js';
import { requireAdmin } from '../admin/auth.js';
import { adminErrors, adminSecurity, body, pathParams, tenantParam } from '../admin/docs.js';
import { parseInput } from '../admin/parse.js';
import { loadTenant, replayDepsOf } from '../admin/tenant.js';
import type { RouteOptions } from '../deps.js';
import { ApiError } from '../errors.js';
import { docsOnlySchemas, response } from './schema-docs.js';

type RecordRoute = { Params: { tenantId: string; entityType: string; externalId: string } };
type TenantRoute = { Params: { tenantId: string } };

/** The drift a record carries (written by the worker's drift check, `details.drift`). */
interface RecordedDrift {
  kind: 'deleted' | 'voided' | 'edited' | 'unapplied';
  qboSyncToken: string | null;
  seen: Record<string, unknown> | null;
}

function driftOf(record: SyncRecordRow): { drift: RecordedDrift; rest: Record<string, unknown> } {
  const { drift, ...rest } = (record.details ?? {}) as { drift?: RecordedDrift } & Record<string, unknown>;
  if (record.status !== 'drift' || !drift) {
    throw new ApiError(
      409,
      'no_drift',
      `${record.entityType} "${record.externalId}" is ${record.status}, not drift: there is nothing in QuickBooks to accept or overwrite.`,
    );
  }
  return { drift, rest };
}

/**
 * Support's answers to drift (docs/operations.md, "Drift"): accept QuickBooks' version (stop flagging: what QBO
 * holds now becomes what we compare with), push ours again (replay: a deleted object is re-created, an edited
 * one overwritten with its current SyncToken), and a CDC sweep of the company now.
 */
export const adminDriftRoutes: FastifyPluginAsync<RouteOptions> = async (app, { deps }) => {
  docsOnlySchemas(app);
  app.addHook('onRequest', requireAdmin(deps));
  const common = { tags: ['support'], security: adminSecurity };
  const recordParams = pathParams({
    ...tenantParam,
    entityType: 'invoice or payment.',
    externalId: 'The id in the billing system.',
  });

  async function loadDrifted(params: RecordRoute['Params']) {
    const tenant = await loadTenant(deps, params.tenantId);
    const { entityType, externalId } = parseInput(SyncRecordParams, params, 'record path');
    const key = { tenantId: tenant.id, entityType, externalId };
    const record = await getRecord(deps.db, key);
    if (!record) {
      throw new ApiError(
        404,
        'record_not_found',
        `Tenant "${tenant.id}" has no ${entityType} "${externalId}" sync record.`,
      );
    }
    return { tenant, key, record, ...driftOf(record) };
  }

  app.post<RecordRoute>(
    '/admin/tenants/:tenantId/sync-records/:entityType/:externalId/drift/accept',
    {
      config: { role: 'support' },
      schema: {
        ...common,
        summary: "Accept QuickBooks' version of a drifted record",
        description:
          'The change made in QuickBooks was meant: the record stops being flagged and what QuickBooks holds now is ' +
          'what later changes are compared with. An accepted deletion leaves the record skipped (nothing re-created).',
        params: recordParams,
        body: body('ReplayOneRequest'),
        response: {
          200: response('Accepted.', 'DriftActionResponse'),
          ...adminErrors({ 400: 'Bad entity type or id.', 404: 'No such tenant or record.', 409: 'Not in drift.' }),
        },
      },
    },
    async (request) => {
      const { note } = parseInput(ReplayOneBody, request.body, 'drift request');
      const { tenant, key, record, drift, rest } = await loadDrifted(request.params);
      const target = { entityType: key.entityType, externalId: key.externalId, kind: drift.kind };
      return audited(deps, request, { action: 'record.drift_accept', tenantId: tenant.id, target, note }, async () =>
        acceptQboVersion(tenant, record, drift, rest),
      );
    },
  );

  async function acceptQboVersion(
    tenant: { id: string; settings: unknown },
    record: SyncRecordRow,
    drift: RecordedDrift,
    rest: Record<string, unknown>,
  ): Promise<DriftActionResponse> {
    const at = new Date((deps.now ?? Date.now)());
    const accepted = { kind: drift.kind, at: at.toISOString() };
    const { record: next, changed } = await setStatus(
      deps.db,
      record.id,
      drift.kind === 'deleted'
        ? {
            status: 'skipped',
            reasonCode: 'DRIFT_ACCEPTED_DELETED',
            reason: `Deleted in QuickBooks; support accepted that on ${at.toISOString()}. Replay the record to post it again.`,
            details: { ...rest, accepted },
          }
        : {
            status: 'synced',
            reasonCode: null,
            reason: null,
            // QuickBooks' version is ours now: its SyncToken and what it holds.
            syncToken: drift.qboSyncToken,
            details: { ...rest, ...(drift.seen ? { qbo: drift.seen } : {}), accepted },
          },
    );
    await appendAttempt(deps.db, {
      syncRecordId: record.id,
      tenantId: tenant.id,
      eventId: null,
      jobId: null,
      attempt: 0,
      startedAt: at,
      outcome: 'drift_accepted',
      status: next.status,
      faultCode: null,
      message: `Support accepted QuickBooks' version (${drift.kind}).`,
    });
    if (changed && (tenant.settings as { callbackUrl?: string }).callbackUrl) {
      await arrangeCallbackRun(queueEnqueue(deps.producer.queues), tenant.id, {
        syncRecordId: next.id,
        statusVersion: next.statusVersion,
      });
    }
    const out: DriftActionResponse = { action: 'accepted', status: next.status as DriftActionResponse['status'] };
    return out;
  }

  app.post<RecordRoute>(
    '/admin/tenants/:tenantId/sync-records/:entityType/:externalId/drift/push',
    {
      config: { role: 'support' },
      schema: {
        ...common,
        summary: 'Push our version again over a drifted record',
        description:
          'Queues the record at replay priority: a deleted QuickBooks object is re-created (new QuickBooks id), an ' +
          'edited one is overwritten with the billing data (with its current SyncToken), an unapplied payment is ' +
          're-applied. A voided object cannot be changed in QuickBooks: accept it, or void it in billing.',
        params: recordParams,
        body: body('ReplayOneRequest'),
        response: {
          200: response('Queued.', 'DriftActionResponse'),
          ...adminErrors({
            400: 'Bad entity type or id.',
            404: 'No such tenant or record.',
            409: 'Not in drift, or voided in QuickBooks.',
          }),
        },
      },
    },
    async (request) => {
      const { note } = parseInput(ReplayOneBody, request.body, 'drift request');
      const { key, drift } = await loadDrifted(request.params);
      const target = { entityType: key.entityType, externalId: key.externalId, kind: drift.kind };
      if (drift.kind === 'voided') {
        throw new ApiError(
          409,
          'cannot_push_voided',
          'QuickBooks does not let a voided transaction change. Accept the void, or void it in the billing system too.',
        );
      }
      return audited(deps, request, { action: 'record.drift_push', tenantId: key.tenantId, target, note }, async () => {
        const replayed = await replayRecord(replayDepsOf(deps), key);
        if (!replayed) throw new ApiError(404, 'record_not_found', 'The record vanished; nothing was queued.');
        const out: DriftActionResponse = { action: 'pushed', status: 'drift', jobId: replayed.jobId };
        return out;
      });
    },
  );

  app.post<TenantRoute>(
    '/admin/tenants/:tenantId/cdc-sweep',
    {
      config: { role: 'support' },
      schema: {
        ...common,
        summary: "Run the company's change-data-capture sweep now",
        description:
          "Reads what changed in the tenant's QuickBooks company since the last sweep (one request of its budget per " +
          '1,000 changes) and flags or heals drift, as the daily sweep does: after webhooks were lost, say.',
        params: pathParams(tenantParam),
        response: { 200: response('Queued.', 'CdcSweepResponse'), ...adminErrors({ 404: 'No such tenant.' }) },
      },
    },
    async (request) => {
      const tenant = await loadTenant(deps, request.params.tenantId);
      const jobId = `qbo.cdc-sweep|${encodeURIComponent(tenant.id)}|requested-${(deps.now ?? Date.now)()}`;
      return audited(
        deps,
        request,
        { action: 'tenant.cdc_sweep', tenantId: tenant.id, target: { jobId } },
        async () => {
          await queueEnqueue(deps.producer.queues)(
            'qbo.cdc-sweep',
            { tenantId: tenant.id, reason: 'requested' },
            { jobId, priority: 1 },
          );
          const out: CdcSweepResponse = { queued: true, jobId };
          return out;
        },
      );
    },
  );
};
