// The console's stylesheet (served at /console/app.css). Colours keep WCAG AA contrast on white.
export const CONSOLE_CSS = `
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#fff;padding:.25rem .5rem;z-index:10}
header{display:flex;flex-wrap:wrap;justify-content:space-between;align-items:center;gap:.5rem 1rem;border-bottom:1px solid #d0d7de}
.brand{font-weight:700;margin:.5rem 0}
nav ul{list-style:none;display:flex;flex-wrap:wrap;gap:.25rem 1rem;margin:0;padding:0}
nav a[aria-current="page"]{font-weight:700;text-decoration:none;border-bottom:3px solid #0b5cad}
.tools a,.tools button{margin-left:.75rem}
a{color:#0b5cad}
:focus-visible{outline:3px solid #0b5cad;outline-offset:2px}
fieldset{border:1px solid #d0d7de;border-radius:6px;margin:1rem 0;padding:.5rem 1rem}
label{margin-right:1rem;white-space:nowrap}
table{border-collapse:collapse;width:100%;margin-top:.5rem}
th,td{border-bottom:1px solid #e5e7eb;padding:.35rem .5rem;text-align:left;vertical-align:top}
th.num,td.num{text-align:right;font-variant-numeric:tabular-nums}
.status{font-weight:600;white-space:nowrap}
.status-synced,.good{color:#1a7f37}.status-needs_sync,.status-skipped,.status-pending,.status-syncing,.status-voided,.muted{color:#57606a}
.status-failed,.status-conflict,.status-needs_mapping,.status-needs_reconnect,.status-retrying,.bad{color:#b42318}
.status-waiting,.warn{color:#8a5a00}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(14rem,1fr));gap:1rem}
.card{border:1px solid #d0d7de;border-radius:6px;padding:.5rem 1rem}
.card h2,.card h3{font-size:1rem;margin:.25rem 0}
.big{font-size:1.6rem;font-weight:700;margin:.25rem 0}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(20rem,1fr));gap:1rem}
figure{margin:0}.plot{min-height:180px}
.note{background:#fff8c5;border:1px solid #d4a72c;border-radius:6px;padding:.5rem 1rem}
.confirm{background:#eef4ff;border:1px solid #0b5cad;border-radius:6px;padding:.5rem 1rem;margin:.5rem 0}
#toast{min-height:1.4em;font-weight:600;color:#1a7f37}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}dl.facts dt{font-weight:600}
ol.timeline{list-style:none;padding:0;border-left:3px solid #d0d7de}
ol.timeline li{margin:0 0 .75rem 0;padding-left:1rem}
.htmx-request .busy-hide{display:none}.busy{display:none}.htmx-request .busy,.htmx-request.busy{display:inline}
progress{width:16rem}
`;
