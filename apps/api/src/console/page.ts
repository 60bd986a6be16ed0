// The sync console's HTML: one page, no framework; console/client.ts is its script (served at /console/app.js).
import { SyncEntityType, SyncStatus } from '@qbo-sync/contracts';
import { esc, page } from '../admin/html.js';

export const CONSOLE_SCRIPT_PATH = '/console/app.js';

/** Statuses in the words a support person reads; the console script receives the same table. */
export const STATUS_WORDS: Record<SyncStatus, string> = {
  pending: 'Received, not processed yet',
  syncing: 'Syncing now',
  synced: 'In QuickBooks',
  needs_sync: 'Waiting for a manual sync',
  needs_mapping: 'Needs a mapping',
  needs_reconnect: 'Needs a QuickBooks reconnect',
  waiting: 'Waiting for a related record',
  skipped: 'Not sent (draft)',
  conflict: 'Conflict in QuickBooks',
  failed: 'Failed',
  voided: 'Voided',
  drift: 'Changed in QuickBooks',
};

const CONSOLE_STYLE = `header{display:flex;justify-content:space-between;align-items:center;gap:1rem}
nav a,nav button{margin-left:.75rem}
fieldset{border:1px solid #d0d7de;border-radius:6px;margin:1rem 0;padding:.5rem 1rem}
label{margin-right:1rem;white-space:nowrap}
table{border-collapse:collapse;width:100%;margin-top:.5rem}
th,td{border-bottom:1px solid #e5e7eb;padding:.35rem .5rem;text-align:left;vertical-align:top}
tr.selected{background:#eef4ff}
.status{font-weight:600;white-space:nowrap}
.status-synced{color:#1a7f37}.status-needs_sync,.status-skipped,.status-pending,.status-syncing{color:#57606a}
.status-failed,.status-conflict,.status-needs_mapping,.status-needs_reconnect{color:#b42318}
.status-waiting{color:#9a6700}
#message{min-height:1.4em;font-weight:600}
#detail{border:1px solid #d0d7de;border-radius:6px;padding:.5rem 1rem;margin-top:1rem}
.muted{color:#57606a}`;

function options(values: readonly string[], labels: Partial<Record<string, string>> = {}, selected = ''): string {
  return values
    .map((v) => `<option value="${esc(v)}"${v === selected ? ' selected' : ''}>${esc(labels[v] ?? v)}</option>`)
    .join('');
}

/** The console page; `signOut` shows the sign-out button (only meaningful with ADMIN_TOKEN and a session). */
export function consolePage(opts: { signOut: boolean }): string {
  const body = `<header><h1>qbo-sync sync console</h1><nav>
<a href="/admin/queues">Queue dashboard</a><a href="/docs">API reference</a>
${opts.signOut ? '<button type="button" id="sign-out">Sign out</button>' : ''}</nav></header>
<fieldset id="tenant-bar"><legend>Tenant</legend>
<label>Tenant <select id="tenant" name="tenant"></select></label>
<span id="connection" class="muted"></span>
<button type="button" id="connect">Connect QuickBooks</button>
<p id="counts" class="muted"></p></fieldset>
<form id="filters"><fieldset><legend>Find syncs</legend>
<label>Status <select id="status" name="status"><option value="">any</option>${options(
    SyncStatus.options,
    STATUS_WORDS,
    'failed',
  )}</select></label>
<label>Type <select id="entityType" name="entityType"><option value="">any</option>${options(
    SyncEntityType.options,
  )}</select></label>
<label>Changed from <input type="date" id="from" name="from"></label>
<label>to (including) <input type="date" id="to" name="to"></label>
<button type="submit" id="search">Search</button>
<button type="button" id="replay-all">Replay all matching</button>
<button type="button" id="manual-sync" title="For tenants with automatic sync off">Sync everything waiting for a manual sync</button>
</fieldset></form>
<p id="message" role="status" aria-live="polite"></p>
<table id="records"><thead><tr><th>Status</th><th>Type</th><th>Billing id</th><th>Doc #</th><th>Why</th><th>Changed</th><th>Actions</th></tr></thead>
<tbody></tbody></table>
<button type="button" id="more" hidden>Load more</button>
<section id="detail" hidden></section>
<script src="${CONSOLE_SCRIPT_PATH}" defer></script>`;
  return page('qbo-sync console', body, `<style>${CONSOLE_STYLE}</style>`);
}

/** Shown instead of the console until a person signs in with the admin token. */
export function signInPage(problem?: string): string {
  const body = `<h1>qbo-sync sync console</h1>
<p>Sign in with the deployment's admin token (<code>ADMIN_TOKEN</code>).</p>
${problem ? `<p class="bad">${esc(problem)}</p>` : ''}
<form method="post" action="/admin/session">
<label>Admin token <input type="password" name="token" autocomplete="current-password" required></label>
<button type="submit" id="sign-in">Sign in</button></form>`;
  return page('Sign in — qbo-sync console', body);
}

/** Shown when ADMIN_TOKEN is unset and the browser is not on this machine. */
export function localOnlyPage(message: string): string {
  return page('qbo-sync console', `<h1>qbo-sync sync console</h1><p class="bad">${esc(message)}</p>`);
}
