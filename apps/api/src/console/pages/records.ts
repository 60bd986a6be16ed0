// Records: find syncs (tenant, search words, status, type, dates), select rows, replay them with a note.
import {
  SyncEntityType,
  type SyncRecordListResponse,
  type SyncRecordView,
  SyncStatus,
  type TenantDetailResponse,
  type TenantListResponse,
} from '@qbo-sync/contracts';
import { queryOf } from '../admin-api.js';
import { type Html, html, plural, raw, when } from '../html.js';
import { STATUS_WORDS, statusWord } from '../page.js';
import { reasonWithLinks } from './mappings.js';

/** The records page's filters, all in its URL (a filtered list can be shared). */
export interface RecordFilters {
  tenant: string;
  q: string;
  status: string;
  entityType: string;
  from: string;
  to: string;
  cursor: string;
}

const text = (v: unknown): string => (typeof v === 'string' ? v.trim() : '');

export function recordFiltersOf(query: Record<string, unknown>): RecordFilters {
  return {
    tenant: text(query['tenant']),
    q: text(query['q']),
    status: text(query['status']),
    entityType: text(query['entityType']),
    from: text(query['from']),
    to: text(query['to']),
    cursor: text(query['cursor']),
  };
}

/** The "to" date is inclusive on screen and exclusive in the API. */
export function apiRange(f: Pick<RecordFilters, 'from' | 'to'>): { from?: string; to?: string } {
  const out: { from?: string; to?: string } = {};
  if (/^\d{4}-\d\d-\d\d$/.test(f.from)) out.from = f.from;
  if (/^\d{4}-\d\d-\d\d$/.test(f.to)) {
    const end = new Date(`${f.to}T00:00:00Z`);
    end.setUTCDate(end.getUTCDate() + 1);
    out.to = end.toISOString();
  }
  return out;
}

export function recordListPath(f: RecordFilters): string {
  const retrying = f.status === RETRYING;
  return `/admin/tenants/${encodeURIComponent(f.tenant)}/sync-records${queryOf({
    limit: 50,
    status: retrying ? '' : f.status,
    retrying: retrying ? 'true' : '',
    entityType: f.entityType,
    q: f.q,
    cursor: f.cursor,
    ...apiRange(f),
  })}`;
}

/** Not a stored status: records being retried after a transient QuickBooks fault (the API's retrying filter). */
export const RETRYING = 'retrying';

export const recordPath = (r: Pick<SyncRecordView, 'tenantId' | 'entityType' | 'externalId'>): string =>
  `/console/records/${encodeURIComponent(r.tenantId)}/${r.entityType}/${encodeURIComponent(r.externalId)}`;

const selKey = (r: SyncRecordView): string => `${r.entityType}/${r.externalId}`;

function option(value: string, label: string, selected: string): Html {
  return html`<option value="${value}"${raw(value === selected ? ' selected' : '')}>${label}</option>`;
}

/** The status cell: the words, and for a record being retried, which attempt failed and the next try. */
export function statusCell(r: SyncRecordView): Html {
  const retry = (r as SyncRecordView & { retry?: { attempt: number; maxAttempts: number; nextTryAt: string | null } })
    .retry;
  if (retry) {
    return html`<span class="status status-retrying">Retrying (attempt ${retry.attempt} of ${retry.maxAttempts} failed${
      retry.nextTryAt ? `; next try ${when(retry.nextTryAt)}` : ''
    })</span>`;
  }
  return html`<span class="status status-${r.status}">${statusWord(r.status)}</span>`;
}

/** The table's rows; `selected` keeps the person's ticks across refreshes. */
export function recordRows(records: SyncRecordView[], selected: ReadonlySet<string>): Html {
  if (records.length === 0) {
    return html`<tr><td colspan="8" class="muted">Nothing matches these filters.</td></tr>`;
  }
  return html`${records.map((r) => {
    const key = selKey(r);
    const label = `Select ${r.entityType} ${r.externalId}`;
    return html`<tr id="row-${r.entityType}-${r.externalId.replace(/[^A-Za-z0-9_-]/g, '_')}" data-key="${key}">
<td><input type="checkbox" name="sel" value="${key}" aria-label="${label}"${raw(selected.has(key) ? ' checked' : '')}></td>
<td>${statusCell(r)}</td><td>${r.entityType}</td>
<td><a href="${recordPath(r)}">${r.externalId}</a></td><td>${r.docNumber ?? ''}</td>
<td>${reasonWithLinks(r.reason, r.tenantId)}</td><td>${when(r.updatedAt)}</td>
<td>${r.qboUrl ? html`<a href="${r.qboUrl}" target="_blank" rel="noopener">View in QuickBooks</a>` : ''}</td></tr>`;
  })}`;
}

/** The chosen tenant's QuickBooks connection, and the tenant-wide actions (connect, the manual sync window). */
export function tenantBar(t: TenantDetailResponse): Html {
  const c = t.connection;
  const connected = c.status === 'active';
  return html`<section id="tenant-bar" aria-label="Tenant ${t.id}"><p>${
    connected
      ? html`<span class="good">Connected to QuickBooks company ${c.realmId}.</span>`
      : html`<span class="bad">QuickBooks: ${c.status.replace('_', ' ')}. ${c.reason ?? ''}</span>`
  } Automatic sync is ${t.settings.autoSync ? 'on' : 'off'}.
<a id="connect" href="/console/connect?tenant=${t.id}">${connected ? 'Reconnect QuickBooks' : 'Connect QuickBooks'}</a>
${
  (t.counts.needs_sync ?? 0) > 0
    ? html`<form class="inline" hx-post="/console/manual-sync/preview" hx-target="#manual-sync-act"><input type="hidden" name="tenant" value="${t.id}">
<input type="hidden" name="count" value="${t.counts.needs_sync ?? 0}"><button type="submit" id="manual-sync">Sync everything waiting for a manual sync (${t.counts.needs_sync})…</button></form>`
    : ''
}</p><div id="manual-sync-act" aria-live="polite"></div></section>`;
}

export function recordsPage(opts: {
  filters: RecordFilters;
  tenant?: TenantDetailResponse | undefined;
  tenants: TenantListResponse['tenants'];
  page: SyncRecordListResponse | undefined;
  problem?: string | undefined;
}): Html {
  const f = opts.filters;
  const tenantOptions = opts.tenants.map((t) => option(t.id, `${t.name} (${t.id})`, f.tenant));
  const statusOptions = SyncStatus.options.map((s) => option(s, STATUS_WORDS[s], f.status));
  const typeOptions = SyncEntityType.options.map((t) => option(t, t, f.entityType));
  const hidden = (['tenant', 'q', 'status', 'entityType', 'from', 'to'] as const).map(
    (k) => html`<input type="hidden" name="${k}" value="${f[k]}">`,
  );
  const next = opts.page?.nextCursor;
  const nextHref = next ? `/console/records${queryOf({ ...f, cursor: next })}` : undefined;
  return html`<form id="filters" method="get" action="/console/records"><fieldset><legend>Find syncs</legend>
<label>Tenant <select name="tenant" id="tenant">${tenantOptions}</select></label>
<label>Search <input type="search" name="q" id="q" value="${f.q}" placeholder="INV-7004, customer, e-mail, QuickBooks id"></label>
<label>Status <select name="status" id="status"><option value="">any status</option>${statusOptions}${option(RETRYING, 'Retrying after a QuickBooks fault', f.status)}</select></label>
<label>Type <select name="entityType" id="entityType"><option value="">any type</option>${typeOptions}</select></label>
<label>Changed from <input type="date" name="from" id="from" value="${f.from}"></label>
<label>to (including) <input type="date" name="to" id="to" value="${f.to}"></label>
<button type="submit" id="search">Search</button></fieldset></form>
${opts.tenant ? tenantBar(opts.tenant) : ''}
${opts.problem ? html`<p class="bad" role="alert">${opts.problem}</p>` : ''}
<form id="records-form" hx-post="/console/records/replay/preview" hx-target="#bulk">${hidden}
<fieldset><legend>Act on syncs</legend>
<label><input type="checkbox" id="select-page" data-select-page> Select every row on this page</label>
<span data-selected-count aria-live="polite">None selected</span>
<button type="submit" name="scope" value="selected" id="replay-selected">Replay selected…</button>
<button type="submit" name="scope" value="all" id="replay-all">Replay all matching…</button>
<div id="bulk" aria-live="polite"></div></fieldset>
<table id="records"><caption class="muted">Most recently changed first; refreshes by itself.</caption>
<thead><tr><th scope="col">Select</th><th scope="col">Status</th><th scope="col">Type</th><th scope="col">Billing id</th><th scope="col">Doc #</th><th scope="col">Why</th><th scope="col">Changed</th><th scope="col">QuickBooks</th></tr></thead>
<tbody id="rows" hx-get="/console/records/rows" hx-trigger="every 10s, records-changed from:body" hx-include="#records-form" hx-ext="morph" hx-swap="morph:innerHTML">${recordRows(
    opts.page?.records ?? [],
    new Set(),
  )}</tbody></table></form>
${nextHref ? html`<p><a href="${nextHref}" id="next-page">Next page</a></p>` : ''}`;
}

export { plural };
