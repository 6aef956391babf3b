#!/usr/bin/env node
// Runs the test suite with node's test runner: every test/**/*.test.ts, one file at a time
// (each file starts its own server and database). Arguments narrow it to matching paths.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const walk = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? (d.name === 'gql' ? [] : walk(join(dir, d.name))) : d.name.endsWith('.test.ts') ? [join(dir, d.name)] : [],
  );
const filters = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const flags = process.argv.slice(2).filter((a) => a.startsWith('-'));
const files = walk(join(root, 'test'))
  .map((f) => relative(root, f))
  .filter((f) => !filters.length || filters.some((p) => f.includes(p)))
  .sort();
if (!files.length) {
  console.error('no test files match', filters);
  process.exit(1);
}
const reporter = process.env.CI ? ['--test-reporter=spec'] : [];
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...reporter, ...flags, ...files], {
  stdio: 'inherit',
  cwd: root,
});
process.exit(r.status ?? 1);
