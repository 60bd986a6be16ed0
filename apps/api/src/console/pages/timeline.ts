// One record's timeline: what it is, why it stands where it stands, what to do, and everything that happened.
import type { AttemptView, MappingKind, QboListResponse, SyncRecordDetailResponse } from '@qbo-sync/contracts';
import { type Html, html, plural, when } from '../html.js';
import { mappingPicker, reasonWithLinks } from './mappings.js';
import { recordPath, statusCell } from './records.js';

export interface MissingKey {
  kind: MappingKind;
  key: string;
  label?: string;
}

export function missingOf(details: unknown): MissingKey[] {
  const missing = (details as { missing?: unknown } | null)?.missing;
  return Array.isArray(missing) ? (missing as MissingKey[]).filter((m) => m && typeof m.key === 'string') : [];
}

const seconds = (ms: number): string => (ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`);

function attemptRow(a: AttemptView): Html {
  const ms = Date.parse(a.finishedAt) - Date.parse(a.startedAt);
  const extra = a as AttemptView & { queuedAt?: string | null };
  const wait = extra.queuedAt ? seconds(Math.max(0, Date.parse(a.startedAt) - Date.parse(extra.queuedAt))) : '—';
  return html`<tr><td class="num">${a.attempt}</td><td>${when(a.startedAt)}</td><td class="num">${seconds(ms)}</td>
<td class="num">${wait}</td><td>${a.outcome}</td><td>${a.faultCode ?? ''}</td><td>${a.message ?? ''}</td></tr>`;
}

export function timelinePage(opts: {
  detail: SyncRecordDetailResponse;
  conflictUrl: string | undefined;
  lists: Partial<Record<MappingKind, { list: QboListResponse | undefined; problem: string | undefined }>>;
  canReplay: boolean;
}): Html {
  const { record, attempts } = opts.detail;
  const missing = record.status === 'needs_mapping' ? missingOf(record.details) : [];
  const events = opts.detail.events;
  const duplicateEmail = (record.details as { duplicateEmail?: { qboIds?: string[] } } | null)?.duplicateEmail;
  const self = recordPath(record);
  const refresh = (id: string) =>
    html`id="${id}" hx-get="${self}" hx-select="#${id}" hx-trigger="every 5s, records-changed from:body" hx-swap="outerHTML"`;
  return html`<div ${refresh('record-facts')}><dl class="facts">
<dt>Tenant</dt><dd>${record.tenantId}</dd>
<dt>Status</dt><dd id="record-status">${statusCell(record)}</dd>
<dt>Why</dt><dd id="record-reason">${record.reason ? reasonWithLinks(record.reason, record.tenantId) : '—'}</dd>
<dt>Reason code</dt><dd><code>${record.reasonCode ?? '—'}</code></dd>
<dt>Document number</dt><dd>${record.docNumber ?? '—'}</dd>
<dt>QuickBooks</dt><dd>${
    record.qboUrl
      ? html`<a id="view-in-qbo" href="${record.qboUrl}" target="_blank" rel="noopener">View in QuickBooks</a> (id ${record.qboId})`
      : 'not in QuickBooks yet'
  }${
    opts.conflictUrl
      ? html` · <a id="view-other" href="${opts.conflictUrl}" target="_blank" rel="noopener">Open the other QuickBooks document</a>`
      : ''
  }</dd>
<dt>Last change</dt><dd>${when(record.updatedAt)}</dd></dl></div>
${
  duplicateEmail
    ? html`<p class="note" role="note">Another QuickBooks customer has the same e-mail address${
        duplicateEmail.qboIds?.length ? ` (QuickBooks id ${duplicateEmail.qboIds.join(', ')})` : ''
      }: check they are really two people, or merge them in QuickBooks.</p>`
    : ''
}
${
  missing.length
    ? html`<section aria-labelledby="missing-h"><h2 id="missing-h">Missing mappings</h2>
${missing.map((m) => {
  const state = opts.lists[m.kind];
  return mappingPicker({
    tenantId: record.tenantId,
    kind: m.kind,
    key: m.key,
    label: m.label,
    list: state?.list,
    problem: state?.problem,
  });
})}</section>`
    : ''
}
${
  opts.canReplay
    ? html`<form hx-post="/console/records/replay-one" hx-target="#replay-result" class="inline">
<input type="hidden" name="tenant" value="${record.tenantId}"><input type="hidden" name="entityType" value="${record.entityType}">
<input type="hidden" name="externalId" value="${record.externalId}">
<label>Note (optional) <input name="note" id="replay-note" maxlength="1000"></label>
<button type="submit" id="replay-one">Replay this sync</button> <span id="replay-result" aria-live="polite"></span></form>`
    : ''
}
<div ${refresh('record-history')}><section aria-labelledby="events-h"><h2 id="events-h">Events received (${events.length})</h2>
${
  events.length
    ? html`<table><thead><tr><th scope="col">Event id</th><th scope="col">Type</th><th scope="col">Happened</th><th scope="col">Received</th><th scope="col">Processed</th></tr></thead><tbody>
${events.map((e) => html`<tr><td><code>${e.eventId}</code></td><td>${e.type}</td><td>${when(e.occurredAt)}</td><td>${when(e.receivedAt)}</td><td>${e.processedAt ? when(e.processedAt) : 'not yet'}</td></tr>`)}</tbody></table>`
    : html`<p class="muted">No events stored for it.</p>`
}</section>
<section aria-labelledby="attempts-h"><h2 id="attempts-h">Attempts (${plural(attempts.length, 'attempt')}, newest first)</h2>
${
  attempts.length
    ? html`<table><thead><tr><th scope="col" class="num">#</th><th scope="col">Started</th><th scope="col" class="num">Took</th><th scope="col" class="num">Queue wait</th><th scope="col">Outcome</th><th scope="col">Fault</th><th scope="col">Message</th></tr></thead>
<tbody>${attempts.map(attemptRow)}</tbody></table>`
    : html`<p class="muted">No attempts yet.</p>`
}</section></div>`;
}
