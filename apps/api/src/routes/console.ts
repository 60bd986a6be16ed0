import { AdminSessionBody } from '@qbo-sync/contracts';
import { endAdminSession } from '@qbo-sync/db/repositories/admin-sessions';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import {
  ADMIN_COOKIE,
  adminContext,
  checkAdmin,
  cookieValue,
  crossOrigin,
  factsOf,
  noteWrongToken,
  refuse,
  SESSION_TTL_MS,
  sameSecret,
  sessionHash,
  sessionValue,
  throttled,
  verifySession,
} from '../admin/auth.js';
import { consoleClient } from '../console/client.js';
import { CONSOLE_SCRIPT_PATH, consolePage, localOnlyPage, STATUS_WORDS, signInPage } from '../console/page.js';
import type { RouteOptions } from '../deps.js';
import { ApiError } from '../errors.js';

/** The page loads only its own script and talks only to this origin. */
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self'; " +
  "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

function html(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply
    .status(status)
    .type('text/html; charset=utf-8')
    .header('content-security-policy', CSP)
    .header('cache-control', 'no-store')
    .send(body);
}

const isForm = (request: FastifyRequest) =>
  (request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');

/**
 * GET /console — the sync console for support staff; GET /console/app.js — its script; POST/DELETE
 * /admin/session — sign in and out with the admin token (an HttpOnly cookie, so the queue dashboard works too).
 */
export const consoleRoutes: FastifyPluginAsync<RouteOptions> = async (app, { deps }) => {
  const token = deps.config.api.adminToken;
  const now = deps.now ?? Date.now;
  const ctx = adminContext(deps);
  const script = `(${consoleClient.toString()})(${JSON.stringify(STATUS_WORDS)});\n`;
  const secure = deps.config.api.publicUrl.startsWith('https:') ? '; Secure' : '';
  // The sign-in page is a plain form (no script needed before signing in).
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(String(body))));
  });

  app.get('/console', { schema: { hide: true } }, async (request, reply) => {
    const check = await checkAdmin(token, request, now(), ctx);
    if (check.ok) return html(reply, 200, consolePage({ signOut: token !== undefined }));
    if (token) return html(reply, 401, signInPage());
    return html(reply, check.status, localOnlyPage(check.message));
  });

  app.get(CONSOLE_SCRIPT_PATH, { schema: { hide: true } }, async (request, reply) => {
    const check = await checkAdmin(token, request, now(), ctx);
    if (!check.ok) refuse(check, reply);
    return reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-store').send(script);
  });

  app.post('/admin/session', { schema: { hide: true } }, async (request, reply) => {
    const form = isForm(request);
    if (!token) {
      if (form) return reply.redirect('/console', 303);
      throw new ApiError(
        400,
        'invalid_request',
        'ADMIN_TOKEN is not set: the console needs no sign-in on this machine.',
      );
    }
    // Another site's page must not sign anyone in, nor spend the address's wrong-token allowance.
    const foreign = crossOrigin(factsOf(request), ctx);
    if (foreign && !foreign.ok) refuse(foreign, reply);
    const parsed = AdminSessionBody.safeParse(request.body ?? {});
    if (!parsed.success || !sameSecret(parsed.data.token, token)) {
      // Only wrong tokens are throttled: the right one gets in even from an address a guesser shares.
      const limited = throttled(ctx, request, now());
      if (limited && !limited.ok) refuse(limited, reply);
      noteWrongToken(ctx, request, now());
      if (form) return html(reply, 401, signInPage('That is not the admin token of this deployment.'));
      throw new ApiError(401, 'invalid_admin_token', 'That is not the admin token of this deployment.');
    }
    const value = sessionValue(token, now() + SESSION_TTL_MS);
    reply.header(
      'set-cookie',
      `${ADMIN_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${SESSION_TTL_MS / 1000}${secure}`,
    );
    return form ? reply.redirect('/console', 303) : reply.status(204).send();
  });

  app.delete('/admin/session', { schema: { hide: true } }, async (request, reply) => {
    // Ended on the server too: the cookie, had anyone kept it, opens nothing any more (on every instance).
    const session = token ? cookieValue(request, ADMIN_COOKIE) : undefined;
    const expiresAtMs = token && session ? verifySession(token, session, now()) : undefined;
    if (session && expiresAtMs !== undefined) {
      await endAdminSession(deps.db, sessionHash(session), new Date(expiresAtMs), new Date(now()));
    }
    reply.header('set-cookie', `${ADMIN_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${secure}`);
    return reply.status(204).send();
  });
};
