// OpenAPI pieces shared by the admin routes (the schemas are documentation; zod validates in handlers).
import { componentRef } from '@qbo-sync/contracts';
import { errorResponses } from '../routes/schema-docs.js';

export const adminSecurity = [{ adminToken: [] }];

/** 401/403 of the admin guard plus the route's own errors. */
export function adminErrors(codes: Record<number, string> = {}) {
  return errorResponses({
    401: 'Missing or wrong admin token.',
    403: 'ADMIN_TOKEN unset and the request did not come from this machine.',
    ...codes,
  });
}

export function body(component: string) {
  return componentRef(component);
}

/** Path parameters, all strings, each with a description. */
export function pathParams(params: Record<string, string>) {
  return {
    type: 'object',
    properties: Object.fromEntries(
      Object.entries(params).map(([name, description]) => [name, { type: 'string', description }]),
    ),
    required: Object.keys(params),
  };
}

export const tenantParam = { tenantId: 'The tenant id.' };
