import { BatchEnvelope, type BatchResponse, type EventResult, formatIssues } from '@qbo-sync/contracts';
import type { PublishResult } from '@qbo-sync/producer';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { requireApiKey, tenantOf, verifyRequestSignature } from '../auth.js';
import type { RouteOptions } from '../deps.js';
import { ApiError } from '../errors.js';
import { createIngestShare, takeIngestShare } from '../ingest-share.js';
import { docsOnlySchemas, errorResponses, response, signedHeaders } from './schema-docs.js';

function toEventResult(result: PublishResult): EventResult {
  if (result.status === 'rejected') {
    return { id: result.id, status: 'rejected', code: result.code, errors: result.errors };
  }
  return { id: result.id, status: result.status, jobId: result.jobId };
}

/** The event's tenantId when it names one; validation reports the other cases. */
function claimedTenant(event: unknown): string | undefined {
  if (event && typeof event === 'object' && 'tenantId' in event && typeof event.tenantId === 'string') {
    return event.tenantId;
  }
  return undefined;
}

/** A key of tenant A never writes tenant B: any event naming another tenant fails the whole request. */
function assertOwnTenant(events: readonly unknown[], tenantId: string): void {
  const issues = events.flatMap((event, index) => {
    const claimed = claimedTenant(event);
    if (claimed === undefined || claimed === tenantId) return [];
    const path = events.length === 1 ? 'tenantId' : `events.${index}.tenantId`;
    return [{ path, message: `is "${claimed}", but this API key belongs to "${tenantId}"` }];
  });
  if (issues.length > 0) {
    throw new ApiError(
      403,
      'tenant_mismatch',
      `This API key may only send events of tenant "${tenantId}". Nothing was stored.`,
      issues,
    );
  }
}

// Fatal: invalid bytes are refused, not turned into U+FFFD (which reached QBO as a customer named "���").
const UTF8 = new TextDecoder('utf-8', { fatal: true });

function parseJson(raw: Buffer): unknown {
  let text: string;
  try {
    text = UTF8.decode(raw);
  } catch {
    throw new ApiError(
      400,
      'invalid_json',
      'The body is not valid UTF-8 (JSON must be sent as UTF-8 bytes): encode every string as UTF-8. Nothing was stored.',
    );
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    const detail = raw.length === 0 ? 'the body is empty' : (err as Error).message;
    throw new ApiError(400, 'invalid_json', `The body is not valid JSON (${detail}). Nothing was stored.`);
  }
}

const REJECTION_STATUS: Record<string, number> = { tenant_mismatch: 403, unknown_tenant: 403 };

/** POST /v1/events and POST /v1/events:batch — signed, per-tenant ingest. */
export const eventRoutes: FastifyPluginAsync<RouteOptions> = async (app, { deps }) => {
  const { maxBatch, bodyLimitBytes, tenantShare } = deps.config.api;
  // Each tenant's share of ingest (INGEST_TENANT_EVENTS_PER_SECOND): beyond it, 429 with Retry-After.
  const share = tenantShare ? createIngestShare(deps.redis, deps.config.queuePrefix, tenantShare) : undefined;
  docsOnlySchemas(app);
  // The signature covers the exact bytes, so this scope keeps the body raw and parses it after verifying.
  // Only JSON is accepted here; other content types get 415.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: bodyLimitBytes }, (_req, body, done) =>
    done(null, body),
  );
  app.addHook('onRequest', requireApiKey(deps));
  app.addHook('preHandler', async (request: FastifyRequest) => {
    const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    await verifyRequestSignature(deps, request, raw);
    request.body = parseJson(raw);
  });

  const security = [{ apiKey: [] }];
  const commonErrors = {
    401: 'Missing or wrong API key or signature, or a timestamp outside the replay window.',
    403: 'An event names another tenant than the API key.',
    413: 'Body larger than the limit (or, for a batch, too many events).',
    429: 'The tenant is sending faster than its share of ingest; nothing was stored. Send again after Retry-After seconds.',
    415: 'Content-Type is not application/json.',
  };

  app.post(
    '/v1/events',
    {
      bodyLimit: bodyLimitBytes,
      schema: {
        tags: ['ingest'],
        summary: 'Send one event',
        description:
          'Validates, stores and queues one event. Repeating an event id is safe: the answer is `duplicate` and ' +
          'nothing is queued twice. Invalid events get 400 with field-level `issues` and nothing is stored.',
        security,
        headers: signedHeaders,
        body: { $ref: '#/components/schemas/DomainEvent' },
        response: {
          202: response('Accepted: stored and queued.', 'EventResult'),
          200: response('Duplicate: this event id was already received; nothing new queued.', 'EventResult'),
          ...errorResponses({ 400: 'Invalid JSON or event (see issues).', ...commonErrors }),
        },
      },
    },
    async (request, reply) => {
      const tenant = tenantOf(request);
      assertOwnTenant([request.body], tenant.id);
      await takeIngestShare(share, reply, tenant.id, 1, tenantShare);
      const result = await deps.producer.publish(request.body, { tenantId: tenant.id });
      if (result.status === 'rejected') {
        const problems = result.errors.length === 1 ? '1 problem' : `${result.errors.length} problems`;
        throw new ApiError(
          REJECTION_STATUS[result.code] ?? 400,
          result.code,
          result.code === 'invalid_event'
            ? `The event was not accepted (${problems}; see issues). Fix them and send it again; nothing was stored.`
            : `${result.errors[0]?.message ?? 'The event was not accepted'}. Nothing was stored.`,
          result.errors,
        );
      }
      return reply.status(result.status === 'accepted' ? 202 : 200).send(toEventResult(result));
    },
  );

  app.post(
    '/v1/events::batch',
    {
      bodyLimit: bodyLimitBytes,
      schema: {
        tags: ['ingest'],
        summary: `Send up to ${maxBatch} events`,
        description:
          'Each event is validated and stored on its own; the 200 response lists one result per event, in order ' +
          '(`accepted`, `duplicate`, or `rejected` with its errors). The whole request fails only when the envelope ' +
          'is wrong, too large, unauthenticated, or names another tenant.',
        security,
        headers: signedHeaders,
        body: { $ref: '#/components/schemas/BatchRequest' },
        response: {
          200: response('Per-event results.', 'BatchResponse'),
          ...errorResponses({ 400: 'Invalid JSON or envelope (see issues).', ...commonErrors }),
        },
      },
    },
    async (request, reply) => {
      const tenant = tenantOf(request);
      const envelope = BatchEnvelope.safeParse(request.body);
      if (!envelope.success) {
        throw new ApiError(
          400,
          'invalid_body',
          'A batch is {"events": [ ... ]} with at least one event. Nothing was stored.',
          formatIssues(envelope.error),
        );
      }
      const { events } = envelope.data;
      if (events.length > maxBatch) {
        throw new ApiError(
          413,
          'batch_too_large',
          `A batch holds at most ${maxBatch} events; this one has ${events.length}. Split it; nothing was stored.`,
        );
      }
      assertOwnTenant(events, tenant.id);
      await takeIngestShare(share, reply, tenant.id, events.length, tenantShare);
      const results = (await deps.producer.publishMany(events, { tenantId: tenant.id })).map(toEventResult);
      const count = (status: EventResult['status']) => results.filter((r) => r.status === status).length;
      const body: BatchResponse = {
        results,
        summary: { accepted: count('accepted'), duplicate: count('duplicate'), rejected: count('rejected') },
      };
      return body;
    },
  );
};
