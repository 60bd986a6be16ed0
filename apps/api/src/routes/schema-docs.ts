import { componentRef } from '@qbo-sync/contracts';
import type { FastifyInstance } from 'fastify';

// Route schemas here are documentation: zod (contracts) validates in the handlers, so fastify's own
// ajv validation and fast-json-stringify are switched off in the plugins that use these helpers.

export function docsOnlySchemas(app: FastifyInstance): void {
  app.setValidatorCompiler(() => () => true);
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
}

/** A response entry for @fastify/swagger: a description plus a component. */
export function response(description: string, component: string) {
  return { description, ...componentRef(component) };
}

export function errorResponses(codes: Record<number, string>) {
  return Object.fromEntries(Object.entries(codes).map(([status, text]) => [status, response(text, 'ErrorBody')]));
}

export const signedHeaders = {
  type: 'object',
  properties: {
    'x-qbo-sync-timestamp': {
      type: 'string',
      description: 'Unix time in seconds when the request was signed; must be within the replay window.',
    },
    'x-qbo-sync-signature': {
      type: 'string',
      description: 'v1=hex(HMAC-SHA256(signing secret, timestamp + "." + raw body)).',
    },
  },
  required: ['x-qbo-sync-timestamp', 'x-qbo-sync-signature'],
};
