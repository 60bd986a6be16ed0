#!/usr/bin/env node
// Bundles an app's entry into dist/ with esbuild. Our workspace packages (TypeScript source) are inlined;
// third-party packages stay external, imported by the absolute path esbuild resolves from the file that
// imports them — with pnpm's strict node_modules an inlined package's dependency is only reachable from
// that package's own folder, not from the app's.
import { build } from 'esbuild';

const SKIP = Symbol('resolving');
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
        b.onResolve({ filter: /^[^./]/ }, async (args) => {
          if (args.path.startsWith('@qbo-sync/') || args.path.startsWith('node:') || args.pluginData === SKIP) {
            return undefined;
          }
          const resolved = await b.resolve(args.path, {
            kind: args.kind,
            resolveDir: args.resolveDir,
            importer: args.importer,
            pluginData: SKIP,
          });
          if (resolved.errors.length > 0 || !resolved.path) return { path: args.path, external: true };
          return { path: resolved.path, external: true };
        });
      },
    },
  ],
});
