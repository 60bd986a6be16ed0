import {
  AdminSessionBody,
  type AuditListResponse,
  type ConnectResponse,
  type FailureGroupsResponse,
  type ManualSyncResponse,
  type MappingKind,
  type MappingListResponse,
  type OverviewResponse,
  type ReplayResponse,
  type SyncRecordDetailResponse,
  type SyncRecordListResponse,
  type SyncRecordView,
  type TenantDetailResponse,
  type TenantListResponse,
  type UpsertMappingResponse,
} from '@qbo-sync/contracts';
import { endAdminSession } from '@qbo-sync/db/repositories/admin-sessions';
import { findOperatorByToken } from '@qbo-sync/db/repositories/operators';
import { appLink } from '@qbo-sync/qbo-client';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  ADMIN_COOKIE,
  adminContext,
  cookieValue,
  crossOrigin,
  factsOf,
  noteWrongToken,
  refuse,
  SESSION_TTL_MS,
  type SessionSubject,
  sameSecret,
  sessionHash,
  sessionValue,
  throttled,
  verifySession,
} from '../admin/auth.js';
import { tryAuthenticate } from '../admin/identity.js';
import { parseInput } from '../admin/parse.js';
import { type AdminApi, AdminApiError, adminApiFor, queryOf } from '../console/admin-api.js';
import { loadConsoleAssets } from '../console/assets.js';
import { type Html, html, plural } from '../console/html.js';
import { consoleShell, localOnlyPage, type NavId, signInPage, statusWord } from '../console/page.js';
import { auditPage, failuresPage } from '../console/pages/failures.js';
import { MAPPING_SECTIONS, mappingsPage, type PickerList, type Unmapped } from '../console/pages/mappings.js';
import { overviewPage } from '../console/pages/overview.js';
import {
  apiRange,
  type RecordFilters,
  recordFiltersOf,
  recordListPath,
  recordRows,
  recordsPage,
} from '../console/pages/records.js';
import { missingOf, timelinePage } from '../console/pages/timeline.js';
import type { RouteOptions } from '../deps.js';
import { ApiError } from '../errors.js';

/** The pages load only this API's scripts and talk only to this origin. */
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; " +
  "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

function sendHtml(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply
    .status(status)
    .type('text/html; charset=utf-8')
    .header('content-security-policy', CSP)
    .header('cache-control', 'no-store')
    .send(body);
}

const isForm = (request: FastifyRequest) =>
  (request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');

/** Form fields as strings; a repeated field (ticked checkboxes) as its values. */
type FormBody = Record<string, string | string[]>;
const field = (body: FormBody, name: string): string => {
  const v = body[name];
  return (Array.isArray(v) ? (v[0] ?? '') : (v ?? '')).trim();
};
const fields = (body: FormBody | Record<string, unknown>, name: string): string[] => {
  const v = body[name];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  return typeof v === 'string' && v !== '' ? [v] : [];
};

/** Selection keys "<entityType>/<externalId>" as the record routes need them. */
const SelectionKey = z.string().regex(/^(customer|invoice|payment|refund)\/.+$/, 'must be <type>/<billing id>');
const ReplayNote = z.string().trim().min(3, 'Say why, in at least 3 characters.').max(1000);
/** A bulk action counts up to this many matching records before confirming. */
const COUNT_CAP = 10_000;
/** Settled: a run ended (green, parked or failed for good). */
const IN_FLIGHT = new Set(['pending', 'syncing']);

const fragment = (reply: FastifyReply, body: Html, trigger?: Record<string, unknown>) => {
  if (trigger) reply.header('hx-trigger', JSON.stringify(trigger));
  return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(body.text);
};

/**
 * The console for operators and support staff: server-rendered pages (htmx swaps parts of them in place)
 * under /console, their static assets, and sign-in/out with the admin token (POST/DELETE /admin/session).
 * Every page reads and acts through the admin API in process (console/admin-api.ts).
 */
export const consoleRoutes: FastifyPluginAsync<RouteOptions> = async (app, { deps }) => {
  const token = deps.config.api.adminToken;
  const now = deps.now ?? Date.now;
  const ctx = adminContext(deps);
  const assets = loadConsoleAssets();
  const secure = deps.config.api.publicUrl.startsWith('https:') ? '; Secure' : '';
  const root = app as FastifyInstance;
  // Sign-in and the console's forms are plain forms; repeated fields (ticked rows) become arrays.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    const out: FormBody = {};
    for (const [k, v] of new URLSearchParams(String(body))) {
      const prev = out[k];
      out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
    }
    done(null, out);
  });

  /** The admin check for every console page and asset; a browser without a session is offered sign-in. */
  async function guard(request: FastifyRequest, reply: FastifyReply, asPage = true): Promise<boolean> {
    const result = await tryAuthenticate(deps, request);
    if ('operator' in result) return true;
    const check = result.refusal;
    const page = asPage && request.method === 'GET' && request.headers['hx-request'] === undefined;
    if (page && check.status === 401) {
      sendHtml(reply, 401, signInPage());
      return false;
    }
    if (page && check.status === 403 && !token) {
      sendHtml(reply, 403, localOnlyPage(check.message));
      return false;
    }
    refuse(check, reply);
  }

  const signOut = token !== undefined;
  async function shell(
    reply: FastifyReply,
    title: string,
    active: NavId | undefined,
    tenant: string | undefined,
    main: Html,
  ) {
    return sendHtml(reply, 200, consoleShell({ title, active, signOut, tenant }, main));
  }

  const problemOf = (err: unknown): string => {
    if (err instanceof AdminApiError) return err.message;
    throw err;
  };

  async function tenantsOf(api: AdminApi) {
    return (await api.get<TenantListResponse>('/admin/tenants')).tenants;
  }

  // ---- assets ------------------------------------------------------------------------------------------
  app.get<{ Params: { '*': string } }>('/console/assets/*', { schema: { hide: true } }, async (request, reply) => {
    if (!(await guard(request, reply, false))) return reply;
    const asset = assets.get(`/console/assets/${request.params['*']}`);
    if (!asset) throw new ApiError(404, 'not_found', 'No such console asset.');
    return reply.type(asset.type).header('cache-control', 'private, max-age=3600').send(asset.body);
  });
  for (const path of ['/console/app.js', '/console/app.css']) {
    app.get(path, { schema: { hide: true } }, async (request, reply) => {
      if (!(await guard(request, reply, false))) return reply;
      const asset = assets.get(path);
      return reply
        .type(asset?.type ?? 'text/plain')
        .header('cache-control', 'no-store')
        .send(asset?.body ?? '');
    });
  }

  // ---- overview ----------------------------------------------------------------------------------------
  app.get('/console', { schema: { hide: true } }, async (request, reply) => {
    if (!(await guard(request, reply))) return reply;
    const overview = await adminApiFor(root, request).get<OverviewResponse>('/admin/overview');
    return shell(reply, 'Overview', 'overview', undefined, overviewPage(overview));
  });

  // ---- records -----------------------------------------------------------------------------------------
  async function recordPage(api: AdminApi, f: RecordFilters) {
    if (!f.tenant) return { page: undefined, problem: undefined };
    try {
      return { page: await api.get<SyncRecordListResponse>(recordListPath(f)), problem: undefined };
    } catch (err) {
      return { page: undefined, problem: problemOf(err) };
    }
  }

  app.get('/console/records', { schema: { hide: true } }, async (request, reply) => {
    if (!(await guard(request, reply))) return reply;
    const api = adminApiFor(root, request);
    const filters = recordFiltersOf(request.query as Record<string, unknown>);
    const tenants = await tenantsOf(api);
    if (!filters.tenant && tenants[0]) filters.tenant = tenants[0].id;
    const { page, problem } = await recordPage(api, filters);
    const tenant = filters.tenant
      ? await api
          .get<TenantDetailResponse>(`/admin/tenants/${encodeURIComponent(filters.tenant)}`)
          .catch(() => undefined)
      : undefined;
    const main = recordsPage({
      filters,
      tenant,
      tenants,
      page,
      problem:
        problem ??
        (tenants.length === 0 ? 'No tenants yet: create one with the CLI (qbo-sync tenants create).' : undefined),
    });
    return shell(reply, 'Records', 'records', filters.tenant, main);
  });

  app.get('/console/records/rows', { schema: { hide: true } }, async (request, reply) => {
    if (!(await guard(request, reply))) return reply;
    const query = request.query as Record<string, unknown>;
    const filters = recordFiltersOf(query);
    const { page, problem } = await recordPage(adminApiFor(root, request), filters);
    if (problem) return fragment(reply, html`<tr><td colspan="8" class="bad">${problem}</td></tr>`);
    return fragment(reply, recordRows(page?.records ?? [], new Set(fields(query, 'sel'))));
  });

  /** How many records a filter matches (status, type, dates; not search words), counted through the API. */
  async function countMatching(
    api: AdminApi,
    f: RecordFilters,
    since?: string,
  ): Promise<{ n: number; settled: number }> {
    let n = 0;
    let settled = 0;
    let cursor = '';
    do {
      const path = `/admin/tenants/${encodeURIComponent(f.tenant)}/sync-records${queryOf({
        limit: 500,
        status: since ? '' : f.status,
        entityType: f.entityType,
        cursor,
        ...(since ? { from: since } : apiRange(f)),
      })}`;
      const page = await api.get<SyncRecordListResponse>(path);
      n += page.records.length;
      settled += page.records.filter(isSettled).length;
      cursor = page.nextCursor ?? '';
    } while (cursor && n < COUNT_CAP);
    return { n, settled };
  }

  const isSettled = (r: SyncRecordView) =>
    !IN_FLIGHT.has(r.status) && !(r as SyncRecordView & { retry?: unknown }).retry;

  const hiddenFilters = (f: RecordFilters) =>
    (['tenant', 'status', 'entityType', 'from', 'to'] as const).map(
      (k) => html`<input type="hidden" name="${k}" value="${f[k]}">`,
    );

  app.post('/console/records/replay/preview', { schema: { hide: true } }, async (request, reply) => {
    if (!(await guard(request, reply))) return reply;
    const body = (request.body ?? {}) as FormBody;
    const f = recordFiltersOf(body);
    const scope = field(body, 'scope') === 'all' ? 'all' : 'selected';
    const selected = fields(body, 'sel');
    let count: number;
    let what: string;
    if (scope === 'selected') {
      if (selected.length === 0)
        return fragment(reply, html`<p class="bad" role="alert">Tick the syncs to replay first.</p>`);
      count = selected.length;
      what = `the ${plural(count, 'selected sync')}`;
    } else {
      if (f.q) {
        return fragment(
          reply,
          html`<p class="bad" role="alert">Search words cannot be replayed as a set: tick the rows to replay, or clear the search.</p>`,
        );
      }
      if (!f.status) {
        return fragment(
          reply,
          html`<p class="bad" role="alert">Choose a status first (e.g. Failed): replaying every status is never what is meant.</p>`,
        );
      }
      const counted = await countMatching(adminApiFor(root, request), f);
      count = counted.n;
      if (count === 0)
        return fragment(reply, html`<p role="alert">Nothing matches these filters: nothing to replay.</p>`);
      what = `${count >= COUNT_CAP ? 'more than ' : ''}${plural(count, 'sync')} in "${statusWord(f.status)}"${f.entityType ? ` (${f.entityType})` : ''} of ${f.tenant}`;
    }
    const form = html`<form class="confirm" hx-post="/console/records/replay" hx-target="#bulk" aria-labelledby="confirm-q">
${hiddenFilters(f)}<input type="hidden" name="scope" value="${scope}">
${scope === 'selected' ? selected.map((s) => html`<input type="hidden" name="sel" value="${s}">`) : ''}
<p id="confirm-q">Replay ${what}? They are queued again at replay priority with the latest billing data.</p>
<label>Note (required, kept in the audit log) <input name="note" id="replay-note" required minlength="3" maxlength="1000" autofocus></label>
<button type="submit" id="confirm-replay">Replay ${plural(count, 'sync')}</button>
<button type="button" id="cancel-replay" hx-get="/console/empty" hx-target="#bulk">Cancel</button></form>`;
    return fragment(reply, form);
  });

  app.get('/console/empty', { schema: { hide: true } }, async (request, reply) => {
    if (!(await guard(request, reply))) return reply;
    return fragment(reply, html``);
  });

  app.post('/console/records/replay', { schema: { hide: true } }, async (request, reply) => {
    if (!(await guard(request, reply))) return reply;
    const body = (request.body ?? {}) as FormBody;
    const f = recordFiltersOf(body);
    const note = ReplayNote.safeParse(field(body, 'note'));
    if (!note.success) {
      return fragment(
        reply,
        html`<p class="bad" role="alert">The note is required: ${note.error.issues[0]?.message ?? ''}</p>`,
      );
    }
    const api = adminApiFor(root, request);
    const since = new Date(now() - 1000).toISOString();
    const tenantPath = `/admin/tenants/${encodeURIComponent(f.tenant)}`;
    let queued = 0;
    const problems: string[] = [];
    if (field(body, 'scope') === 'all') {
      try {
        const res = await api.send<ReplayResponse>('POST', `${tenantPath}/replay`, {
          status: f.status,
          ...(f.entityType ? { entityType: f.entityType } : {}),
          ...apiRange(f),
          note: note.data,
        });
        queued = res.replayed;
      } catch (err) {
        problems.push(problemOf(err));
      }
    } else {
      for (const raw of fields(body, 'sel')) {
        const key = parseInput(SelectionKey, raw, 'selection');
        const slash = key.indexOf('/');
        const path = `${tenantPath}/sync-records/${key.slice(0, slash)}/${encodeURIComponent(key.slice(slash + 1))}/replay`;
        try {
          await api.send('POST', path, { note: note.data });
          queued++;
        } catch (err) {
          problems.push(`${key}: ${problemOf(err)}`);
        }
      }
    }
    const progress = progressFragment(f, since, queued, 0);
    return fragment(
      reply,
      html`${problems.length ? html`<p class="bad" role="alert">${problems.join(' ')}</p>` : ''}${progress}`,
      { 'records-changed': true, 'console-message': `${plural(queued, 'sync')} queued again.` },
    );
  });

  function progressFragment(f: RecordFilters, since: string, queued: number, settled: number): Html {
    const done = Math.min(settled, queued);
    const finished = done >= queued;
    const poll = finished
      ? ''
      : html` hx-get="/console/records/progress${queryOf({ tenant: f.tenant, entityType: f.entityType, since, queued })}" hx-trigger="every 2s" hx-swap="outerHTML"`;
    return html`<div id="progress" role="status"${poll}><label for="replay-progress">Replay progress</label>
<progress id="replay-progress" max="${queued}" value="${done}">${done} of ${queued}</progress>
<span id="progress-text">${finished ? `Done: ${plural(queued, 'sync')} ran again.` : `${done} of ${queued} finished…`}</span></div>`;
  }

  app.get('/console/records/progress', { schema: { hide: true } }, async (request, reply) => {
    if (!(await guard(request, reply))) return reply;
    const q = request.query as Record<string, unknown>;
    const f = recordFiltersOf(q);
    const since = typeof q['since'] === 'string' ? q['since'] : new Date(now()).toISOString();
    const queued = Number(q['queued']) || 0;
    const { settled } = await countMatching(adminApiFor(root, request), f, since);
    return fragment(
      reply,
      progressFragment(f, since, queued, settled),
      settled >= queued ? { 'records-changed': true } : undefined,
    );
  });

  app.post('/console/records/replay-one', { schema: { hide: true } }, async (request, reply) => {
    if (!(await guard(request, reply))) return reply;
    const body = (request.body ?? {}) as FormBody;
    const tenant = field(body, 'tenant');
    const key = parseInput(SelectionKey, `${field(body, 'entityType')}/${field(body, 'externalId')}`, 'record');
    const slash = key.indexOf('/');
    const note = field(body, 'note');
    const path = `/admin/tenants/${encodeURIComponent(tenant)}/sync-records/${key.slice(0, slash)}/${encodeURIComponent(key.slice(slash + 1))}/replay`;
    try {
      await adminApiFor(root, request).send('POST', path, note ? { note } : {});
      return fragment(reply, html`Queued again.`, { 'records-changed': true });
    } catch (err) {
      return fragment(reply, html`<span class="bad">${problemOf(err)}</span>`);
    }
  });

  // ---- tenant-wide actions: connect, the manual sync window ------------------------------------------------
  app.get('/console/connect', { schema: { hide: true } }, async (request, reply) => {
    if (!(await guard(request, reply))) return reply;
    const tenant = recordFiltersOf(request.query as Record<string, unknown>).tenant;
    try {
      const { authorizeUrl } = await adminApiFor(root, request).get<ConnectResponse>(
        `/admin/tenants/${encodeURIComponent(tenant)}/connect`,
      );
      return reply.redirect(authorizeUrl, 303);
    } catch (err) {
      return shell(
        reply,
        'Connect QuickBooks',
        'records',
        tenant,
        html`<p class="bad" role="alert">${problemOf(err)}</p>`,
      );
    }
  });

  app.post('/console/manual-sync/preview', { schema: { hide: true } }, async (request, reply) => {
    if (!(await guard(request, reply))) return reply;
    const body = (request.body ?? {}) as FormBody;
    const count = Number(field(body, 'count')) || 0;
    return fragment(
      reply,
      html`<form class="confirm" hx-post="/console/manual-sync" hx-target="this" hx-swap="outerHTML">
<input type="hidden" name="tenant" value="${field(body, 'tenant')}">
<p>Sync the ${plural(count, 'record')} waiting for a manual sync?</p>
<label>Note (required, kept in the audit log) <input name="note" required minlength="3" maxlength="1000" autofocus></label>
<button type="submit">Sync ${plural(count, 'record')}</button></form>`,
    );
  });

  app.post('/console/manual-sync', { schema: { hide: true } }, async (request, reply) => {
    if (!(await guard(request, reply))) return reply;
    const body = (request.body ?? {}) as FormBody;
    const note = ReplayNote.safeParse(field(body, 'note'));
    if (!note.success) {
      return fragment(
        reply,
        html`<p class="bad" role="alert">The note is required: ${note.error.issues[0]?.message ?? ''}</p>`,
      );
    }
    try {
      const { queued } = await adminApiFor(root, request).send<ManualSyncResponse>(
        'POST',
        `/admin/tenants/${encodeURIComponent(field(body, 'tenant'))}/sync`,
        { note: note.data },
      );
      const said = `${plural(queued, 'waiting sync')} queued.`;
      return fragment(reply, html`<p class="good" role="status">${said}</p>`, {
        'records-changed': true,
        'console-message': said,
      });
    } catch (err) {
      return fragment(reply, html`<p class="bad" role="alert">${problemOf(err)}</p>`);
    }
  });

  // ---- one record's timeline ---------------------------------------------------------------------------
  type RecordPageRoute = { Params: { tenantId: string; entityType: string; externalId: string } };
  app.get<RecordPageRoute>(
    '/console/records/:tenantId/:entityType/:externalId',
    { schema: { hide: true } },
    async (request, reply) => {
      if (!(await guard(request, reply))) return reply;
      const { tenantId, entityType, externalId } = request.params;
      const api = adminApiFor(root, request);
      const path = `/admin/tenants/${encodeURIComponent(tenantId)}/sync-records/${encodeURIComponent(entityType)}/${encodeURIComponent(externalId)}`;
      let detail: SyncRecordDetailResponse;
      try {
        detail = await api.get<SyncRecordDetailResponse>(path);
      } catch (err) {
        const problem = problemOf(err);
        return shell(
          reply,
          `${entityType} ${externalId}`,
          'records',
          tenantId,
          html`<p class="bad" role="alert">${problem}</p>`,
        );
      }
      const record = detail.record;
      const missing = record.status === 'needs_mapping' ? missingOf(record.details) : [];
      const lists: Partial<Record<MappingKind, { list: PickerList | undefined; problem: string | undefined }>> = {};
      for (const m of missing) {
        if (lists[m.kind]) continue;
        const section = MAPPING_SECTIONS.find((s) => s.kind === m.kind);
        lists[m.kind] = section?.list
          ? await readList(api, tenantId, section.list)
          : { list: undefined, problem: undefined };
      }
      const otherId = record.status === 'conflict' ? (record.details as { qboId?: unknown } | null)?.qboId : undefined;
      const conflictUrl =
        typeof otherId === 'string' && record.entityType === 'invoice'
          ? appLink(deps.config.qbo.appBaseUrl, 'invoice', otherId)
          : undefined;
      const main = timelinePage({ detail, conflictUrl, lists, canReplay: true });
      return shell(reply, `${record.entityType} ${record.externalId}`, 'records', tenantId, main);
    },
  );

  // ---- mappings ----------------------------------------------------------------------------------------
  async function readList(api: AdminApi, tenantId: string, list: string) {
    try {
      const got = await api.get<PickerList>(`/admin/tenants/${encodeURIComponent(tenantId)}/qbo/${list}`);
      return { list: got, problem: undefined };
    } catch (err) {
      return {
        list: undefined,
        problem: `The QuickBooks list could not be read: ${problemOf(err)} Type the QuickBooks id instead.`,
      };
    }
  }

  /** Keys parked records miss, with how many syncs wait on each (read from the needs_mapping records). */
  async function unmappedOf(api: AdminApi, tenantId: string): Promise<Unmapped[]> {
    const byKey = new Map<string, Unmapped>();
    let cursor = '';
    let seen = 0;
    do {
      const page = await api.get<SyncRecordListResponse>(
        `/admin/tenants/${encodeURIComponent(tenantId)}/sync-records${queryOf({ status: 'needs_mapping', limit: 500, cursor })}`,
      );
      for (const r of page.records) {
        for (const m of missingOf(r.details)) {
          const k = `${m.kind}\u0000${m.key}`;
          const entry = byKey.get(k) ?? { kind: m.kind, key: m.key, label: m.label, waiting: 0 };
          entry.waiting++;
          byKey.set(k, entry);
        }
      }
      seen += page.records.length;
      cursor = page.nextCursor ?? '';
    } while (cursor && seen < COUNT_CAP);
    return [...byKey.values()].sort((a, b) => b.waiting - a.waiting);
  }

  app.get('/console/mappings', { schema: { hide: true } }, async (request, reply) => {
    if (!(await guard(request, reply))) return reply;
    const api = adminApiFor(root, request);
    const tenants = await tenantsOf(api);
    const wanted = recordFiltersOf(request.query as Record<string, unknown>).tenant;
    const tenantId = wanted || tenants[0]?.id || '';
    if (!tenantId) {
      return shell(reply, 'Mappings', 'mappings', undefined, html`<p>No tenants yet: create one with the CLI.</p>`);
    }
    try {
      const [unmapped, { mappings }] = await Promise.all([
        unmappedOf(api, tenantId),
        api.get<MappingListResponse>(`/admin/tenants/${encodeURIComponent(tenantId)}/mappings`),
      ]);
      const lists: Record<string, { list: PickerList | undefined; problem: string | undefined }> = {};
      for (const s of MAPPING_SECTIONS) {
        if (s.list && !lists[s.list] && unmapped.some((u) => u.kind === s.kind))
          lists[s.list] = await readList(api, tenantId, s.list);
      }
      return shell(
        reply,
        'Mappings',
        'mappings',
        tenantId,
        mappingsPage({ tenantId, tenants, unmapped, mappings, lists }),
      );
    } catch (err) {
      return shell(reply, 'Mappings', 'mappings', tenantId, html`<p class="bad" role="alert">${problemOf(err)}</p>`);
    }
  });

  app.post('/console/mappings', { schema: { hide: true } }, async (request, reply) => {
    if (!(await guard(request, reply))) return reply;
    const body = (request.body ?? {}) as FormBody;
    const tenant = field(body, 'tenant');
    const kind = field(body, 'kind');
    const key = field(body, 'key');
    const qboId = field(body, 'qboId');
    if (!qboId) return fragment(reply, html`<span class="bad" role="alert">Choose the QuickBooks entry first.</span>`);
    const qboName = field(body, 'qboName');
    try {
      const res = await adminApiFor(root, request).send<UpsertMappingResponse>(
        'PUT',
        `/admin/tenants/${encodeURIComponent(tenant)}/mappings/${encodeURIComponent(kind)}/${encodeURIComponent(key)}`,
        { qboId, ...(qboName ? { qboName } : {}) },
      );
      const said = `Mapped ${kind} "${key}". ${plural(res.resumed, 'parked sync')} queued again.`;
      return fragment(reply, html`<span class="good">${said}</span>`, {
        'records-changed': true,
        'console-message': said,
      });
    } catch (err) {
      return fragment(reply, html`<span class="bad" role="alert">${problemOf(err)}</span>`);
    }
  });

  // ---- failures by reason -------------------------------------------------------------------------------
  app.get('/console/failures', { schema: { hide: true } }, async (request, reply) => {
    if (!(await guard(request, reply))) return reply;
    const api = adminApiFor(root, request);
    const tenant = recordFiltersOf(request.query as Record<string, unknown>).tenant;
    const [tenants, { groups }] = await Promise.all([
      tenantsOf(api),
      api.get<FailureGroupsResponse>(`/admin/failures${queryOf({ tenantId: tenant })}`),
    ]);
    return shell(
      reply,
      'Failures by reason',
      'failures',
      tenant || undefined,
      failuresPage({ tenant, tenants, groups }),
    );
  });

  app.post('/console/failures/replay/preview', { schema: { hide: true } }, async (request, reply) => {
    if (!(await guard(request, reply))) return reply;
    const body = (request.body ?? {}) as FormBody;
    const [tenant, status, reasonCode] = [field(body, 'tenant'), field(body, 'status'), field(body, 'reasonCode')];
    const count = Number(field(body, 'count')) || 0;
    const form = html`<form class="confirm" hx-post="/console/failures/replay" hx-target="this" hx-swap="outerHTML">
<input type="hidden" name="tenant" value="${tenant}"><input type="hidden" name="status" value="${status}"><input type="hidden" name="reasonCode" value="${reasonCode}">
<p>Replay the ${plural(count, 'sync')} of ${tenant} in "${statusWord(status)}" with reason ${reasonCode || 'none'}?</p>
<label>Note (required, kept in the audit log) <input name="note" required minlength="3" maxlength="1000" autofocus></label>
<button type="submit">Replay ${plural(count, 'sync')}</button></form>`;
    return fragment(reply, form);
  });

  app.post('/console/failures/replay', { schema: { hide: true } }, async (request, reply) => {
    if (!(await guard(request, reply))) return reply;
    const body = (request.body ?? {}) as FormBody;
    const note = ReplayNote.safeParse(field(body, 'note'));
    if (!note.success) {
      return fragment(
        reply,
        html`<p class="bad" role="alert">The note is required: ${note.error.issues[0]?.message ?? ''}</p>`,
      );
    }
    const tenant = field(body, 'tenant');
    const reasonCode = field(body, 'reasonCode');
    try {
      const res = await adminApiFor(root, request).send<ReplayResponse>(
        'POST',
        `/admin/tenants/${encodeURIComponent(tenant)}/replay`,
        { status: field(body, 'status'), ...(reasonCode ? { reasonCode } : {}), note: note.data },
      );
      const said = `${plural(res.replayed, 'sync')} queued again.`;
      return fragment(reply, html`<p class="good" role="status">${said}</p>`, {
        'records-changed': true,
        'console-message': said,
      });
    } catch (err) {
      return fragment(reply, html`<p class="bad" role="alert">${problemOf(err)}</p>`);
    }
  });

  // ---- audit log ---------------------------------------------------------------------------------------
  app.get('/console/audit', { schema: { hide: true } }, async (request, reply) => {
    if (!(await guard(request, reply))) return reply;
    const q = request.query as Record<string, unknown>;
    const text = (k: string) => (typeof q[k] === 'string' ? (q[k] as string).trim() : '');
    const filters = { tenant: text('tenant'), actor: text('actor'), action: text('action') };
    try {
      const page = await adminApiFor(root, request).get<AuditListResponse>(
        `/admin/audit${queryOf({ tenantId: filters.tenant, actor: filters.actor, action: filters.action, cursor: text('cursor') })}`,
      );
      return shell(reply, 'Audit log', 'audit', filters.tenant || undefined, auditPage({ filters, page }));
    } catch (err) {
      return shell(reply, 'Audit log', 'audit', undefined, html`<p class="bad" role="alert">${problemOf(err)}</p>`);
    }
  });

  // ---- sign-in ---------------------------------------------------------------------------------------------
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
    // The shared admin token, or an operator's own token (the session then carries the operator's id).
    let subject: SessionSubject | undefined;
    if (parsed.success) {
      if (sameSecret(parsed.data.token, token)) subject = 'admin';
      else subject = (await findOperatorByToken(deps.db, parsed.data.token, new Date(now())))?.id;
    }
    if (!parsed.success || subject === undefined) {
      // Only wrong tokens are throttled: the right one gets in even from an address a guesser shares.
      const limited = throttled(ctx, request, now());
      if (limited && !limited.ok) refuse(limited, reply);
      noteWrongToken(ctx, request, now());
      if (form) return sendHtml(reply, 401, signInPage('That is not the admin token of this deployment.'));
      throw new ApiError(401, 'invalid_admin_token', 'That is not the admin token of this deployment.');
    }
    const value = sessionValue(token, now() + SESSION_TTL_MS, subject);
    reply.header(
      'set-cookie',
      `${ADMIN_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${SESSION_TTL_MS / 1000}${secure}`,
    );
    return form ? reply.redirect('/console', 303) : reply.status(204).send();
  });

  app.delete('/admin/session', { schema: { hide: true } }, async (request, reply) => {
    // Ended on the server too: the cookie, had anyone kept it, opens nothing any more (on every instance).
    const session = token ? cookieValue(request, ADMIN_COOKIE) : undefined;
    const expiresAtMs = token && session ? verifySession(token, session, now())?.expiresAtMs : undefined;
    if (session && expiresAtMs !== undefined) {
      await endAdminSession(deps.db, sessionHash(session), new Date(expiresAtMs), new Date(now()));
    }
    reply.header('set-cookie', `${ADMIN_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${secure}`);
    return reply.status(204).send();
  });
};
