import type { FastifyPluginAsync } from 'fastify';
import type { RouteOptions } from '../deps.js';
import { adminConnectRoutes } from './admin-connect.js';
import { adminDriftRoutes } from './admin-drift.js';
import { adminMappingRoutes } from './admin-mappings.js';
import { adminOperationRoutes } from './admin-operations.js';
import { adminOverviewRoutes } from './admin-overview.js';
import { adminRecordRoutes } from './admin-records.js';
import { adminTenantRoutes } from './admin-tenants.js';
import { connectRoutes } from './connect.js';
import { consoleRoutes } from './console.js';
import { dashboardRoutes } from './dashboard.js';
import { eventRoutes } from './events.js';
import { healthRoutes } from './health.js';
import { metricsRoutes } from './metrics.js';
import { qboWebhookRoutes } from './qbo-webhooks.js';
import { syncStatusRoutes } from './sync-status.js';

/**
 * Every area's routes, one encapsulated plugin each, registered in this order by buildApi with `{ deps }`.
 * To add an area: write `src/routes/<area>.ts` exporting a FastifyPluginAsync<RouteOptions> and list it here.
 */
export const ROUTES: ReadonlyArray<FastifyPluginAsync<RouteOptions>> = [
  healthRoutes,
  eventRoutes,
  syncStatusRoutes,
  adminTenantRoutes,
  adminConnectRoutes,
  adminMappingRoutes,
  adminRecordRoutes,
  adminOperationRoutes,
  adminOverviewRoutes,
  adminDriftRoutes,
  qboWebhookRoutes,
  connectRoutes,
  dashboardRoutes,
  consoleRoutes,
  metricsRoutes,
];
