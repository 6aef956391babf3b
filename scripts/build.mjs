#!/usr/bin/env node
// Compiles src/main.ts and everything it imports from src/ into one JavaScript module,
// dist/main.mjs: packages stay in node_modules, nothing is compiled at start. The Docker image
// builds it once; `npm start` (scripts/start.mjs) builds it before each start; the tests run the
// TypeScript through tsx. A process on the bundle starts sooner and holds about 95 MB less
// (BENCHMARKS.md, P5 and P6).
import { build, stop } from 'esbuild';
import { pathToFileURL } from 'node:url';

const root = new URL('..', import.meta.url).pathname;

/** Writes dist/main.mjs. */
export async function buildBundle() {
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
  // esbuild's service process would otherwise stay for the life of a server started after it.
  await stop();
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await buildBundle();
  console.log('dist/main.mjs written');
}
