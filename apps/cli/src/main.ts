#!/usr/bin/env node
import { dirname, join, relative } from 'node:path';
// Process entry of `qbo-sync`: runs one command line and exits with its code (0 ok, 1 failure, 2 usage).
import { text } from 'node:stream/consumers';
import { fileURLToPath } from 'node:url';
import { runCli } from './cli.js';
import { streamOutput } from './output.js';

// src/main.ts and the bundled dist/main.js both sit one level below the package root.
const here = dirname(fileURLToPath(import.meta.url));
const script = process.argv[1] ?? join(here, 'main.js');
const rel = relative(process.cwd(), script);
const invocation = process.env.QBO_SYNC_INVOCATION ?? (rel.startsWith('..') ? `node ${script}` : `node ${rel}`);

// `qbo-sync status demo | head`: the reader went away; stop quietly as other Unix tools do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

process.exitCode = await runCli(process.argv.slice(2), {
  env: process.env,
  out: streamOutput(process.stdout, process.stderr),
  examplesDir: join(here, '..', 'examples'),
  invocation,
  readStdin: () => text(process.stdin),
});
