// Reads a V8 .cpuprofile (node --cpu-prof) and says where the time went: self time per group of code
// (postgres.js, drizzle, zod, BullMQ/ioredis, got/QBO client, pino, ours, GC…), optionally only the samples
// taken inside a window of the system's monotonic clock (the profiler's clock on Linux, as process.hrtime).
// Node's own JavaScript (node:net, node:http…) is charged to the nearest caller outside it, so a socket
// write done for postgres.js counts as postgres.js.
//   npx tsx bench/cpu-profile.ts <file.cpuprofile> [--from=<µs>] [--to=<µs>]
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileBreakdown {
  /** Sampled time inside the window, ms (idle excluded). */
  busyMs: number;
  groups: { group: string; ms: number; pct: number }[];
  top: { fn: string; group: string; ms: number; pct: number }[];
}

const GROUPS: [RegExp, string][] = [
  [/node_modules\/(\.pnpm\/)?postgres[@/]/, 'postgres.js'],
  [/node_modules\/(\.pnpm\/)?drizzle-orm[@/]/, 'drizzle'],
  [/node_modules\/(\.pnpm\/)?zod[@/]/, 'zod'],
  [
    /node_modules\/(\.pnpm\/)?(bullmq|ioredis|@ioredis|msgpackr|cron-parser|redis-parser|cluster-key-slot|denque|standard-as-callback)[@/]/,
    'BullMQ/ioredis',
  ],
  [
    /node_modules\/(\.pnpm\/)?(got|@sindresorhus|cacheable-|http2-wrapper|responselike|lowercase-keys|form-data-encoder|decompress-response|p-cancelable|@szmarczak|normalize-url|keyv|mimic-response|quick-lru|defer-to-connect|get-stream)/,
    'got/QBO client',
  ],
  [/packages\/qbo-client\//, 'got/QBO client'],
  [
    /node_modules\/(\.pnpm\/)?(pino|sonic-boom|thread-stream|fast-redact|quick-format-unescaped|atomic-sleep|on-exit-leak-free|real-require|safe-stable-stringify|pino-std-serializers)[@/-]/,
    'pino',
  ],
  [/node_modules\/(\.pnpm\/)?(tsx|esbuild|get-tsconfig)[@/]/, 'tsx loader'],
  [/node_modules\/(\.pnpm\/)?prom-client[@/]/, 'prom-client'],
  [/node_modules\//, 'other dependencies'],
  [/packages\/db\//, 'ours: packages/db'],
  [/packages\/(sync-core|contracts)\//, 'ours: sync-core/contracts'],
  [/apps\/worker\//, 'ours: worker'],
  [/packages\/|apps\//, 'ours: other packages'],
];

function groupOf(frame: CallFrame): string | undefined {
  const { url, functionName } = frame;
  if (functionName === '(garbage collector)') return 'GC';
  if (functionName === '(idle)') return 'idle';
  if (functionName === '(program)') return 'V8/native (program)';
  if (functionName === '(root)') return 'V8/native (program)';
  if (!url || url.startsWith('node:')) return undefined; // charged to the caller
  for (const [re, g] of GROUPS) if (re.test(url)) return g;
  return 'other';
}

export function analyseProfile(p: Profile, window: { from?: number; to?: number } = {}, topN = 25): ProfileBreakdown {
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of p.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const groupCache = new Map<number, string>();
  const chargedGroup = (id: number): string => {
    const hit = groupCache.get(id);
    if (hit) return hit;
    let cur: number | undefined = id;
    let g: string | undefined;
    while (cur !== undefined && g === undefined) {
      const node = byId.get(cur);
      g = node ? groupOf(node.callFrame) : undefined;
      cur = parent.get(cur);
    }
    const out = g ?? 'node internals (event loop, timers)';
    groupCache.set(id, out);
    return out;
  };
  const selfUs = new Map<number, number>();
  let t = p.startTime;
  for (let i = 0; i < p.samples.length; i++) {
    const dt = p.timeDeltas[i] ?? 0;
    t += dt;
    if (window.from !== undefined && t < window.from) continue;
    if (window.to !== undefined && t > window.to) continue;
    // A sample's time is the gap to the next sample.
    const next = p.timeDeltas[i + 1] ?? 0;
    const id = p.samples[i] as number;
    selfUs.set(id, (selfUs.get(id) ?? 0) + next);
  }
  const groups = new Map<string, number>();
  const fns = new Map<string, { group: string; us: number }>();
  let busy = 0;
  for (const [id, us] of selfUs) {
    const g = chargedGroup(id);
    if (g === 'idle') continue;
    busy += us;
    groups.set(g, (groups.get(g) ?? 0) + us);
    const f = byId.get(id)?.callFrame;
    if (!f) continue;
    const where = f.url
      ? `${f.url.replace(/^.*\/(node_modules\/(\.pnpm\/[^/]+\/node_modules\/)?|work\/wt\/[^/]+\/)/, '')}:${f.lineNumber + 1}`
      : '';
    const key = `${f.functionName || '(anonymous)'} ${where}`.trim();
    const e = fns.get(key) ?? { group: g, us: 0 };
    e.us += us;
    fns.set(key, e);
  }
  const pct = (us: number) => Number(((100 * us) / busy).toFixed(1));
  return {
    busyMs: busy / 1000,
    groups: [...groups]
      .sort((a, b) => b[1] - a[1])
      .map(([group, us]) => ({ group, ms: Number((us / 1000).toFixed(1)), pct: pct(us) })),
    top: [...fns]
      .sort((a, b) => b[1].us - a[1].us)
      .slice(0, topN)
      .map(([fn, e]) => ({ fn, group: e.group, ms: Number((e.us / 1000).toFixed(1)), pct: pct(e.us) })),
  };
}

export async function analyseProfileFile(file: string, window: { from?: number; to?: number } = {}, topN = 25) {
  return analyseProfile(JSON.parse(await readFile(file, 'utf8')) as Profile, window, topN);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: tsx bench/cpu-profile.ts <file.cpuprofile> [--from=<µs>] [--to=<µs>]');
    process.exit(2);
  }
  const num = (name: string) => {
    const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
    return hit ? Number(hit.split('=')[1]) : undefined;
  };
  const from = num('from');
  const to = num('to');
  const b = await analyseProfileFile(file, { ...(from ? { from } : {}), ...(to ? { to } : {}) }, num('top') ?? 40);
  console.log(`busy ${b.busyMs.toFixed(0)} ms`);
  for (const g of b.groups)
    console.log(`${g.pct.toFixed(1).padStart(5)}%  ${g.ms.toFixed(0).padStart(6)} ms  ${g.group}`);
  console.log('');
  for (const f of b.top)
    console.log(`${f.pct.toFixed(1).padStart(5)}%  ${f.ms.toFixed(0).padStart(6)} ms  [${f.group}] ${f.fn}`);
}
