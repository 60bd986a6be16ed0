// Overview across every tenant: their QuickBooks connections and where their syncs stand.
import type { TenantDetailResponse } from '@qbo-sync/contracts';
import { type Html, html, plural } from '../html.js';
import { statusWord } from '../page.js';

/** Statuses that need a person (red in the billing system). */
export const ATTENTION_STATUSES = ['failed', 'needs_mapping', 'needs_reconnect', 'conflict'] as const;

const recordsHref = (tenantId: string, status?: string) =>
  `/console/records?tenant=${encodeURIComponent(tenantId)}${status ? `&status=${status}` : ''}`;

export function tenantsTable(tenants: TenantDetailResponse[]): Html {
  if (tenants.length === 0)
    return html`<p>No tenants yet: create one with the CLI (<code>qbo-sync tenants create</code>).</p>`;
  return html`<table id="tenants"><caption class="muted">Every tenant, those needing attention first.</caption>
<thead><tr><th scope="col">Tenant</th><th scope="col">QuickBooks</th><th scope="col">Needs attention</th><th scope="col" class="num">In QuickBooks</th><th scope="col" class="num">In progress</th></tr></thead><tbody>
${[...tenants]
  .sort((a, b) => attentionOf(b) - attentionOf(a))
  .map((t) => {
    const reasons = ATTENTION_STATUSES.filter((s) => (t.counts[s] ?? 0) > 0).map(
      (s) => html`<a class="status status-${s}" href="${recordsHref(t.id, s)}">${statusWord(s)}: ${t.counts[s]}</a> `,
    );
    const inProgress = (t.counts.pending ?? 0) + (t.counts.syncing ?? 0) + (t.counts.waiting ?? 0);
    return html`<tr><td><a href="${recordsHref(t.id)}">${t.name}</a> <span class="muted">(${t.id})</span></td>
<td>${t.connection.status === 'active' ? html`<span class="good">Connected (${t.connection.realmId})</span>` : html`<span class="bad">${t.connection.status.replace('_', ' ')}</span>`}</td>
<td>${reasons.length ? reasons : html`<span class="good">Nothing</span>`}</td>
<td class="num">${t.counts.synced ?? 0}</td><td class="num">${inProgress}</td></tr>`;
  })}</tbody></table>`;
}

const attentionOf = (t: TenantDetailResponse): number => ATTENTION_STATUSES.reduce((n, s) => n + (t.counts[s] ?? 0), 0);

export function overviewPage(tenants: TenantDetailResponse[]): Html {
  const attention = tenants.reduce((n, t) => n + attentionOf(t), 0);
  return html`<div id="overview" hx-get="/console" hx-select="#overview" hx-trigger="every 15s" hx-swap="outerHTML">
<p class="${attention ? 'bad' : 'good'}" id="attention-summary">${attention ? `${plural(attention, 'sync')} need a person.` : 'No sync needs a person.'}</p>
<section aria-labelledby="tenants-h"><h2 id="tenants-h">Tenants</h2>${tenantsTable(tenants)}</section></div>`;
}
