#!/usr/bin/env node
// Compiles src/main.ts and everything it imports from src/ into one JavaScript module,
// dist/main.mjs: packages stay in node_modules, nothing is compiled at start. The Docker image
// builds it once; `npm start` (scripts/start.mjs) builds it before each start; the tests run the
// TypeScript through tsx. A process on the bundle starts sooner and holds about 95 MB less
// (BENCHMARKS.md, P5 and P6).
import { build, stop } from 'esbuild';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = new URL('..', import.meta.url).pathname;

/**
 * Writes dist/main.mjs (and its source map). Each file is written aside and renamed into place:
 * processes started together each build it, and one must never load another's half-written file.
 */
export async function buildBundle() {
  const { outputFiles } = await build({
    write: false,
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
  // The source map first: the module names it.
  for (const file of [...outputFiles].sort((a, b) => Number(a.path.endsWith('.mjs')) - Number(b.path.endsWith('.mjs')))) {
    mkdirSync(dirname(file.path), { recursive: true });
    const aside = `${file.path}.${process.pid}.tmp`;
    writeFileSync(aside, file.contents);
    renameSync(aside, file.path);
  }
  // esbuild's service process would otherwise stay for the life of a server started after it.
  await stop();
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await buildBundle();
  console.log('dist/main.mjs written');
}
