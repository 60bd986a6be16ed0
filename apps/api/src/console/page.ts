// The console's page shell: navigation, the scripts (htmx, its morph extension, uPlot, our small script — all
// served by this API, no CDN), and the status words every page uses.
import type { SyncStatus } from '@qbo-sync/contracts';
import { esc, page } from '../admin/html.js';
import { ASSET_PATHS, CONSOLE_SCRIPT_PATH, CONSOLE_STYLE_PATH } from './assets.js';
import { type Html, html, raw } from './html.js';

/** Statuses in the words a support person reads. */
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

export const statusWord = (status: string): string => STATUS_WORDS[status as SyncStatus] ?? status;

/** The console's pages, in navigation order; `path` is each page's shareable URL. */
export const NAV = [
  { id: 'overview', path: '/console', label: 'Overview' },
  { id: 'records', path: '/console/records', label: 'Records' },
  { id: 'failures', path: '/console/failures', label: 'Failures by reason' },
  { id: 'mappings', path: '/console/mappings', label: 'Mappings' },
  { id: 'audit', path: '/console/audit', label: 'Audit log' },
] as const;
export type NavId = (typeof NAV)[number]['id'];

export interface ShellOptions {
  title: string;
  active?: NavId;
  /** Shows the sign-out button (only meaningful with ADMIN_TOKEN and a session). */
  signOut: boolean;
  /** Carried on navigation links, so a person moving between pages stays on the tenant they chose. */
  tenant?: string | undefined;
}

/** A complete console page around `main`. */
export function consoleShell(opts: ShellOptions, main: Html): string {
  const nav = NAV.map((n) => {
    const href = opts.tenant && n.id !== 'overview' ? `${n.path}?tenant=${encodeURIComponent(opts.tenant)}` : n.path;
    return html`<li><a href="${href}"${raw(n.id === opts.active ? ' aria-current="page"' : '')}>${n.label}</a></li>`;
  });
  const body = html`<a class="skip" href="#main">Skip to content</a>
<header><p class="brand">qbo-sync console</p><nav aria-label="Console pages"><ul>${nav}</ul></nav>
<p class="tools"><a href="/admin/queues">Queue dashboard</a> <a href="/docs">API reference</a>
${opts.signOut ? html`<button type="button" id="sign-out">Sign out</button>` : ''}</p></header>
<main id="main" tabindex="-1"><h1>${opts.title}</h1>${main}</main>
<p id="toast" role="status" aria-live="polite"></p>`;
  const head = [
    '<link rel="icon" href="data:,">',
    '<meta name="htmx-config" content=\'{"allowEval":false,"includeIndicatorStyles":false,"defaultSettleDelay":0,"disableInheritance":true}\'>',
    `<link rel="stylesheet" href="${ASSET_PATHS.uplotCss}"><link rel="stylesheet" href="${CONSOLE_STYLE_PATH}">`,
    `<script src="${ASSET_PATHS.htmx}" defer></script><script src="${ASSET_PATHS.morph}" defer></script>`,
    `<script src="${ASSET_PATHS.uplot}" defer></script><script src="${CONSOLE_SCRIPT_PATH}" defer></script>`,
  ].join('');
  return page(`${opts.title} — qbo-sync console`, body.text, head);
}

/** Shown instead of the console until a person signs in with the admin token. */
export function signInPage(problem?: string): string {
  const body = `<h1>qbo-sync console</h1>
<p>Sign in with the deployment's admin token (<code>ADMIN_TOKEN</code>).</p>
${problem ? `<p class="bad">${esc(problem)}</p>` : ''}
<form method="post" action="/admin/session">
<label>Admin token <input type="password" name="token" autocomplete="current-password" required></label>
<button type="submit" id="sign-in">Sign in</button></form>`;
  return page('Sign in — qbo-sync console', body);
}

/** Shown when ADMIN_TOKEN is unset and the browser is not on this machine. */
export function localOnlyPage(message: string): string {
  return page('qbo-sync console', `<h1>qbo-sync console</h1><p class="bad">${esc(message)}</p>`);
}
