// The chaos command: `pnpm --filter @qbo-sync/tests chaos -- --events=10000 --tenants=10 --seed=1`.
// Runs the seeded workload under faults (support/run-chaos.ts), prints the fault/outcome tables, writes
// test/chaos/out/chaos-<seed>.{json,md} (and docs/chaos-report.md with --write-docs). Exit 0 only if clean.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { summaryLines, toMarkdown } from './support/report.js';
import {
  CALM_PROFILE,
  CHAOS_OUT_DIR,
  type ChaosOptions,
  FULL_PROFILE,
  runChaos,
  SHORT_PROFILE,
} from './support/run-chaos.js';

const USAGE = `usage: chaos [--profile=full|short|calm] [--seed=N] [--events=N] [--tenants=N] [--workers=N]
             [--pg-stop-ms=N] [--settle-timeout-ms=N] [--void-policy=either|post-and-void|skip] [--write-docs]`;

function parseArgs(argv: string[]) {
  const args = new Map<string, string>();
  for (const a of argv) {
    if (a === '--') continue;
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(a);
    if (!m?.[1]) throw new Error(`unknown argument ${a}\n${USAGE}`);
    args.set(m[1], m[2] ?? 'true');
  }
  return args;
}

const int = (args: Map<string, string>, name: string): number | undefined => {
  const v = args.get(name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new Error(`--${name} must be a whole number, got "${v}"`);
  return Number(v);
};

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const known = new Set([
    'profile',
    'seed',
    'events',
    'tenants',
    'workers',
    'pg-stop-ms',
    'settle-timeout-ms',
    'void-policy',
    'write-docs',
  ]);
  for (const k of args.keys()) if (!known.has(k)) throw new Error(`unknown option --${k}\n${USAGE}`);
  const profiles = { full: FULL_PROFILE, short: SHORT_PROFILE, calm: CALM_PROFILE };
  const profileName = args.get('profile') ?? 'full';
  if (!(profileName in profiles)) throw new Error(`--profile must be full, short or calm\n${USAGE}`);
  const profile = profiles[profileName as keyof typeof profiles];
  const voidPolicy = args.get('void-policy') ?? profile.voidPolicy;
  if (!['either', 'post-and-void', 'skip'].includes(voidPolicy)) throw new Error(`--void-policy: ${USAGE}`);
  const opts: ChaosOptions = {
    ...profile,
    seed: int(args, 'seed') ?? 1,
    events: int(args, 'events') ?? profile.events,
    tenants: int(args, 'tenants') ?? profile.tenants,
    workers: int(args, 'workers') ?? profile.workers,
    pgStopForMs: int(args, 'pg-stop-ms') ?? profile.pgStopForMs,
    settleTimeoutMs: int(args, 'settle-timeout-ms') ?? profile.settleTimeoutMs,
    voidPolicy: voidPolicy as ChaosOptions['voidPolicy'],
    log: (line) => process.stdout.write(`${line}\n`),
  };
  const command = `pnpm --filter @qbo-sync/tests chaos -- ${process.argv
    .slice(2)
    .filter((a) => a !== '--' && a !== '--write-docs')
    .join(' ')}`.trim();
  const report = await runChaos(opts);
  process.stdout.write(`\n${summaryLines(report)}\n`);
  if (report.failures.samples.length > 0) {
    process.stdout.write('\nfailure samples:\n');
    for (const f of report.failures.samples.slice(0, 40))
      process.stdout.write(`  ${f.tenantId} ${f.category} ${f.entity}: ${f.detail}\n`);
  }
  mkdirSync(CHAOS_OUT_DIR, { recursive: true });
  const base = join(CHAOS_OUT_DIR, `chaos-${opts.seed}-${opts.events}x${opts.tenants}`);
  const replacer = (_k: string, v: unknown) => (typeof v === 'bigint' ? v.toString() : v);
  writeFileSync(`${base}.json`, JSON.stringify(report, replacer, 2));
  writeFileSync(`${base}.md`, toMarkdown(report, command));
  process.stdout.write(`\nreport: ${base}.json, ${base}.md\n`);
  if (args.has('write-docs')) {
    const docs = join(CHAOS_OUT_DIR, '..', '..', '..', 'docs', 'chaos-report.md');
    copyFileSync(`${base}.md`, docs);
    process.stdout.write(`copied to ${docs}\n`);
  }
  process.exit(report.passed ? 0 : 1);
}

main().catch((err: unknown) => {
  process.stderr.write(`chaos run failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(2);
});
