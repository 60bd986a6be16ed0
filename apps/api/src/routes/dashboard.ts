import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { consoleRecordPath, ENTITY_OF_JOB, JOB_NAMES, type JobName } from '@qbo-sync/contracts';
import type { FastifyPluginAsync } from 'fastify';
import { assertRole, tryAuthenticate } from '../admin/identity.js';
import type { RouteOptions } from '../deps.js';
import { ApiError, errorBody } from '../errors.js';

export const DASHBOARD_PATH = '/admin/queues';

const QUEUE_DESCRIPTIONS: Record<JobName, string> = {
  'customer.sync': 'Customers to QuickBooks.',
  'invoice.sync': 'Invoices to QuickBooks.',
  'invoice.void': 'Invoice voids.',
  'payment.sync': 'Payments and deposits.',
  'payment.void': 'Payment voids.',
  'refund.sync': 'Refunds (A/R expenses).',
  'job.close-out': 'A billing job closed out: its invoice and payments.',
  'deposits.apply': 'Deposits applied to their job’s invoice.',
  'callback.deliver': 'Status callbacks to tenants.',
};
const FAILED_NOTE =
  ' Failed also lists syncs that ended failed, needs_mapping or conflict (no retry spent): the reason and a console link are the failed reason.';

/** The console page of a job's record (single-entity syncs), or of its tenant's records (other jobs). */
function consoleLinkOf(name: JobName, data: unknown): { displayText: string; href: string } {
  const d = (data ?? {}) as { tenantId?: unknown; entityId?: unknown };
  if (typeof d.tenantId !== 'string') return { displayText: 'Open the console', href: '/console' };
  const entityType = ENTITY_OF_JOB[name];
  if (entityType && typeof d.entityId === 'string') {
    return {
      displayText: 'Open the record in the console',
      href: consoleRecordPath({ tenantId: d.tenantId, entityType, externalId: d.entityId }),
    };
  }
  return {
    displayText: "Open the tenant's records in the console",
    href: `/console/records?tenant=${encodeURIComponent(d.tenantId)}`,
  };
}

/**
 * GET /admin/queues — bull-board over every queue of the job catalogue under the configured prefix: depth per
 * state, failed jobs with their errors, retry and clean. Behind the admin guard (bearer token or console sign-in).
 */
export const dashboardRoutes: FastifyPluginAsync<RouteOptions> = async (app, { deps }) => {
  // Answered here, not thrown: bull-board installs its own error handler in its scope.
  app.addHook('onRequest', async (request, reply) => {
    const result = await tryAuthenticate(deps, request);
    if ('operator' in result) {
      request.operator = result.operator;
      try {
        // Looking is for every operator; bull-board's retry, clean, promote and remove are for admins.
        assertRole(request, request.method === 'GET' || request.method === 'HEAD' ? 'read_only' : 'admin');
        return;
      } catch (err) {
        const refused = err as ApiError;
        return reply.status(refused.statusCode).send(errorBody(refused, request.id));
      }
    }
    const check = result.refusal;
    if (check.retryAfterSeconds !== undefined) reply.header('retry-after', String(check.retryAfterSeconds));
    // A person opening the dashboard in a browser signs in on the console first.
    if (
      deps.config.api.adminToken &&
      request.method === 'GET' &&
      (request.headers.accept ?? '').includes('text/html')
    ) {
      return reply.redirect('/console', 302);
    }
    return reply
      .status(check.status)
      .send(errorBody(new ApiError(check.status, check.code, check.message), request.id));
  });
  // bull-board's own routes are not part of the documented API.
  app.addHook('onRoute', (route) => {
    route.schema = { ...route.schema, hide: true };
  });
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(DASHBOARD_PATH);
  createBullBoard({
    queues: JOB_NAMES.map(
      (name) =>
        new BullMQAdapter(deps.producer.queues[name], {
          description: `${QUEUE_DESCRIPTIONS[name]}${ENTITY_OF_JOB[name] ? FAILED_NOTE : ''}`,
          // Each sync job links to its record in the console (its timeline: attempts, reason, QuickBooks link).
          externalJobUrl: (job) => consoleLinkOf(name, job.data),
        }),
    ),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'qbo-sync queues' } },
  });
  await app.register(serverAdapter.registerPlugin(), { prefix: DASHBOARD_PATH });
};
