// Minimal HTML helpers for the authorize page and the "View in QuickBooks" pages.

export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#222}
h1{color:#2ca01c}pre{background:#f4f5f8;padding:1rem;overflow:auto}button{background:#2ca01c;color:#fff;border:0;padding:.6rem 1.4rem;border-radius:4px;font-size:1rem}
select{font-size:1rem;padding:.3rem}</style></head>
<body>${body}</body></html>`;
}
