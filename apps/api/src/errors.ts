import type { ApiErrorCode, ErrorBody, Issue } from '@qbo-sync/contracts';
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

/** One error shape for every route, 404s included. Installed on the root so every plugin inherits it. */
export function installErrorHandling(app: FastifyInstance, bodyLimit: number): void {
  app.setErrorHandler((err: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const known = err instanceof ApiError ? err : fromFastify(err, bodyLimit);
    if (known) {
      if (known.statusCode >= 500) request.log.error({ err }, known.message);
      return reply.status(known.statusCode).send(errorBody(known, request.id));
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
