// CPU per small file written, fs.promises.writeFile (a FileHandle and a promise per step) against
// fs.writeFile with callbacks (plain file descriptors), as a worker writes a task's text result.
// 256 writes at a time, each a new file; process.cpuUsage() counts the thread pool too.
//
// Usage: node --import tsx bench/file-writes.ts [files=20000] [rounds=3]
import { writeFile as writeFileCallback } from 'node:fs';
import { mkdtemp, rm, writeFile as writeFilePromise } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const files = Number(process.argv[2] ?? 20000);
const rounds = Number(process.argv[3] ?? 3);
const data = Buffer.from('generated text '.repeat(12));
const callback = promisify(writeFileCallback);
const ways = { 'fs.promises.writeFile': writeFilePromise, 'fs.writeFile (callback)': callback } as const;

console.log(`\n${files} files of ${data.length} bytes, 256 at a time\n`);
console.log('| round | way | CPU per file, user (µs) | CPU per file, user + system (µs) |');
console.log('|---|---|---|---|');
for (let round = 1; round <= rounds; round++) {
  for (const [name, write] of Object.entries(ways)) {
    const dir = await mkdtemp(join(tmpdir(), 'genhub-bench-files-'));
    const before = process.cpuUsage();
    let next = 0;
    await Promise.all(Array.from({ length: 256 }, async () => {
      while (next < files) await write(join(dir, `${next++}.txt`), data);
    }));
    const used = process.cpuUsage(before);
    console.log(`| ${round} | ${name} | ${(used.user / files).toFixed(1)} | ${((used.user + used.system) / files).toFixed(1)} |`);
    await rm(dir, { recursive: true, force: true });
  }
}
