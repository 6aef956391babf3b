#!/usr/bin/env node
// `npm start` (and start:api, start:worker): compiles the current src/ into dist/main.mjs (a third
// of a second) and runs it in this process, so nothing is compiled module by module at start and
// the process holds less memory than under tsx. Arguments (serve, worker) pass through.
import { buildBundle } from './build.mjs';

await buildBundle();
await import('../dist/main.mjs');
