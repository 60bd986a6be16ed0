import type { FastifyPluginAsync } from 'fastify';
import type { RouteOptions } from '../deps.js';
import { eventRoutes } from './events.js';
import { healthRoutes } from './health.js';
import { syncStatusRoutes } from './sync-status.js';

/**
 * Every area's routes, one encapsulated plugin each, registered in this order by buildApi with `{ deps }`.
 * To add an area: write `src/routes/<area>.ts` exporting a FastifyPluginAsync<RouteOptions> and list it here.
 */
export const ROUTES: ReadonlyArray<FastifyPluginAsync<RouteOptions>> = [healthRoutes, eventRoutes, syncStatusRoutes];
