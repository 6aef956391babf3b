#!/usr/bin/env node
// Runs the Prisma CLI. On machines that cannot download Prisma's schema-engine binary, a
// stand-in engine may sit beside the checkout (../shared/tools/prisma-wasm-engine); when it
// exists and PRISMA_SCHEMA_ENGINE_BINARY is unset, point Prisma at it. Everyone else gets
// Prisma's own binary.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const env = { ...process.env };
// generators such as prisma-pothos-types are found on PATH, as under npx
env.PATH = `${resolve(root, 'node_modules/.bin')}:${env.PATH ?? ''}`;
if (!env.PRISMA_SCHEMA_ENGINE_BINARY) {
  const standIn = resolve(root, '../shared/tools/prisma-wasm-engine/schema-engine');
  if (existsSync(standIn)) env.PRISMA_SCHEMA_ENGINE_BINARY = standIn;
}
const cli = resolve(root, 'node_modules/prisma/build/index.js');
const result = spawnSync(process.execPath, [cli, ...process.argv.slice(2)], { stdio: 'inherit', env, cwd: root });
process.exit(result.status ?? 1);
