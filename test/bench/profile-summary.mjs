// Summarises a V8 .cpuprofile (e.g. from `tsx bench/perf.ts ingest --profile=<file>`):
//   node bench/profile-summary.mjs <file> [--top=25]
// Prints self time by area (our packages, each dependency, node internals, GC, idle) and the inclusive
// time of the heaviest functions, as shares of the profiled wall time.
import { readFileSync } from 'node:fs';

const file = process.argv[2];
if (!file) {
  console.error('usage: node bench/profile-summary.mjs <file.cpuprofile> [--top=25]');
  process.exit(2);
}
const top = Number(process.argv.find((a) => a.startsWith('--top='))?.split('=')[1] ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

/** Where a frame's code lives: a dependency, one of our packages, node itself, or V8's pseudo-frames. */
function area(node) {
  const { url, functionName } = node.callFrame;
  if (!url) {
    if (['(garbage collector)', '(idle)', '(program)', '(root)'].includes(functionName)) return functionName;
    return '(native)';
  }
  const dep = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (dep) return dep[1];
  const ours = /\/(apps|packages|test)\/([^/]+)/.exec(url);
  if (ours) return ours[1] === 'test' ? 'test (bench client)' : `${ours[1]}/${ours[2]}`;
  if (url.startsWith('node:')) return 'node internals';
  return url;
}
const label = (n) =>
  `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.split('/').slice(-2).join('/')}:${n.callFrame.lineNumber + 1}`;

let total = 0;
const self = new Map();
const areas = new Map();
const inclusive = new Map();
profile.samples.forEach((id, i) => {
  const t = profile.timeDeltas[i] ?? 0;
  total += t;
  const node = byId.get(id);
  self.set(label(node), (self.get(label(node)) ?? 0) + t);
  areas.set(area(node), (areas.get(area(node)) ?? 0) + t);
  const seen = new Set();
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const l = label(byId.get(cur));
    if (seen.has(l)) continue;
    seen.add(l);
    inclusive.set(l, (inclusive.get(l) ?? 0) + t);
  }
});
const pct = (t) => `${((100 * t) / total).toFixed(1).padStart(5)}%`;
const ms = (t) => `${(t / 1000).toFixed(0).padStart(6)} ms`;
const show = (title, m, n) => {
  console.log(`\n${title}`);
  for (const [k, t] of [...m].sort((a, b) => b[1] - a[1]).slice(0, n)) console.log(`${pct(t)} ${ms(t)}  ${k}`);
};
console.log(`${file}: ${(total / 1e6).toFixed(2)} s profiled, ${profile.samples.length} samples`);
show('self time by area', areas, 30);
show('self time by function', self, top);
show('inclusive time by function', inclusive, top);
