import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { printedSchema } from '../src/schema/index.js';
import { testDatabaseUrl } from './helpers/database.js';

const root = new URL('..', import.meta.url);

test('schema.graphql is printed from the current Pothos schema (run `npm run schema:print`)', () => {
  const onDisk = readFileSync(new URL('schema.graphql', root), 'utf8');
  assert.equal(onDisk, printedSchema(), 'schema.graphql is stale: run `npm run schema:print` and `npm run codegen`');
});

test('the typed test documents match schema.graphql (run `npm run codegen`)', () => {
  const r = spawnSync(process.execPath, ['node_modules/@graphql-codegen/cli/cjs/bin.js', '--config', 'codegen.ts', '--check'], {
    cwd: root,
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, `codegen output is stale:\n${r.stdout}\n${r.stderr}`);
});

// Comparing migrations with the schema needs a PostgreSQL server for Prisma's shadow database.
const pgUrl = testDatabaseUrl ?? process.env.DATABASE_URL;
test('prisma/migrations produce exactly prisma/schema.prisma', { skip: pgUrl ? false : 'needs TEST_DATABASE_URL (a PostgreSQL server)' }, () => {
  const r = spawnSync(
    process.execPath,
    ['scripts/prisma.mjs', 'migrate', 'diff', '--from-migrations', 'prisma/migrations', '--to-schema', 'prisma/schema.prisma', '--exit-code'],
    { cwd: root, encoding: 'utf8', env: { ...process.env, DATABASE_URL: pgUrl } },
  );
  assert.equal(r.status, 0, `migrations drift from schema.prisma (exit ${r.status}): create one with \`npm run migrate:dev -- --name <change>\`\n${r.stdout}\n${r.stderr}`);
});
