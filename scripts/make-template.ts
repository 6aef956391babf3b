// Run by postinstall: an embedded database with the current migrations applied, so the first
// `npm start` copies it (about 1 s) instead of running initdb and migrations (about 5 s).
// It is kept both as a data folder (copied by a first start) and as a tarball (loaded by the
// tests' in-memory databases).
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { embeddedTemplatePath, pgliteRunner } from '../src/db.js';
import { applyMigrations } from '../src/migrate.js';

const { dir, tarball } = embeddedTemplatePath();
const work = `${dir}.tmp${process.pid}`;
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
const db = await PGlite.create(work);
await applyMigrations(pgliteRunner(db));
const dump = await db.dumpDataDir('none');
await db.close();
writeFileSync(`${tarball}.tmp${process.pid}`, Buffer.from(await dump.arrayBuffer()));
renameSync(`${tarball}.tmp${process.pid}`, tarball);
if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
renameSync(work, dir);
console.log(`embedded database template written to ${dir}`);
