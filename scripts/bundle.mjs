#!/usr/bin/env node
// Bundles an app's entry into dist/ with esbuild: our workspace packages (TypeScript source) are
// inlined; third-party packages stay external and load from node_modules at run time.
import { build } from 'esbuild';

const entries = process.argv.slice(2);
await build({
  entryPoints: entries,
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
  plugins: [
    {
      name: 'external-third-party',
      setup(b) {
        b.onResolve({ filter: /^[^./]/ }, (args) =>
          args.path.startsWith('@qbo-sync/') ? undefined : { path: args.path, external: true },
        );
      },
    },
  ],
});
