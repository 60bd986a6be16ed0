#!/usr/bin/env node
// Entry point behind `npm start` and `npm test`: needs only node and npm on PATH.
// Finds pnpm (or runs it through npx), installs, makes sure Redis and PostgreSQL answer,
// then runs the test suite or starts the system.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const PNPM_VERSION = '10.34.9';
const mode = process.argv[2];

function has(cmd, args = ['--version']) {
  try {
    execFileSync(cmd, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const pnpm = has('pnpm') ? ['pnpm'] : ['npx', '-y', `pnpm@${PNPM_VERSION}`];

/** Runs pnpm with output passed through; with `capture`, also returns what it printed. */
function runCapturing(args) {
  const [cmd, ...rest] = [...pnpm, ...args];
  return new Promise((resolve) => {
    const child = spawn(cmd, rest, {
      cwd: root,
      stdio: ['inherit', 'pipe', 'inherit'],
      env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' },
    });
    let out = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      out += chunk;
    });
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), out }));
  });
}

/** Adds up jest's "Tests: …" lines of every package into one plain closing line. */
function summarize(out) {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for (const m of out.matchAll(/Tests:\s+(.*?)\d+ total/g)) {
    const part = (word) => Number(new RegExp(`(\\d+) ${word}`).exec(m[1])?.[1] ?? 0);
    passed += part('passed');
    failed += part('failed');
    skipped += part('skipped') + part('todo');
  }
  return `tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`;
}

function run(args, extraEnv = {}) {
  const [cmd, ...rest] = [...pnpm, ...args];
  const res = spawnSync(cmd, rest, {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1', ...extraEnv },
  });
  if (res.status !== 0) {
    console.error(`\n✗ ${[cmd, ...rest].join(' ')} failed (exit ${res.status ?? res.signal}).`);
    process.exit(res.status ?? 1);
  }
}

function ensureServices() {
  const res = spawnSync('bash', [join(root, 'infra/ensure-services.sh')], { stdio: 'inherit' });
  if (res.status !== 0) {
    console.error(
      '\n✗ Redis and PostgreSQL must be reachable (REDIS_URL, DATABASE_URL). ' +
        'Start them with `docker compose -f infra/compose.yaml up -d`, or install redis-server and postgresql.',
    );
    process.exit(1);
  }
}

/** The console's browser tests drive the system's Chromium (playwright-core); installed here when absent. */
function ensureChromium() {
  const res = spawnSync('bash', [join(root, 'infra/ensure-chromium.sh')], { stdio: 'inherit' });
  if (res.status !== 0) {
    console.error('\n✗ The browser tests need Chromium (apt-get install -y chromium, or set CHROMIUM_PATH).');
    process.exit(1);
  }
}

const frozen = process.env.CI ? ['--frozen-lockfile'] : ['--prefer-offline'];
if (mode === 'test') {
  run(['install', ...frozen]);
  ensureServices();
  ensureChromium();
  // One formatter/linter over the whole tree (root scripts and config included), then per-package tasks.
  run(['biome', 'check', '.']);
  run(['turbo', 'run', 'typecheck', 'lint', '--output-logs=errors-only']);
  // Integration suites share one PostgreSQL and Redis; run packages one after another (each isolates by db/prefix).
  const { code, out } = await runCapturing([
    'turbo',
    'run',
    'test',
    '--concurrency=1',
    '--continue',
    '--output-logs=full',
  ]);
  console.log(`\n${summarize(out)}`);
  process.exit(code);
} else if (mode === 'start') {
  run(['install', ...frozen]);
  ensureServices();
  run(['turbo', 'run', 'build', '--filter=./apps/*', '--output-logs=errors-only']);
  const res = spawnSync(process.execPath, [join(root, 'scripts/start-all.mjs')], { stdio: 'inherit', cwd: root });
  process.exit(res.status ?? 0);
} else {
  console.error('usage: node scripts/run.mjs start|test');
  process.exit(2);
}
