import { getConnection } from '@qbo-sync/db/repositories/connections';
import { getTenant } from '@qbo-sync/db/repositories/tenants';
import { resumeParked } from '@qbo-sync/producer';
import { CompanyRefusedError, isQboError, RealmMismatchError } from '@qbo-sync/qbo-client';
import { countrySupport } from '@qbo-sync/sync-core';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { esc, page } from '../admin/html.js';
import { consumeConnectState } from '../admin/oauth-state.js';
import { replayDepsOf } from '../admin/tenant.js';
import type { RouteOptions } from '../deps.js';

type CallbackQuery = { code?: string; state?: string; realmId?: string; error?: string };

const START_AGAIN =
  'Start the connection again from the sync console or with <code>qbo-sync connect &lt;tenant&gt;</code>; each link works once, for 10 minutes.';

/** The browser lands here; answer a page a person can read, never JSON. */
function htmlPage(reply: FastifyReply, status: number, title: string, body: string): FastifyReply {
  return reply
    .status(status)
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('referrer-policy', 'no-referrer')
    .header('x-frame-options', 'DENY')
    .send(page(title, body));
}

const one = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

/**
 * GET /v1/connect/callback — Intuit's redirect after the user picked a company (config.qbo.redirectUri). The
 * state must be one we issued for a tenant and not used yet; then the code is exchanged, the grant checked
 * against the company the callback names (its realmId is only a query parameter), stored, and the tenant's
 * syncs parked as needs_reconnect are queued again.
 */
export const connectRoutes: FastifyPluginAsync<RouteOptions> = async (app, { deps }) => {
  app.get<{ Querystring: CallbackQuery }>(
    '/v1/connect/callback',
    { schema: { hide: true } },
    async (request, reply) => {
      const q = request.query;
      const refused = (status: number, why: string) =>
        htmlPage(
          reply,
          status,
          'QuickBooks not connected',
          `<h1 class="bad">QuickBooks was not connected</h1><p>${why}</p><p>${START_AGAIN}</p>`,
        );
      if (!deps.qbo) {
        return refused(
          503,
          'This qbo-sync API has no QuickBooks client configured; ask an operator to check QBO_* settings.',
        );
      }
      const qbo = deps.qbo;
      const state = one(q.state);
      const tenantId = state ? await consumeConnectState(deps.redis, deps.config.queuePrefix, state) : undefined;
      if (!tenantId) {
        return refused(400, 'This connect link has expired, was already used, or was not issued by qbo-sync.');
      }
      if (one(q.error)) {
        return refused(400, `QuickBooks answered <code>${esc(q.error)}</code> (for example, access was denied).`);
      }
      const code = one(q.code);
      const realmId = one(q.realmId);
      if (!code || !realmId) return refused(400, 'QuickBooks sent no authorization code or company id.');
      const tenant = await getTenant(deps.db, tenantId);
      if (!tenant) return refused(400, `The tenant "${esc(tenantId)}" no longer exists.`);
      const existing = await getConnection(deps.db, tenantId);
      if (existing && existing.status !== 'disconnected' && existing.realmId !== realmId) {
        return refused(
          409,
          `Tenant "${esc(tenantId)}" is linked to QuickBooks company ${esc(existing.realmId)}, but company ` +
            `${esc(realmId)} was chosen. Reconnect the same company; to switch companies, disconnect first ` +
            '(mappings name QuickBooks ids, so they must be set up again for the new company).',
        );
      }

      // Only the parameters Intuit sent; intuit-oauth would honour any other (e.g. redirectUri) found here.
      const callbackUrl = `${deps.config.qbo.redirectUri}?${new URLSearchParams({ code, state: state ?? '', realmId })}`;
      try {
        await qbo.oauth.exchangeCode(tenantId, callbackUrl, {
          // Only companies whose sales tax we send correctly (US, CA, UK): refused before anything is stored.
          refuseCompany: ({ country }) => {
            const support = countrySupport(country);
            return support.ok ? undefined : support.reason;
          },
        });
      } catch (err) {
        if (err instanceof CompanyRefusedError) {
          request.log.warn({ tenantId, realmId }, 'QuickBooks company refused at connect');
          return refused(400, `${esc(err.reason)} Nothing was changed and the authorization was revoked.`);
        }
        if (err instanceof RealmMismatchError) {
          request.log.warn({ tenantId, realmId }, 'QuickBooks callback named a company the grant cannot read');
          return refused(
            400,
            `The authorization QuickBooks granted is not for QuickBooks company ${esc(realmId)}: the company id ` +
              'in the link back from QuickBooks was changed or does not match the company you picked. Nothing was ' +
              'changed and the authorization was revoked.',
          );
        }
        if (isQboError(err) && (err.kind === 'retryable' || err.kind === 'throttled')) {
          request.log.warn({ tenantId, code: err.code }, 'QuickBooks unavailable while finishing the connection');
          return refused(502, `QuickBooks could not be reached to finish the connection (${esc(err.code)}).`);
        }
        if (isQboError(err)) {
          request.log.warn({ tenantId, code: err.code }, 'QuickBooks code exchange refused');
          return refused(400, `QuickBooks refused the authorization (${esc(err.code)}).`);
        }
        request.log.error({ err, tenantId }, 'QuickBooks code exchange failed');
        return refused(502, 'QuickBooks could not be reached to finish the connection.');
      }
      const resumed = await resumeParked(replayDepsOf(deps), tenantId, { status: 'needs_reconnect' });
      request.log.info({ tenantId, realmId, resumed }, 'QuickBooks connected');
      return htmlPage(
        reply,
        200,
        'Connected to QuickBooks',
        `<h1 class="ok">Connected to QuickBooks company ${esc(realmId)}</h1>` +
          `<p>Tenant <b>${esc(tenant.name)}</b> (${esc(tenant.id)}) now syncs to this company.` +
          (resumed > 0 ? ` ${resumed} sync${resumed === 1 ? '' : 's'} waiting for a reconnect resumed.` : '') +
          '</p><p>You can close this window.</p>',
      );
    },
  );
};
