import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  DRIFT_QBO_ENTITIES,
  formatIssues,
  type IntuitChange,
  IntuitWebhookBody,
  intuitChanges,
  PRIORITY,
} from '@qbo-sync/contracts';
import {
  acceptWebhookEvents,
  forgetWebhookEvents,
  requestCdcSweep,
  tenantsOfRealm,
  type WebhookEventRow,
} from '@qbo-sync/db/repositories/drift';
import { queueEnqueue } from '@qbo-sync/producer';
import type { FastifyPluginAsync } from 'fastify';
import type { RouteOptions } from '../deps.js';
import { ApiError } from '../errors.js';

export const INTUIT_SIGNATURE_HEADER = 'intuit-signature';
const WATCHED: ReadonlySet<string> = new Set(DRIFT_QBO_ENTITIES);

/** intuit-signature = base64(HMAC-SHA256(verifier token, raw body)); compared in constant time. */
export function intuitSignatureValid(verifierToken: string, rawBody: Buffer, header: string | undefined): boolean {
  if (!header) return false;
  const expected = createHmac('sha256', verifierToken).update(rawBody).digest();
  const given = Buffer.from(header, 'base64');
  // Lengths differ only for a malformed header; timingSafeEqual needs equal lengths.
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * POST /v1/qbo/webhooks — Intuit's change notifications (both payload formats). Verified before anything is
 * read (401, nothing stored when refused), then each change of a company we serve is stored once (a redelivery
 * or replay acts once) and queued as a qbo.change job; answered at once, the work happens in the worker.
 */
export const qboWebhookRoutes: FastifyPluginAsync<RouteOptions> = async (app, { deps }) => {
  const token = deps.config.qbo.webhookVerifierToken;
  const log = deps.logger.child({ component: 'api.qbo-webhooks' });
  const enqueue = queueEnqueue(deps.producer.queues);
  // The signature covers the exact bytes: the body stays raw until verified (any content type Intuit uses).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: deps.config.api.bodyLimitBytes }, (_r, body, done) =>
    done(null, body),
  );

  app.post(
    '/v1/qbo/webhooks',
    {
      schema: {
        tags: ['qbo'],
        summary: 'Intuit webhook notifications (QuickBooks changes)',
        description:
          'Signed by Intuit with intuit-signature (HMAC-SHA256 of the body under the app verifier token). CloudEvents ' +
          'and the legacy eventNotifications format are both accepted. Register <API_PUBLIC_URL>/v1/qbo/webhooks in ' +
          'the Intuit app and set QBO_WEBHOOK_VERIFIER_TOKEN.',
      },
    },
    async (request, reply) => {
      if (!token) {
        throw new ApiError(
          503,
          'webhooks_not_configured',
          'QuickBooks webhooks are not configured here: set QBO_WEBHOOK_VERIFIER_TOKEN to the Intuit app verifier token and restart.',
        );
      }
      const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const header = request.headers[INTUIT_SIGNATURE_HEADER];
      if (!intuitSignatureValid(token, raw, typeof header === 'string' ? header : undefined)) {
        deps.metrics?.countWebhookChanges('refused_signature', 1);
        throw new ApiError(
          401,
          'invalid_webhook_signature',
          'intuit-signature is missing or does not match the body: nothing was stored. Check QBO_WEBHOOK_VERIFIER_TOKEN.',
        );
      }
      let json: unknown;
      try {
        json = JSON.parse(raw.toString('utf8'));
      } catch {
        throw new ApiError(400, 'invalid_json', 'The webhook body is not JSON; nothing was stored.');
      }
      const body = IntuitWebhookBody.safeParse(json);
      if (!body.success) {
        deps.metrics?.countWebhookChanges('invalid', 1);
        throw new ApiError(
          400,
          'invalid_webhook',
          'The body is neither a CloudEvents array nor an eventNotifications object; nothing was stored.',
          formatIssues(body.error),
        );
      }
      const changes = intuitChanges(body.data, [...DRIFT_QBO_ENTITIES, 'Customer', 'Purchase']);
      const rows = await rowsFor(changes);
      const fresh = await acceptWebhookEvents(deps.db, rows);
      deps.metrics?.countWebhookChanges('duplicate', rows.length - fresh.length);
      try {
        for (const r of fresh) {
          await enqueue(
            'qbo.change',
            {
              tenantId: r.tenantId,
              entity: r.entity as (typeof DRIFT_QBO_ENTITIES)[number],
              qboId: r.qboId,
              operation: r.operation,
            },
            {
              jobId: ['qbo.change', r.tenantId, r.eventKey].map(encodeURIComponent).join('|'),
              priority: PRIORITY.live,
            },
          );
        }
      } catch (err) {
        // Not queued: forget them so Intuit's retry (a 5xx is retried) queues them again, and ask for a CDC
        // sweep of those companies in case the retries run out too (a gap in what webhooks told us).
        await forgetWebhookEvents(deps.db, fresh);
        const at = new Date((deps.now ?? Date.now)());
        for (const tenantId of new Set(fresh.map((r) => r.tenantId))) await requestCdcSweep(deps.db, tenantId, at);
        throw err;
      }
      deps.metrics?.countWebhookChanges('accepted', fresh.length);
      log.debug({ changes: changes.length, accepted: fresh.length }, 'QuickBooks webhook');
      return reply.code(200).send({ received: changes.length, accepted: fresh.length });
    },
  );

  /** One row per (tenant of the realm, watched change); unknown realms and other entities are counted, not kept. */
  async function rowsFor(changes: IntuitChange[]): Promise<WebhookEventRow[]> {
    const tenantsByRealm = new Map<string, string[]>();
    for (const c of changes) {
      if (!tenantsByRealm.has(c.realmId)) tenantsByRealm.set(c.realmId, await tenantsOfRealm(deps.db, c.realmId));
    }
    const rows: WebhookEventRow[] = [];
    for (const c of changes) {
      const tenants = tenantsByRealm.get(c.realmId) ?? [];
      if (tenants.length === 0) {
        deps.metrics?.countWebhookChanges('unknown_realm', 1);
        continue;
      }
      if (!WATCHED.has(c.entity)) {
        deps.metrics?.countWebhookChanges('not_watched', 1);
        continue;
      }
      for (const tenantId of tenants) {
        rows.push({
          tenantId,
          eventKey: c.key,
          realmId: c.realmId,
          entity: c.entity,
          qboId: c.id,
          operation: c.operation,
        });
      }
    }
    return rows;
  }
};
