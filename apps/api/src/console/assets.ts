// Static files of the console, all served by this API (the console must work with no CDN reachable): htmx and
// its morph swap (idiomorph) for hypermedia, uPlot for charts, and our own small script and stylesheet.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { consoleBrowser } from './browser.js';
import { CONSOLE_CSS } from './style.js';

export const CONSOLE_SCRIPT_PATH = '/console/app.js';
export const CONSOLE_STYLE_PATH = '/console/app.css';

export const ASSET_PATHS = {
  htmx: '/console/assets/htmx.min.js',
  morph: '/console/assets/idiomorph-ext.min.js',
  uplot: '/console/assets/uPlot.iife.min.js',
  uplotCss: '/console/assets/uPlot.min.css',
} as const;

const VENDOR: Record<string, string> = {
  [ASSET_PATHS.htmx]: 'htmx.org/dist/htmx.min.js',
  [ASSET_PATHS.morph]: 'idiomorph/dist/idiomorph-ext.min.js',
  [ASSET_PATHS.uplot]: 'uplot/dist/uPlot.iife.min.js',
  [ASSET_PATHS.uplotCss]: 'uplot/dist/uPlot.min.css',
};

export interface Asset {
  type: string;
  body: string;
}

/** Every console asset by URL path, read once at start-up (a missing package fails the start, not a page). */
export function loadConsoleAssets(): Map<string, Asset> {
  const require = createRequire(import.meta.url);
  const assets = new Map<string, Asset>();
  for (const [path, spec] of Object.entries(VENDOR)) {
    const type = path.endsWith('.css') ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8';
    assets.set(path, { type, body: readFileSync(require.resolve(spec), 'utf8') });
  }
  assets.set(CONSOLE_SCRIPT_PATH, {
    type: 'text/javascript; charset=utf-8',
    body: `(${consoleBrowser.toString()})();\n`,
  });
  assets.set(CONSOLE_STYLE_PATH, { type: 'text/css; charset=utf-8', body: CONSOLE_CSS });
  return assets;
}
