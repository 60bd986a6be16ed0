// Private Redis and PostgreSQL servers for tests that kill them: the shared 6379/5432 are never touched.
// Redis runs without persistence (a restart comes back empty, as a lost Redis would); PostgreSQL lives in
// a temporary data directory that close() deletes.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from '@qbo-sync/testkit';
import { Redis } from 'ioredis';

const run = promisify(execFile);
const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';

/** A TCP port nobody listens on right now. */
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
  /** SIGKILL, then a fresh empty server on the same port: every key is gone. */
  restartEmpty(): Promise<void>;
  /** SIGKILL (keys are lost: nothing is persisted). */
  stop(): Promise<void>;
  /** A fresh, empty server on the same port. */
  start(): Promise<void>;
}

export async function startOwnRedis(): Promise<OwnRedis> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let proc: ChildProcess | undefined;
  const launch = async () => {
    proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    try {
      await waitFor(
        () =>
          probe
            .connect()
            .then(() => probe.ping().then((p) => p === 'PONG'))
            .catch(() => false),
        {
          timeoutMs: 10_000,
          intervalMs: 50,
          what: `redis-server on ${port}`,
        },
      );
    } finally {
      probe.disconnect();
    }
  };
  const kill = async () => {
    const p = proc;
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
    async restartEmpty() {
      await kill();
      await launch();
    },
    stop: kill,
    start: launch,
  };
}

export interface OwnPostgres {
  /** Base URL without a database, like TEST_DATABASE_BASE_URL. */
  baseUrl: string;
  port: number;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server and deletes its data directory. */
  destroy(): Promise<void>;
}

/**
 * initdb into a temporary directory and pg_ctl on a free port, trust auth. PostgreSQL refuses to run as
 * root, so as root the server runs as the `postgres` user (runuser).
 */
export async function startOwnPostgres(): Promise<OwnPostgres> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'qbo-sync-pg-'));
  const data = join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  const pg = async (bin: string, args: string[]) => {
    const cmd = join(PG_BIN, bin);
    return asRoot ? run('runuser', ['-u', 'postgres', '--', cmd, ...args]) : run(cmd, args);
  };
  if (asRoot) await run('chown', ['postgres', dir]);
  await pg('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
  const start = async () => {
    await pg('pg_ctl', ['-D', data, '-o', opts, '-l', join(dir, 'log'), '-w', 'start']);
  };
  const stop = async () => {
    await pg('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']).catch(() => undefined);
  };
  await start();
  return {
    baseUrl: `postgres://postgres@127.0.0.1:${port}`,
    port,
    start,
    stop,
    async destroy() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
