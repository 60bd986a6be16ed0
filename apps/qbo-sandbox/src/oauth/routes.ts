// Intuit's token endpoint (authorization_code / refresh_token) and revoke endpoint.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Sandbox } from '../sandbox.js';
import { registerAuthorize } from './authorize.js';

export function parseForm(body: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(body));
}

/** HTTP Basic client authentication; returns the client id when the secret matches. */
function clientOf(sb: Sandbox, req: FastifyRequest): string | undefined {
  const m = /^basic\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (!m?.[1]) return undefined;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i < 0) return undefined;
  const id = decoded.slice(0, i);
  return sb.config.clients.get(id) === decoded.slice(i + 1) ? id : undefined;
}

function oauthError(reply: FastifyReply, status: number, error: string): FastifyReply {
  return reply.code(status).header('cache-control', 'no-store').send({ error });
}

function fields(req: FastifyRequest): Record<string, string> {
  const b = req.body;
  if (typeof b !== 'object' || b === null) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(b)) if (typeof v === 'string') out[k] = v;
  return out;
}

export function registerOAuth(app: FastifyInstance, sb: Sandbox): void {
  app.register(async (scope) => {
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) =>
      done(null, parseForm(String(body))),
    );

    scope.post('/oauth2/v1/tokens/bearer', async (req, reply) => {
      const clientId = clientOf(sb, req);
      if (!clientId) return oauthError(reply, 401, 'invalid_client');
      const f = fields(req);
      let tokens: ReturnType<typeof sb.tokens.refresh>;
      if (f['grant_type'] === 'authorization_code') {
        if (!f['code'] || !f['redirect_uri']) return oauthError(reply, 400, 'invalid_request');
        tokens = sb.tokens.exchangeCode(clientId, f['code'], f['redirect_uri']);
      } else if (f['grant_type'] === 'refresh_token') {
        if (!f['refresh_token']) return oauthError(reply, 400, 'invalid_request');
        tokens = sb.tokens.refresh(clientId, f['refresh_token']);
      } else {
        return oauthError(reply, 400, 'unsupported_grant_type');
      }
      if (!tokens) return oauthError(reply, 400, 'invalid_grant');
      return reply.header('cache-control', 'no-store').send(tokens);
    });

    scope.post('/v2/oauth2/tokens/revoke', async (req, reply) => {
      const clientId = clientOf(sb, req);
      if (!clientId) return oauthError(reply, 401, 'invalid_client');
      const token = fields(req)['token'];
      if (!token) return oauthError(reply, 400, 'invalid_request');
      sb.tokens.revoke(clientId, token);
      return reply.code(200).send('');
    });

    registerAuthorize(scope, sb);
  });
}
