// Mappings: what is unmapped and how many syncs wait on it, what is mapped, and a picker to map a key.
import type { MappingKind, MappingView, QboListResponse, TenantListResponse } from '@qbo-sync/contracts';
import { type Html, html, plural, raw, when } from '../html.js';

/** The page's sections, in the order support meets them, and the QBO list each picks from. */
export const MAPPING_SECTIONS: ReadonlyArray<{ kind: MappingKind; title: string; list?: string; noun: string }> = [
  { kind: 'item', title: 'Items', list: 'items', noun: 'item' },
  { kind: 'payment_method', title: 'Payment methods', list: 'payment-methods', noun: 'payment method' },
  { kind: 'tax_code', title: 'Tax codes', list: 'tax-codes', noun: 'tax code' },
  { kind: 'deposit_account', title: 'Deposit accounts', list: 'accounts', noun: 'account' },
  { kind: 'account', title: 'Accounts', list: 'accounts', noun: 'account' },
  { kind: 'customer', title: 'Customers', noun: 'customer' },
];

export const sectionOf = (kind: string) => MAPPING_SECTIONS.find((s) => s.kind === kind);

/** The anchor of a kind's section: reasons' "Map it under Mappings → …" links land here. */
export const mappingAnchor = (kind: string): string => `map-${kind}`;
export const mappingsHref = (tenantId: string, kind?: string): string =>
  `/console/mappings?tenant=${encodeURIComponent(tenantId)}${kind ? `#${mappingAnchor(kind)}` : ''}`;

export interface Unmapped {
  kind: MappingKind;
  key: string;
  label?: string | undefined;
  waiting: number;
}

/** A cached list says when it was read (the live read was refused: company throttled or busy). */
export type PickerList = QboListResponse & { cachedAt?: string };

const domId = (kind: string, key: string) => `${kind}-${key}`.replace(/[^A-Za-z0-9_-]/g, '_');

/** One key's picker: search, the list with inactive entries marked, nothing preselected. */
export function mappingPicker(opts: {
  tenantId: string;
  kind: MappingKind;
  key: string;
  label?: string | undefined;
  list: PickerList | undefined;
  problem: string | undefined;
}): Html {
  const id = domId(opts.kind, opts.key);
  const section = sectionOf(opts.kind);
  const name = `${section?.noun ?? opts.kind} "${opts.label ?? opts.key}"`;
  const list = opts.list;
  const chooser = list
    ? html`<label for="search-${id}">Search</label> <input type="search" id="search-${id}" data-filter-for="pick-${id}" autocomplete="off">
<label for="pick-${id}">QuickBooks ${section?.noun ?? 'entry'} for ${name}</label>
<select id="pick-${id}" name="qboId" required><option value="">Choose…</option>${list.items.map(
        (i) =>
          html`<option value="${i.id}" data-name="${i.name}">${i.name}${i.type ? ` (${i.type})` : ''}${i.active === false ? ' — inactive' : ''}</option>`,
      )}</select>`
    : html`<label for="pick-${id}">QuickBooks id for ${name}</label> <input id="pick-${id}" name="qboId" required>`;
  return html`<form class="picker" hx-post="/console/mappings" hx-target="find .result" id="form-${id}">
<input type="hidden" name="tenant" value="${opts.tenantId}"><input type="hidden" name="kind" value="${opts.kind}"><input type="hidden" name="key" value="${opts.key}">
${opts.problem ? html`<p class="note" role="note">${opts.problem}</p>` : ''}
${list?.cachedAt ? html`<p class="note" role="note">QuickBooks is busy for this company right now; this list was read ${when(list.cachedAt)}. Mapping still works.</p>` : ''}
${chooser} <button type="submit" id="map-${id}">Map ${name}</button> <span class="result" aria-live="polite"></span></form>`;
}

export function mappingsPage(opts: {
  tenantId: string;
  tenants: TenantListResponse['tenants'];
  unmapped: Unmapped[];
  mappings: MappingView[];
  lists: Record<string, { list: PickerList | undefined; problem: string | undefined }>;
}): Html {
  const tenantOptions = opts.tenants.map(
    (t) => html`<option value="${t.id}"${raw(t.id === opts.tenantId ? ' selected' : '')}>${t.name} (${t.id})</option>`,
  );
  const sections = MAPPING_SECTIONS.map((s) => {
    const unmapped = opts.unmapped.filter((u) => u.kind === s.kind);
    const mapped = opts.mappings.filter((m) => m.kind === s.kind);
    const state = s.list ? opts.lists[s.list] : undefined;
    return html`<section id="${mappingAnchor(s.kind)}" aria-labelledby="h-${s.kind}" tabindex="-1"><h2 id="h-${s.kind}">${s.title}</h2>
${
  unmapped.length
    ? html`<h3 class="bad">Unmapped: ${plural(unmapped.length, 'key')}</h3><ul>${unmapped.map(
        (
          u,
        ) => html`<li><strong>${u.label ?? u.key}</strong> <span class="muted">(${u.key})</span> — ${plural(u.waiting, 'sync')} waiting
${mappingPicker({ tenantId: opts.tenantId, kind: s.kind, key: u.key, label: u.label, list: state?.list, problem: state?.problem })}</li>`,
      )}</ul>`
    : html`<p class="good">Nothing unmapped.</p>`
}
${
  mapped.length
    ? html`<details><summary>${plural(mapped.length, 'mapping')}</summary><table><thead><tr><th scope="col">Billing key</th><th scope="col">QuickBooks</th><th scope="col">Changed</th></tr></thead><tbody>
${mapped.map((m) => html`<tr><td>${m.key}</td><td>${m.qboName ?? ''} <span class="muted">(id ${m.qboId})</span></td><td>${when(m.updatedAt)}</td></tr>`)}</tbody></table></details>`
    : ''
}</section>`;
  });
  return html`<form method="get" action="/console/mappings"><label>Tenant <select name="tenant" id="tenant">${tenantOptions}</select></label>
<button type="submit">Show</button></form>
<p class="muted">Saving a mapping queues every sync of the tenant parked for a mapping; those still missing another key park again and name it.</p>
<div id="mapping-sections" hx-get="/console/mappings?tenant=${opts.tenantId}" hx-trigger="records-changed from:body" hx-select="#mapping-sections" hx-swap="outerHTML">${sections}</div>`;
}

const SECTION_LINK = new RegExp(`Mappings → (${MAPPING_SECTIONS.map((s) => s.title).join('|')})`, 'g');

/** A reason sentence with every "Mappings → <section>" made a link to that section of the Mappings page. */
export function reasonWithLinks(reason: string | null, tenantId: string): Html {
  if (!reason) return html``;
  const parts: Html[] = [];
  let last = 0;
  for (const m of reason.matchAll(SECTION_LINK)) {
    const kind = MAPPING_SECTIONS.find((s) => s.title === m[1])?.kind;
    parts.push(html`${reason.slice(last, m.index)}<a href="${mappingsHref(tenantId, kind)}">${m[0]}</a>`);
    last = (m.index ?? 0) + m[0].length;
  }
  parts.push(html`${reason.slice(last)}`);
  return html`${parts}`;
}
