// Failures grouped by status and reason code: how many, since when, and one action per group.
import type { AuditListResponse, FailureGroupsResponse, TenantListResponse } from '@qbo-sync/contracts';
import { queryOf } from '../admin-api.js';
import { type Html, html, plural, raw, when } from '../html.js';
import { statusWord } from '../page.js';
import { mappingsHref, reasonWithLinks } from './mappings.js';

const groupId = (g: FailureGroupsResponse['groups'][number]) =>
  `group-${g.status}-${g.reasonCode ?? 'none'}`.replace(/[^A-Za-z0-9_-]/g, '_');

function groupAction(tenant: string, g: FailureGroupsResponse['groups'][number]): Html {
  if (!tenant) return html`<span class="muted">Choose a tenant to act on it.</span>`;
  const records = `/console/records${queryOf({ tenant, status: g.status })}`;
  if (g.status === 'needs_mapping') {
    return html`<a href="${mappingsHref(tenant)}">Map it</a> · <a href="${records}">Show the records</a>`;
  }
  if (g.status === 'needs_reconnect') {
    return html`<a href="${records}">Show the records</a> (reconnect QuickBooks: <code>qbo-sync connect ${tenant}</code>; they resume by themselves)`;
  }
  const label = `Replay ${plural(g.count, 'sync')} of ${statusWord(g.status)} ${g.reasonCode ?? ''}`.trim();
  return html`<form hx-post="/console/failures/replay/preview" hx-target="#${groupId(g)}-act" class="inline">
<input type="hidden" name="tenant" value="${tenant}"><input type="hidden" name="status" value="${g.status}">
<input type="hidden" name="reasonCode" value="${g.reasonCode ?? ''}"><input type="hidden" name="count" value="${g.count}">
<button type="submit" aria-label="${label}">Replay ${g.count}…</button></form>
${g.status === 'conflict' ? html` · <a href="${records}">Open each in QuickBooks</a>` : ''}
<div id="${groupId(g)}-act" aria-live="polite" hx-preserve="true"></div>`;
}

export function failuresPage(opts: {
  tenant: string;
  tenants: TenantListResponse['tenants'];
  groups: FailureGroupsResponse['groups'];
}): Html {
  const tenantOptions = opts.tenants.map(
    (t) => html`<option value="${t.id}"${raw(t.id === opts.tenant ? ' selected' : '')}>${t.name} (${t.id})</option>`,
  );
  const rows = opts.groups.map(
    (
      g,
    ) => html`<tr id="${groupId(g)}"><td><span class="status status-${g.status}">${statusWord(g.status)}</span><br><code>${g.reasonCode ?? '—'}</code></td>
<td>${reasonWithLinks(g.reason, opts.tenant || '')}</td><td class="num">${g.count}</td><td class="num">${g.tenants}</td><td>${g.entityTypes.join(', ')}</td>
<td>${when(g.firstSeen)}</td><td>${when(g.lastSeen)}</td><td>${groupAction(opts.tenant, g)}</td></tr>`,
  );
  return html`<form method="get" action="/console/failures"><label>Tenant <select name="tenant" id="tenant"><option value="">every tenant</option>${tenantOptions}</select></label>
<button type="submit">Show</button></form>
<div id="failure-groups" hx-get="/console/failures${queryOf({ tenant: opts.tenant })}" hx-select="#failure-groups" hx-trigger="every 15s, records-changed from:body" hx-swap="outerHTML">
${
  opts.groups.length
    ? html`<table><caption class="muted">Biggest group first; "first/last seen" is when its records last changed.</caption>
<thead><tr><th scope="col">Status and code</th><th scope="col">Why (latest)</th><th scope="col" class="num">Syncs</th><th scope="col" class="num">Tenants</th><th scope="col">Types</th><th scope="col">First seen</th><th scope="col">Last seen</th><th scope="col">Action</th></tr></thead>
<tbody>${rows}</tbody></table>`
    : html`<p class="good">Nothing failed or parked.</p>`
}</div>`;
}

export function auditPage(opts: {
  filters: { tenant: string; actor: string; action: string };
  page: AuditListResponse;
}): Html {
  const f = opts.filters;
  const next = opts.page.nextCursor ? `/console/audit${queryOf({ ...f, cursor: opts.page.nextCursor })}` : undefined;
  return html`<form method="get" action="/console/audit"><fieldset><legend>Filter</legend>
<label>Tenant <input name="tenant" id="audit-tenant" value="${f.tenant}"></label>
<label>Who <input name="actor" id="audit-actor" value="${f.actor}"></label>
<label>Action <input name="action" id="audit-action" value="${f.action}" placeholder="records.replay"></label>
<button type="submit">Filter</button></fieldset></form>
<div id="audit-entries" hx-get="/console/audit${queryOf(f)}" hx-select="#audit-entries" hx-trigger="every 15s" hx-swap="outerHTML">
${
  opts.page.entries.length
    ? html`<table id="audit"><thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">What</th><th scope="col">Tenant</th><th scope="col">Scope</th><th scope="col" class="num">How many</th><th scope="col">Note</th><th scope="col">Result</th></tr></thead><tbody>
${opts.page.entries.map(
  (
    e,
  ) => html`<tr><td>${when(e.at)}</td><td>${e.actor.name} <span class="muted">(${e.actor.role})</span></td><td><code>${e.action}</code></td>
<td>${e.tenantId ?? ''}</td><td>${
    e.target
      ? Object.entries(e.target)
          .map(([k, v]) => `${k}: ${String(v)}`)
          .join(', ')
      : ''
  }</td>
<td class="num">${e.count ?? ''}</td><td>${e.note ?? ''}</td><td class="${e.result === 'failed' ? 'bad' : ''}">${e.result}${e.error ? `: ${e.error}` : ''}</td></tr>`,
)}</tbody></table>`
    : html`<p class="muted">Nothing recorded yet.</p>`
}</div>${next ? html`<p><a href="${next}">Older entries</a></p>` : ''}`;
}
