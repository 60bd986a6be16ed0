// The worker as a real OS process (apps/worker/src/main.ts run through tsx), so a test can SIGKILL it
// mid-sync the way a crashed container or an OOM kill would: no shutdown hook, no lock released.
import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { waitFor } from '@qbo-sync/testkit';

const testRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const WORKER_MAIN = join(testRoot, '..', 'apps', 'worker', 'src', 'main.ts');
export const API_MAIN = join(testRoot, '..', 'apps', 'api', 'src', 'main.ts');

export interface WorkerProcessEnv {
  databaseUrl: string;
  redisUrl: string;
  queuePrefix: string;
  sandboxPort: number;
  concurrency?: number;
  /** BullMQ lock duration: how soon a killed worker's active jobs are seen as stalled and taken over. */
  lockDurationMs?: number;
  sweepIntervalMs?: number;
  /** Extra variables for loadConfig (e.g. the per-realm budget). */
  extra?: Record<string, string>;
}

export interface WorkerProcess {
  readonly name: string;
  readonly pid: number;
  /** Resolves once the process logged "worker started" (its BullMQ workers are consuming). */
  ready(): Promise<void>;
  /** SIGKILL: the process dies at once, whatever it was doing. Resolves once it has exited. */
  kill9(): Promise<void>;
  /** Sends a signal to a running process (SIGUSR2: a diagnostic report, with CHAOS_LOG_DIR). */
  signal(sig: NodeJS.Signals): void;
  readonly exited: boolean;
  /** Resolves when the process exits, however it ends; `killed` says whether kill9() ended it. */
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; killed: boolean }>;
  /** The last lines of its output, for failure messages. */
  tail(lines?: number): string;
}

/**
 * Starts `node --import tsx <entry>` with a clean environment (PATH and HOME only, plus `env`) and keeps
 * the last 400 lines of its output; ready once a line contains `readyText`. Used for workers and the API.
 */
export function spawnNodeProcess(opts: {
  name: string;
  entry: string;
  env: Record<string, string>;
  readyText: string;
  /** The set the process is tracked in while it runs (for killAll). */
  running?: Set<ChildProcess>;
}): WorkerProcess {
  const { name } = opts;
  // With CHAOS_LOG_DIR, SIGUSR2 makes the process write a Node diagnostic report (JS stack, libuv handles) there.
  const dir = process.env.CHAOS_LOG_DIR;
  const diag = dir ? ['--report-on-signal', '--report-signal=SIGUSR2', `--report-directory=${dir}`] : [];
  const proc = spawn(process.execPath, [...diag, '--import', 'tsx', opts.entry], {
    cwd: testRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (proc.pid === undefined) throw new Error(`${name} did not start`);
  opts.running?.add(proc);
  const output: string[] = [];
  let started = false;
  let killed = false;
  let exitCode: number | null | undefined;
  // CHAOS_LOG_DIR=<dir>: every process's whole output is kept there too (the report keeps only tails).
  const logFile = process.env.CHAOS_LOG_DIR ? join(process.env.CHAOS_LOG_DIR, `${name}-${proc.pid}.log`) : undefined;
  const keep = (line: string) => {
    if (logFile) appendFileSync(logFile, `${line}\n`);
    output.push(line);
    if (output.length > 400) output.shift();
    if (line.includes(opts.readyText)) started = true;
  };
  if (proc.stdout) createInterface({ input: proc.stdout }).on('line', keep);
  if (proc.stderr) createInterface({ input: proc.stderr }).on('line', keep);
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; killed: boolean }>((resolve) => {
    proc.on('exit', (code, signal) => {
      exitCode = code ?? (signal ? -1 : null);
      opts.running?.delete(proc);
      resolve({ code, signal, killed });
    });
  });
  const tail = (lines = 30) => output.slice(-lines).join('\n');
  return {
    name,
    pid: proc.pid,
    get exited() {
      return exitCode !== undefined;
    },
    exit,
    tail,
    ready: async () => {
      await waitFor(
        () => {
          if (exitCode !== undefined) throw new Error(`${name} exited (${exitCode}) before it was ready:\n${tail()}`);
          return started;
        },
        { timeoutMs: 60_000, what: `${name} to start` },
      ).catch((err: unknown) => {
        // waitFor reports the last thrown error as a string; keep the process output in the message.
        throw new Error(`${err instanceof Error ? err.message : String(err)}\n${tail()}`);
      });
    },
    signal: (sig: NodeJS.Signals) => {
      if (exitCode === undefined) proc.kill(sig);
    },
    kill9: async () => {
      if (exitCode === undefined) {
        killed = true;
        proc.kill('SIGKILL');
      }
      await exit;
    },
  };
}

/** Starts and tracks worker processes; `killAll()` in afterEach/afterAll leaves none running. */
export class WorkerFleet {
  private readonly running = new Set<ChildProcess>();
  private seq = 0;

  constructor(private readonly env: WorkerProcessEnv) {}

  start(): WorkerProcess {
    const name = `worker-${++this.seq}`;
    const e = this.env;
    return spawnNodeProcess({
      name,
      entry: WORKER_MAIN,
      readyText: '"worker started"',
      running: this.running,
      // A clean environment: nothing from the developer's shell (e.g. Intuit credentials) leaks in.
      env: {
        NODE_ENV: 'test',
        LOG_LEVEL: 'info',
        DATABASE_URL: e.databaseUrl,
        REDIS_URL: e.redisUrl,
        QUEUE_PREFIX: e.queuePrefix,
        SANDBOX_PORT: String(e.sandboxPort),
        WORKER_CONCURRENCY: String(e.concurrency ?? 8),
        WORKER_LOCK_DURATION_MS: String(e.lockDurationMs ?? 2_000),
        SWEEP_INTERVAL_MS: String(e.sweepIntervalMs ?? 250),
        // Several workers run on this machine at once; only one could bind the metrics port.
        WORKER_METRICS_PORT: '0',
        ...e.extra,
      },
    });
  }

  /** Kills every process still running (SIGKILL) and waits for each to exit. */
  async killAll(): Promise<void> {
    const procs = [...this.running];
    await Promise.all(
      procs.map(
        (p) =>
          new Promise<void>((resolve) => {
            if (p.exitCode !== null || p.signalCode !== null) return resolve();
            p.once('exit', () => resolve());
            p.kill('SIGKILL');
          }),
      ),
    );
    this.running.clear();
  }
}
