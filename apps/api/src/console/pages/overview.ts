// Overview across every tenant: health, backlog, throughput charts, each company's QuickBooks load (budget,
// throttles, deferrals, a QuickBooks pause) and the tenants needing attention, by reason.
import type { OverviewResponse, ThroughputSeries } from '@qbo-sync/contracts';
import type { ChartData } from '../browser.js';
import { type Html, html, jsonBlock, plural, when } from '../html.js';
import { statusWord } from '../page.js';

const recordsHref = (tenantId: string, status?: string) =>
  `/console/records?tenant=${encodeURIComponent(tenantId)}${status ? `&status=${status}` : ''}`;

function health(name: string, h: { status: string; latencyMs: number | null; error: string | null }): Html {
  return html`<li><strong>${name}</strong>: ${
    h.status === 'ok'
      ? html`<span class="good">up</span>${h.latencyMs !== null ? ` (${Math.round(h.latencyMs)} ms)` : ''}`
      : html`<span class="bad">down${h.error ? ` — ${h.error}` : ''}</span>`
  }</li>`;
}

function chart(id: string, title: string, series: ThroughputSeries): Html {
  const data: ChartData = {
    x: series.points.map((p) => Math.floor(Date.parse(p.at) / 1000)),
    series: [
      { label: 'synced', values: series.points.map((p) => p.synced), stroke: '#1a7f37' },
      { label: 'failed', values: series.points.map((p) => p.failed), stroke: '#b42318' },
    ],
  };
  const synced = series.points.reduce((n, p) => n + p.synced, 0);
  const failed = series.points.reduce((n, p) => n + p.failed, 0);
  const per = series.bucketSeconds === 60 ? 'minute' : `${series.bucketSeconds / 60} minutes`;
  return html`<figure data-chart="${id}" aria-labelledby="${id}-cap"><figcaption id="${id}-cap">${title}: ${synced} synced, ${failed} failed (per ${per})</figcaption>
<div class="plot" role="img" aria-label="${title}: ${synced} synced, ${failed} failed"></div>${jsonBlock(id, data)}</figure>`;
}

function deferrals(byReason: Record<string, number>): string {
  const parts = Object.entries(byReason)
    .filter(([, n]) => n > 0)
    .map(([reason, n]) => `${reason.replace(/_/g, ' ')} ${n}`);
  return parts.length ? parts.join(', ') : '0';
}

export function overviewPage(o: OverviewResponse): Html {
  const workers = o.health.workers;
  const staleWorkers = workers.filter((w) => w.status !== 'ok').length;
  const queued = o.backlog.queues.reduce((n, q) => n + q.waiting + q.prioritized + q.delayed, 0);
  const attention = o.attention.reduce((n, t) => n + t.total, 0);
  const companies = o.companies.map((c) => {
    const paused = c.pausedUntil && Date.parse(c.pausedUntil) > Date.parse(o.generatedAt);
    return html`<tr${paused ? html` class="throttled"` : ''}><td><a href="${recordsHref(c.tenantId)}">${c.tenantId}</a> <span class="muted">(${c.realmId})</span></td>
<td>${c.connection === 'active' ? html`<span class="good">connected</span>` : html`<span class="bad">${c.connection.replace('_', ' ')}</span>`}</td>
<td class="num">${c.budget.used} of ${c.budget.limit} per ${c.budget.windowSeconds} s · ${c.budget.inFlight} in flight</td>
<td class="num${c.throttlesLastHour ? ' bad' : ''}">${c.throttlesLastHour}</td><td>${deferrals(c.deferralsLastHour)}</td>
<td>${paused ? html`<span class="bad">Throttled by QuickBooks until ${when(c.pausedUntil)}</span>` : html`<span class="muted">no</span>`}</td></tr>`;
  });
  const needs = o.attention.map(
    (t) => html`<tr><td><a href="${recordsHref(t.tenantId)}">${t.tenantId}</a></td><td class="num">${t.total}</td>
<td>${t.reasons.map((r) => html`<a class="status status-${r.status}" href="${recordsHref(t.tenantId, r.status)}">${statusWord(r.status)}: ${r.count}</a>${r.reasonCode ? html` <code>${r.reasonCode}</code>` : ''}<br>`)}${
      t.retrying
        ? html`<a class="status status-retrying" href="${recordsHref(t.tenantId)}">Retrying: ${t.retrying}</a>`
        : ''
    }</td>
<td><a href="/console/failures?tenant=${encodeURIComponent(t.tenantId)}">By reason</a></td></tr>`,
  );
  return html`<div id="overview" hx-get="/console" hx-select="#overview" hx-trigger="every 10s" hx-swap="outerHTML">
<p class="${attention ? 'bad' : 'good'}" id="attention-summary">${attention ? `${plural(attention, 'sync')} need a person.` : 'No sync needs a person.'} <span class="muted">As of ${when(o.generatedAt)}; refreshes by itself.</span></p>
<div class="cards">
<section class="card" aria-labelledby="health-h"><h2 id="health-h">Health</h2><ul>
${health('API', o.health.api)}${health('PostgreSQL', o.health.postgres)}${health('Redis', o.health.redis)}
<li><strong>Workers</strong>: ${workers.length === 0 ? html`<span class="bad">none running</span>` : html`<span class="${staleWorkers ? 'bad' : 'good'}">${workers.length - staleWorkers} of ${plural(workers.length, 'process', 'processes')} answering</span>`}</li></ul></section>
<section class="card" aria-labelledby="backlog-h"><h2 id="backlog-h">Backlog</h2>
<p class="big">${o.backlog.inboxUnprocessed}</p><p>events not processed yet${o.backlog.inboxUnprocessed ? `; the oldest waits ${Math.round(o.backlog.oldestUnprocessedAgeSeconds)} s` : ''}</p>
<p>${plural(queued, 'job')} queued (waiting, prioritized, delayed)</p></section>
</div>
<section aria-labelledby="tp-h"><h2 id="tp-h">Synced and failed</h2><div class="charts">
${chart('chart-hour', 'Last hour', o.throughput.lastHour)}${chart('chart-day', 'Last day', o.throughput.lastDay)}</div></section>
<section aria-labelledby="companies-h"><h2 id="companies-h">QuickBooks companies</h2>
${
  companies.length
    ? html`<table id="companies"><thead><tr><th scope="col">Tenant (company)</th><th scope="col">Connection</th><th scope="col" class="num">Request budget now</th><th scope="col" class="num">Throttles (1 h)</th><th scope="col">Deferrals (1 h)</th><th scope="col">Paused by QuickBooks</th></tr></thead><tbody>${companies}</tbody></table>`
    : html`<p class="muted">No company connected.</p>`
}</section>
<section aria-labelledby="attention-h"><h2 id="attention-h">Tenants needing attention</h2>
${
  needs.length
    ? html`<table id="tenants"><thead><tr><th scope="col">Tenant</th><th scope="col" class="num">Syncs</th><th scope="col">By reason</th><th scope="col">Act</th></tr></thead><tbody>${needs}</tbody></table>`
    : html`<p class="good">None.</p>`
}</section>
<section aria-labelledby="queues-h"><h2 id="queues-h">Queues</h2>
<table id="queues"><thead><tr><th scope="col">Queue</th><th scope="col" class="num">Waiting</th><th scope="col" class="num">Prioritized</th><th scope="col" class="num">Active</th><th scope="col" class="num">Delayed</th><th scope="col" class="num">Failed</th></tr></thead><tbody>
${o.backlog.queues.map((q) => html`<tr><td>${q.queue}</td><td class="num">${q.waiting}</td><td class="num">${q.prioritized}</td><td class="num">${q.active}</td><td class="num">${q.delayed}</td><td class="num">${q.failed}</td></tr>`)}</tbody></table>
<p><a href="/admin/queues">Open the queue dashboard</a> for single jobs.</p></section></div>`;
}
