#!/usr/bin/env node
// After `npm install`: generate the Prisma client, and make an empty embedded-database
// template so the first `npm start` copies it (about 1 s) instead of running initdb (about 5 s).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const gen = spawnSync(process.execPath, ['scripts/prisma.mjs', 'generate'], { cwd: root, stdio: 'inherit' });
if (gen.status !== 0) process.exit(gen.status ?? 1);

const { embeddedTemplatePath } = await import('./pglite-template.mjs');
const file = embeddedTemplatePath(root);
if (!existsSync(file)) {
  try {
    const { PGlite } = await import('@electric-sql/pglite');
    const db = await PGlite.create();
    const dump = await db.dumpDataDir('gzip');
    await db.close();
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(`${file}.tmp`, Buffer.from(await dump.arrayBuffer()));
    renameSync(`${file}.tmp`, file);
    console.log(`embedded database template written to ${file}`);
  } catch (err) {
    // Only a start-up speed-up: without it the first start runs initdb itself.
    console.warn(`could not make the embedded database template: ${err}`);
  }
}
