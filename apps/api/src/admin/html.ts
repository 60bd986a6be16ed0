// Small server-rendered pages (OAuth callback, console sign-in). Every interpolated value goes through esc().

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function esc(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

export const PAGE_STYLE = `body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#1d2433}
h1{font-size:1.4rem}.ok{color:#1a7f37}.bad{color:#b42318}code{background:#f1f3f5;padding:0 .25rem;border-radius:3px}`;

/** A complete HTML document; `body` must already be escaped. */
export function page(title: string, body: string, head = ''): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}</title><style>${PAGE_STYLE}</style>${head}</head>
<body>${body}</body></html>`;
}
