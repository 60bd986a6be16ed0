// Who an admin request comes from, and whether their role may do it. The checks of auth.ts decide whether
// the request is an admin request at all; this adds the named operators (their own bearer tokens and console
// sessions) and the roles: read_only may only read, support may also replay, map and sync, admin everything.
import type { OperatorIdentity, OperatorRole } from '@qbo-sync/contracts';
import {
  findActiveOperator,
  findOperatorByToken,
  OPERATOR_TOKEN_PREFIX,
  type Operator,
} from '@qbo-sync/db/repositories/operators';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { adminContext, checkAdmin, refuse } from './auth.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the admin guard: the operator making the request. */
    operator: OperatorIdentity | null;
  }
  interface FastifyContextConfig {
    /** The least role a route needs; default read_only for GET/HEAD and admin for anything else. */
    role?: OperatorRole;
  }
}

/** The shared ADMIN_TOKEN and this machine without ADMIN_TOKEN act as admin, with no operator id. */
export const ADMIN_TOKEN_OPERATOR: OperatorIdentity = { id: null, name: 'admin-token', role: 'admin' };
export const LOCAL_OPERATOR: OperatorIdentity = { id: null, name: 'local', role: 'admin' };

const RANK: Record<OperatorRole, number> = { read_only: 0, support: 1, admin: 2 };

export function identityOf(op: Operator): OperatorIdentity {
  return { id: op.id, name: op.name, role: op.role as OperatorRole };
}

function bearerOf(request: FastifyRequest): string | undefined {
  const auth = request.headers.authorization;
  return auth ? /^Bearer\s+(\S+)\s*$/i.exec(auth)?.[1] : undefined;
}

/** A bearer that is (shaped like) an operator token, looked up; undefined when none was sent. */
async function operatorBearer(deps: ApiDeps, request: FastifyRequest): Promise<Operator | 'unknown' | undefined> {
  const bearer = bearerOf(request);
  if (!bearer?.startsWith(OPERATOR_TOKEN_PREFIX)) return undefined;
  return (await findOperatorByToken(deps.db, bearer, new Date((deps.now ?? Date.now)()))) ?? 'unknown';
}

const revoked = () =>
  new ApiError(
    401,
    'admin_auth_required',
    'Your operator access was revoked (or your session is no longer valid): sign in again at /console with a current token.',
  );

/**
 * Authenticates an admin request (auth.ts's checks, plus operator tokens and sessions) and answers who it
 * is; throws the refusal otherwise.
 */
export async function authenticateAdmin(
  deps: ApiDeps,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<OperatorIdentity> {
  const result = await tryAuthenticate(deps, request);
  if ('refusal' in result) refuse(result.refusal, reply);
  return result.operator;
}

/** As authenticateAdmin, without throwing (the console page answers a sign-in form instead). */
export async function tryAuthenticate(
  deps: ApiDeps,
  request: FastifyRequest,
): Promise<
  | { operator: OperatorIdentity }
  | { refusal: { ok: false; status: number; code: string; message: string; retryAfterSeconds?: number } }
> {
  const token = deps.config.api.adminToken;
  const now = deps.now ?? Date.now;
  const bearerOp = await operatorBearer(deps, request);
  if (bearerOp === 'unknown' && !token) {
    const err = new ApiError(401, 'invalid_admin_token', 'That operator token is unknown or was revoked.');
    return { refusal: { ok: false, status: err.statusCode, code: err.code, message: err.message } };
  }
  const known = bearerOp !== undefined && bearerOp !== 'unknown' ? bearerOp : undefined;
  const check = await checkAdmin(token, request, now(), adminContext(deps), known !== undefined);
  if (!check.ok) return { refusal: check };
  switch (check.via) {
    case 'token':
      return { operator: ADMIN_TOKEN_OPERATOR };
    case 'local':
      return { operator: LOCAL_OPERATOR };
    case 'operator':
      return { operator: identityOf(known as Operator) };
    case 'session': {
      if (check.subject === 'admin') return { operator: ADMIN_TOKEN_OPERATOR };
      const op = await findActiveOperator(deps.db, check.subject, new Date(now()));
      if (!op) {
        const err = revoked();
        return { refusal: { ok: false, status: err.statusCode, code: err.code, message: err.message } };
      }
      return { operator: identityOf(op) };
    }
  }
}

/** The least role the request's route needs. */
export function requiredRole(request: FastifyRequest): OperatorRole {
  const own = request.routeOptions.config?.role;
  if (own) return own;
  return request.method === 'GET' || request.method === 'HEAD' ? 'read_only' : 'admin';
}

/** 403 role_forbidden unless the request's operator has at least the role the route needs. */
export function assertRole(request: FastifyRequest, needed: OperatorRole = requiredRole(request)): void {
  const op = request.operator;
  if (!op) throw new Error('assertRole runs after authentication');
  if (RANK[op.role] >= RANK[needed]) return;
  throw new ApiError(
    403,
    'role_forbidden',
    `Operator "${op.name}" has the ${op.role} role; this needs ${needed}. Ask an admin to do it, or to give you a token with that role (qbo-sync operators create).`,
  );
}

/** The request's operator (set by the admin guard). */
export function operatorOf(request: FastifyRequest): OperatorIdentity {
  if (!request.operator) throw new Error('operatorOf runs after authentication');
  return request.operator;
}
