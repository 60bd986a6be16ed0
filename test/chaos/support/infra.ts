// Private Redis and PostgreSQL instances for chaos runs: separately started servers on free ports that a
// run may kill, empty or stop, so the shared services on 6379/5432 are never touched.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from '@qbo-sync/testkit';
import { Redis } from 'ioredis';
import postgres from 'postgres';

const run = promisify(execFile);
const PG_BIN = process.env.CHAOS_PG_BIN ?? '/usr/lib/postgresql/15/bin';

/** A TCP port nobody listens on right now (the OS picks it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** `redis-server` as a child process without persistence: a restart comes back EMPTY. */
export class PrivateRedis {
  private proc: ChildProcess | undefined;
  private constructor(readonly port: number) {}

  static async start(): Promise<PrivateRedis> {
    const r = new PrivateRedis(await freePort());
    await r.launch();
    return r;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  private async launch(): Promise<void> {
    const proc = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'],
      { stdio: 'ignore' },
    );
    this.proc = proc;
    await waitFor(
      async () => {
        if (proc.exitCode !== null) throw new Error(`redis-server on ${this.port} exited (${proc.exitCode})`);
        const c = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
        c.on('error', () => {});
        try {
          await c.connect();
          return (await c.ping()) === 'PONG';
        } catch {
          return false;
        } finally {
          c.disconnect();
        }
      },
      { timeoutMs: 10_000, intervalMs: 50, what: `redis-server on port ${this.port}` },
    );
  }

  /** SIGKILL: everything in memory is gone. */
  async kill(): Promise<void> {
    const p = this.proc;
    this.proc = undefined;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once('exit', () => resolve());
      p.kill('SIGKILL');
    });
  }

  /** Starts a fresh, empty server on the same port. */
  async restart(): Promise<void> {
    await this.kill();
    await this.launch();
  }

  async stop(): Promise<void> {
    await this.kill();
  }
}

/**
 * A PostgreSQL cluster of its own (initdb into a temp dir, pg_ctl on a free port). initdb refuses to run
 * as root, so as root every command runs as the `postgres` user with the directory owned by it.
 */
export class PrivatePostgres {
  private constructor(
    readonly port: number,
    readonly dir: string,
  ) {}

  static async start(): Promise<PrivatePostgres> {
    const dir = mkdtempSync(join(tmpdir(), 'qbo-chaos-pg-'));
    const pg = new PrivatePostgres(await freePort(), dir);
    if (process.getuid?.() === 0) {
      const { stdout } = await run('id', ['-u', 'postgres']);
      const { stdout: gid } = await run('id', ['-g', 'postgres']);
      chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
      chmodSync(dir, 0o700);
    }
    await pg.exec('initdb', ['-D', pg.dataDir, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8']);
    await pg.start();
    return pg;
  }

  get dataDir(): string {
    return join(this.dir, 'data');
  }

  /** Base URL without a database name (createTestDatabase style). */
  get baseUrl(): string {
    return `postgres://postgres@127.0.0.1:${this.port}`;
  }

  private exec(bin: string, args: string[]) {
    const cmd = join(PG_BIN, bin);
    return process.getuid?.() === 0
      ? run('runuser', ['-u', 'postgres', '--', cmd, ...args], { cwd: '/tmp' })
      : run(cmd, args);
  }

  async start(): Promise<void> {
    const opts = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300`;
    await this.exec('pg_ctl', ['-D', this.dataDir, '-l', join(this.dir, 'log'), '-o', opts, '-w', 'start']);
  }

  /** Stops the server (fast shutdown: clients are disconnected, new ones refused). */
  async stop(): Promise<void> {
    await this.exec('pg_ctl', ['-D', this.dataDir, '-m', 'fast', '-w', 'stop']);
  }

  async createDatabase(name: string): Promise<string> {
    const admin = postgres(`${this.baseUrl}/postgres`, { max: 1, onnotice: () => {} });
    try {
      await admin.unsafe(`create database "${name}"`);
    } finally {
      await admin.end({ timeout: 5 });
    }
    return `${this.baseUrl}/${name}`;
  }

  /** Stops the server (if running) and removes its directory. */
  async destroy(): Promise<void> {
    await this.exec('pg_ctl', ['-D', this.dataDir, '-m', 'immediate', '-w', 'stop']).catch(() => {});
    rmSync(this.dir, { recursive: true, force: true });
  }
}
