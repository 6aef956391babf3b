#!/usr/bin/env node
// After `npm install`: generate the Prisma client, then prepare the embedded-database template
// (scripts/make-template.ts) that makes the first `npm start` fast.
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const run = (args) => spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' }).status;
const generated = run(['scripts/prisma.mjs', 'generate']);
if (generated !== 0) process.exit(generated ?? 1);
// Only a start-up speed-up: without the template the first start runs initdb itself.
if (run(['--import', 'tsx', 'scripts/make-template.ts']) !== 0) console.warn('could not make the embedded database template');
