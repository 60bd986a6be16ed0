// The consent page of the authorization-code flow: pick a company, press Connect, get redirected with a code.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { esc, page } from '../html.js';
import type { Sandbox } from '../sandbox.js';

interface AuthParams {
  client_id?: string;
  redirect_uri?: string;
  response_type?: string;
  scope?: string;
  state?: string;
  realmId?: string;
}

function problem(sb: Sandbox, p: AuthParams): string | undefined {
  if (!p.client_id || !sb.config.clients.has(p.client_id)) return 'invalid_client: unknown client_id';
  if (!p.redirect_uri || !URL.canParse(p.redirect_uri)) return 'invalid_request: redirect_uri must be an absolute URL';
  if (p.scope !== undefined && p.scope.trim() === '') return 'invalid_scope: scope is empty';
  return undefined;
}

function errorPage(reply: FastifyReply, message: string): FastifyReply {
  return reply
    .code(400)
    .type('text/html; charset=utf-8')
    .send(page('Authorization error', `<h1>Authorization error</h1><p>${esc(message)}</p>`));
}

export function registerAuthorize(scope: FastifyInstance, sb: Sandbox): void {
  scope.get('/connect/oauth2', async (req, reply) => {
    const p = req.query as AuthParams;
    const bad = problem(sb, p) ?? (p.response_type === 'code' ? undefined : 'unsupported_response_type: use code');
    if (bad) return errorPage(reply, bad);
    const hidden = (['client_id', 'redirect_uri', 'scope', 'state'] as const)
      .map((k) => `<input type="hidden" name="${k}" value="${esc(p[k] ?? '')}">`)
      .join('');
    const options = [...sb.realms.values()]
      .map((r) => `<option value="${esc(r.id)}">${esc(r.companyName)} (${esc(r.id)})</option>`)
      .join('');
    const body = `<h1>qbo-sandbox</h1>
<p>Connect <b>${esc(p.client_id ?? '')}</b> to a QuickBooks company (scope: ${esc(p.scope ?? '')}).</p>
<form method="post" action="/connect/oauth2/approve">${hidden}
<label>Company <select name="realmId">${options}<option value="new">New company (seeded)</option></select></label>
<p><button type="submit">Connect</button></p></form>`;
    return reply.type('text/html; charset=utf-8').send(page('Connect to QuickBooks (sandbox)', body));
  });

  scope.post('/connect/oauth2/approve', async (req, reply) => {
    const p = (req.body ?? {}) as AuthParams;
    const bad = problem(sb, p);
    if (bad) return errorPage(reply, bad);
    let realmId = p.realmId ?? 'new';
    if (realmId === 'new') realmId = sb.createRealm({ seed: true }).realmId;
    else if (!sb.realms.has(realmId)) return errorPage(reply, `unknown company ${realmId}`);
    const code = sb.tokens.issueCode(p.client_id ?? '', p.redirect_uri ?? '', realmId);
    const url = new URL(p.redirect_uri ?? '');
    url.searchParams.set('code', code);
    if (p.state !== undefined) url.searchParams.set('state', p.state);
    url.searchParams.set('realmId', realmId);
    return reply.redirect(url.toString(), 302);
  });
}
