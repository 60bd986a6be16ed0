// Private Redis and PostgreSQL servers for tests that kill, empty or restart them, so the shared 6379/5432 are
// never touched. Redis runs without persistence (a restart comes back empty, as a lost Redis would);
// PostgreSQL lives in a temporary data directory that destroy() deletes.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import { waitFor } from './wait.js';

const run = promisify(execFile);
const PG_BIN = process.env.PG_BIN ?? process.env.CHAOS_PG_BIN ?? '/usr/lib/postgresql/15/bin';

/** A TCP port nobody listens on right now (the OS picks it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export interface OwnRedis {
  url: string;
  port: number;
  /** SIGKILL (keys are lost: nothing is persisted). */
  stop(): Promise<void>;
  /** A fresh, empty server on the same port. */
  start(): Promise<void>;
  /** SIGKILL, then a fresh empty server on the same port: every key is gone. */
  restartEmpty(): Promise<void>;
}

/** `redis-server` as a child process on a free port, without persistence. */
export async function startOwnRedis(): Promise<OwnRedis> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let proc: ChildProcess | undefined;
  const launch = async () => {
    const started = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'],
      { stdio: 'ignore' },
    );
    proc = started;
    await waitFor(
      async () => {
        if (started.exitCode !== null) throw new Error(`redis-server on ${port} exited (${started.exitCode})`);
        const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
        probe.on('error', () => {});
        try {
          await probe.connect();
          return (await probe.ping()) === 'PONG';
        } catch {
          return false;
        } finally {
          probe.disconnect();
        }
      },
      { timeoutMs: 10_000, intervalMs: 50, what: `redis-server on port ${port}` },
    );
  };
  const kill = async () => {
    const p = proc;
    proc = undefined;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once('exit', () => resolve());
      p.kill('SIGKILL');
    });
  };
  await launch();
  return {
    url,
    port,
    stop: kill,
    start: launch,
    async restartEmpty() {
      await kill();
      await launch();
    },
  };
}

export interface OwnPostgres {
  /** Base URL without a database, like TEST_DATABASE_BASE_URL. */
  baseUrl: string;
  port: number;
  /** Fast shutdown: clients are disconnected, new ones refused. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Creates an empty database and answers its URL. */
  createDatabase(name: string): Promise<string>;
  /** Stops the server (if running) and deletes its data directory. */
  destroy(): Promise<void>;
}

/**
 * initdb into a temporary directory and pg_ctl on a free port, trust auth. PostgreSQL refuses to run as
 * root, so as root every command runs as the `postgres` user, with the directory owned by it.
 */
export async function startOwnPostgres(): Promise<OwnPostgres> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'qbo-sync-pg-'));
  const data = join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  const pg = (bin: string, args: string[]) => {
    const cmd = join(PG_BIN, bin);
    return asRoot ? run('runuser', ['-u', 'postgres', '--', cmd, ...args], { cwd: '/tmp' }) : run(cmd, args);
  };
  if (asRoot) {
    const { stdout: uid } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    chownSync(dir, Number(uid.trim()), Number(gid.trim()));
    chmodSync(dir, 0o700);
  }
  await pg('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8']);
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300`;
  const start = async () => {
    await pg('pg_ctl', ['-D', data, '-o', opts, '-l', join(dir, 'log'), '-w', 'start']);
  };
  const stopWith = (mode: 'fast' | 'immediate') => pg('pg_ctl', ['-D', data, '-m', mode, '-w', 'stop']);
  await start();
  const baseUrl = `postgres://postgres@127.0.0.1:${port}`;
  return {
    baseUrl,
    port,
    start,
    stop: async () => {
      await stopWith('fast');
    },
    async createDatabase(name) {
      const admin = postgres(`${baseUrl}/postgres`, { max: 1, onnotice: () => {} });
      try {
        await admin.unsafe(`create database "${name}"`);
      } finally {
        await admin.end({ timeout: 5 });
      }
      return `${baseUrl}/${name}`;
    },
    async destroy() {
      await stopWith('immediate').catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
