// Inspection / admin API under /__sandbox (no auth): realms, entities, stats, faults, limits, tokens, clock.
import { crossOriginReason } from '@qbo-sync/security';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { actAsPerson } from './changes/as-person.js';
import { DEFAULT_WEBHOOK_SETTINGS, type WebhookSettings } from './changes/webhooks.js';
import { qboTime } from './clock.js';
import { mergePrefs } from './entities/company.js';
import { COUNTRY_CODES } from './entities/country.js';
import { defFor } from './entities/registry.js';
import { faultRuleSchema } from './inject.js';
import { seedFor } from './prng.js';
import { type Sandbox, SandboxError } from './sandbox.js';

const realmSchema = z.object({
  realmId: z.string().optional(),
  seed: z.boolean().optional(),
  companyName: z.string().min(1).max(200).optional(),
  country: z.enum(COUNTRY_CODES).optional(),
});
const limitsSchema = z.object({
  requestsPerWindow: z.number().int().min(1).optional(),
  windowMs: z.number().int().min(1).optional(),
  maxConcurrent: z.number().int().min(1).optional(),
  batchPerWindow: z.number().int().min(0).optional(),
  retryAfterSeconds: z.number().int().min(0).optional(),
});
const faultsSchema = z.union([
  faultRuleSchema,
  z.object({ rules: z.array(faultRuleSchema), seed: z.number().int().optional() }),
]);
const realmFilter = z.object({ realmId: z.string().optional() });
const tokensSchema = z.object({ clientId: z.string().optional() });
const clockSchema = z.object({ advanceMs: z.number().int().min(0) });
const webhookSchema = z.strictObject({
  url: z.url().optional(),
  verifierToken: z.string().min(1).optional(),
  format: z.enum(['cloudevents', 'legacy']).optional(),
  batchMs: z.number().int().min(0).optional(),
  retryDelaysMs: z.array(z.number().int().min(0)).max(10).optional(),
  enabled: z.boolean().optional(),
  timeoutMs: z.number().int().min(1).optional(),
});
const personSchema = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('delete') }),
  z.strictObject({ action: z.literal('void') }),
  z.strictObject({ action: z.literal('edit'), patch: z.record(z.string(), z.unknown()) }),
]);

/** Merges a webhook settings patch into the current settings; the first needs url and verifierToken. */
export function mergeWebhookSettings(
  current: WebhookSettings | undefined,
  patch: z.infer<typeof webhookSchema>,
): WebhookSettings {
  const url = patch.url ?? current?.url;
  const verifierToken = patch.verifierToken ?? current?.verifierToken;
  if (!url || !verifierToken) throw new SandboxError(400, 'webhooks need a url and a verifierToken the first time');
  return { ...DEFAULT_WEBHOOK_SETTINGS, ...current, ...stripUndefined(patch), url, verifierToken };
}

type Params = { realmId: string; entity: string };

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body ?? {});
  if (!r.success) throw new SandboxError(400, z.prettifyError(r.error));
  return r.data;
}

export function registerAdmin(app: FastifyInstance, sb: Sandbox): void {
  app.register(
    async (scope) => {
      scope.removeContentTypeParser('application/json');
      scope.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
        try {
          done(null, body === '' ? {} : JSON.parse(String(body)));
        } catch {
          done(new SandboxError(400, 'invalid JSON body'));
        }
      });
      scope.setErrorHandler((err, _req, reply: FastifyReply) => {
        const status = err instanceof SandboxError ? err.status : ((err as { statusCode?: number }).statusCode ?? 500);
        return reply.code(status).send({ error: err instanceof Error ? err.message : String(err) });
      });

      // No auth (a local test double), but a web page the developer visits must not change it: a change sent
      // by another site's page (Origin or Sec-Fetch-Site say so) is refused; tools send neither header.
      scope.addHook('onRequest', async (req) => {
        const why = crossOriginReason({ method: req.method, headers: req.headers, remoteAddress: req.ip });
        if (why) throw new SandboxError(403, `sandbox admin changes are not accepted from another site: ${why}`);
      });

      scope.get('/health', async () => ({ ok: true, realms: sb.realms.size }));
      scope.get('/realms', async () => ({ realms: [...sb.realms.values()].map((r) => sb.summary(r)) }));
      scope.post('/realms', async (req, reply) => reply.code(201).send(sb.createRealm(parse(realmSchema, req.body))));
      scope.get<{ Params: Params }>('/realms/:realmId', async (req) => {
        const realm = sb.realm(req.params.realmId);
        return { ...sb.summary(realm), limits: realm.limiter.limits, faults: realm.injector.rules };
      });
      scope.delete<{ Params: Params }>('/realms/:realmId', async (req) => {
        sb.realm(req.params.realmId);
        sb.realms.delete(req.params.realmId);
        return { ok: true };
      });
      scope.get<{ Params: Params }>('/realms/:realmId/entities/:entity', async (req) => {
        const realm = sb.realm(req.params.realmId);
        const def = defFor(req.params.entity);
        if (!def) throw new SandboxError(404, `unknown entity ${req.params.entity}`);
        const rows = [...realm.table(def.name).rows.values()];
        return { entity: def.name, count: rows.length, rows };
      });
      scope.get<{ Params: Params }>('/realms/:realmId/stats', async (req) => sb.realm(req.params.realmId).stats);
      scope.delete<{ Params: Params }>('/realms/:realmId/stats', async (req) => {
        const realm = sb.realm(req.params.realmId);
        realm.stats.reset();
        return realm.stats;
      });
      scope.get<{ Params: Params }>('/realms/:realmId/faults', async (req) => ({
        rules: sb.realm(req.params.realmId).injector.rules,
      }));
      scope.post<{ Params: Params }>('/realms/:realmId/faults', async (req, reply) => {
        const realm = sb.realm(req.params.realmId);
        const input = parse(faultsSchema, req.body);
        const rules = 'rules' in input ? input.rules : [input];
        if ('rules' in input && input.seed !== undefined) realm.injector.reseed(seedFor(input.seed, realm.id));
        for (const r of rules) realm.injector.add(r);
        return reply.code(201).send({ rules: realm.injector.rules });
      });
      scope.delete<{ Params: Params }>('/realms/:realmId/faults', async (req) => {
        sb.realm(req.params.realmId).injector.clear();
        return { rules: [] };
      });
      scope.get<{ Params: Params }>('/realms/:realmId/limits', async (req) => ({
        limits: sb.realm(req.params.realmId).limiter.limits,
      }));
      scope.put<{ Params: Params }>('/realms/:realmId/limits', async (req) => {
        const patch = parse(limitsSchema, req.body);
        return { limits: sb.realm(req.params.realmId).limiter.set(stripUndefined(patch)) };
      });
      scope.put<{ Params: Params }>('/realms/:realmId/preferences', async (req) => {
        const realm = sb.realm(req.params.realmId);
        const patch = parse(z.record(z.string(), z.unknown()), req.body);
        realm.prefs = mergePrefs(realm.prefs, patch);
        return { Preferences: realm.prefs };
      });
      scope.post<{ Params: Params }>('/realms/:realmId/tokens', async (req) => {
        const realm = sb.realm(req.params.realmId);
        const { clientId } = parse(tokensSchema, req.body);
        const client = clientId ?? [...sb.config.clients.keys()][0] ?? '';
        if (!sb.config.clients.has(client)) throw new SandboxError(400, `unknown client ${client}`);
        return { ...sb.tokens.issueDirect(client, realm.id), realmId: realm.id };
      });
      scope.post('/expire-access-tokens', async (req) => ({
        expired: sb.tokens.expireAccess(parse(realmFilter, req.body).realmId),
      }));
      scope.post('/expire-refresh-tokens', async (req) => ({
        expired: sb.tokens.expireRefresh(parse(realmFilter, req.body).realmId),
      }));
      scope.get('/webhooks', async () => {
        const c = sb.webhooks.config;
        return { webhooks: c ? { ...c, verifierToken: '(set)' } : null, stats: sb.webhooks.stats };
      });
      scope.put('/webhooks', async (req) => {
        const next = mergeWebhookSettings(sb.webhooks.config, parse(webhookSchema, req.body));
        sb.webhooks.configure(next);
        return { webhooks: { ...next, verifierToken: '(set)' } };
      });
      scope.post('/webhooks/flush', async () => {
        sb.webhooks.flush();
        return { stats: sb.webhooks.stats };
      });
      scope.post<{ Params: Params & { id: string } }>('/realms/:realmId/as-person/:entity/:id', async (req) => {
        const realm = sb.realm(req.params.realmId);
        const act = parse(personSchema, req.body);
        return { [req.params.entity]: actAsPerson(sb.ctx(realm), req.params.entity, req.params.id, act) };
      });
      scope.get('/clock', async () => ({ now: sb.clock.now(), time: qboTime(sb.clock.now()) }));
      scope.post('/clock', async (req) => {
        const now = sb.clock.advance(parse(clockSchema, req.body).advanceMs);
        return { now, time: qboTime(now) };
      });
      scope.post('/reset', async () => {
        sb.reset();
        return { ok: true };
      });
    },
    { prefix: '/__sandbox' },
  );
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
