// The local QBO sandbox as its own process, for the benchmarks (as in production, QBO is not in our process).
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SandboxEndpoint } from '../support/harness.js';

const here = dirname(fileURLToPath(import.meta.url));

/** The local QBO sandbox as its own process (as in production, QBO is not in our process). */
export async function sandboxProcess(): Promise<SandboxEndpoint & { pid: number }> {
  const main = join(here, '..', '..', 'apps', 'qbo-sandbox', 'src', 'main.ts');
  // `node --import tsx`: one process (the tsx binary adds a loader process), so its CPU is readable.
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', main], {
    cwd: join(here, '..'),
    env: { ...process.env, SANDBOX_PORT: '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`sandbox exited (${code}) before listening: ${out}`)));
  });
  return {
    url,
    pid: child.pid ?? 0,
    port: Number(new URL(url).port),
    close: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      // A request still open keeps the sandbox's graceful close waiting (seen after the memory figure, which
      // then ended with Node's exit code 13); a benchmark's teardown does not wait for it.
      const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(force);
    },
  };
}
