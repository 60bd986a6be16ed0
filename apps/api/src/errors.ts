import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { ApiErrorCode, ErrorBody, Issue } from '@qbo-sync/contracts';
import { isConnectionFault } from '@qbo-sync/db/connection-faults';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * An error answered as `{ error: { code, message, issues? } }` with its status. Throw it from any
 * route or hook; the app's error handler renders it. `code` is open so other areas can add theirs.
 */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: ApiErrorCode | (string & {}),
    message: string,
    readonly issues?: Issue[],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function errorBody(err: ApiError, requestId?: string): ErrorBody {
  return {
    error: {
      code: err.code,
      message: err.message,
      ...(err.issues?.length ? { issues: err.issues } : {}),
      ...(requestId ? { requestId } : {}),
    },
  };
}

/** Fastify's own errors (parsing, limits, schema validation of other areas' routes) in our vocabulary. */
function fromFastify(err: FastifyError, bodyLimit: number): ApiError | undefined {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError(
        413,
        'body_too_large',
        `The body is larger than ${bodyLimit} bytes. Send fewer events per request.`,
      );
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError(415, 'unsupported_media_type', 'Send the body as JSON with Content-Type: application/json.');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new ApiError(400, 'invalid_json', `The body is not valid JSON: ${err.message}`);
    default:
      break;
  }
  if (err.validation) {
    return new ApiError(
      400,
      'invalid_request',
      'The request does not match the documented schema; see issues.',
      err.validation.map((v) => ({
        path:
          [err.validationContext, ...v.instancePath.split('/').filter(Boolean)].filter(Boolean).join('.') || '(root)',
        message: v.message ?? 'is invalid',
      })),
    );
  }
  if (err instanceof SyntaxError && err.statusCode === 400) {
    return new ApiError(400, 'invalid_json', `The body is not valid JSON: ${err.message}`);
  }
  return undefined;
}

/** Retry-After of a 503 while a store is unreachable: a PostgreSQL restart or failover takes 15–20 s. */
export const STORE_RETRY_AFTER_SECONDS = 5;

/** One error shape for every route, 404s included. Installed on the root so every plugin inherits it. */
export function installErrorHandling(app: FastifyInstance, bodyLimit: number): void {
  app.setErrorHandler((err: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const known = err instanceof ApiError ? err : fromFastify(err, bodyLimit);
    if (known) {
      if (known.statusCode >= 500) request.log.error({ err }, known.message);
      return reply.status(known.statusCode).send(errorBody(known, request.id));
    }
    if (isConnectionFault(err)) {
      // PostgreSQL or Redis unreachable (restart, failover): nothing was stored, and a retry will work soon.
      request.log.warn({ err }, 'store unavailable');
      const unavailable = new ApiError(
        503,
        'service_unavailable',
        `The service cannot reach its database or queue right now (a restart or failover). Nothing was stored; retry the same request after ${STORE_RETRY_AFTER_SECONDS} s: event ids make retries safe.`,
      );
      return reply
        .status(503)
        .header('retry-after', String(STORE_RETRY_AFTER_SECONDS))
        .send(errorBody(unavailable, request.id));
    }
    request.log.error({ err }, 'unhandled error');
    const internal = new ApiError(
      500,
      'internal_error',
      'Something went wrong on our side. Retry the same request: event ids make retries safe.',
    );
    return reply.status(500).send(errorBody(internal, request.id));
  });
  app.setNotFoundHandler((request, reply) => {
    const notFound = new ApiError(
      404,
      'not_found',
      `There is no ${request.method} ${request.url.split('?')[0]}. The API reference is at /docs.`,
    );
    return reply.status(404).send(errorBody(notFound, request.id));
  });
}

/** Sent on every answer: browsers must not guess a type other than the one we declare. */
export const SECURITY_HEADERS = { 'x-content-type-options': 'nosniff' } as const;

// A client's request id is echoed in a header and in error bodies, and logged: only a plain token is kept.
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** The client's `x-request-id` when it is a plain token, else a fresh UUID. */
export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  const value = Array.isArray(given) ? given[0] : given;
  return value !== undefined && SAFE_REQUEST_ID.test(value) ? value : randomUUID();
}

/**
 * Errors fastify raises before a route is found (its `frameworkErrors` option), in our shape rather than
 * fastify's own: a path parameter over the router's length limit, a malformed percent-encoding.
 */
export function frameworkErrors(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const known =
    err.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? new ApiError(414, 'url_too_long', 'The URL is too long: ids in paths are at most 128 characters.')
      : err.code === 'FST_ERR_BAD_URL'
        ? new ApiError(400, 'invalid_url', 'The URL is not valid: a path segment has a malformed %-encoding.')
        : new ApiError(500, 'internal_error', 'Something went wrong on our side. Retry the same request.');
  void reply
    .headers({ ...SECURITY_HEADERS, 'x-request-id': request.id })
    .status(known.statusCode)
    .send(errorBody(known, request.id));
}

const CLIENT_ERRORS: Record<string, [number, string, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'headers_too_large', 'The request headers are too large; send fewer or shorter headers.'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'request_timeout', 'The request took too long to arrive; send it again.'],
};

/** Malformed HTTP that node refuses before fastify sees it (the server's `clientError`), in our shape. */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, message] = CLIENT_ERRORS[err.code ?? ''] ?? [
    400,
    'invalid_request',
    'The request is not valid HTTP; check the request line and headers.',
  ];
  const body = JSON.stringify(errorBody(new ApiError(status, code, message)));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${code.replace(/_/g, ' ')}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}
