#!/usr/bin/env node
// Compiles src/main.ts and everything it imports from src/ into one JavaScript module,
// dist/main.mjs, for production (the Dockerfile runs it): packages stay in node_modules, nothing
// is compiled at start. `npm start` and the tests run the TypeScript through tsx instead.
// A process on the bundle starts faster and holds about 80 MB less (BENCHMARKS.md, P5 and P6).
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
await build({
  absWorkingDir: root,
  entryPoints: ['src/main.ts'],
  outfile: 'dist/main.mjs',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
});
console.log('dist/main.mjs written');
