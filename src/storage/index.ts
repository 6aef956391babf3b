// Stored files (avatars, task inputs and results): a local folder by default, S3-compatible by setting (s3.ts).
import { writeFile as writeFileCallback } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { promisify } from 'node:util';

export interface StoredFile {
  data: Buffer;
  contentType: string;
}

export interface Storage {
  put(key: string, data: Uint8Array): Promise<void>;
  get(key: string): Promise<StoredFile | null>;
  delete(key: string): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.mp4': 'video/mp4',
  '.webm': 'video/webm',
  '.txt': 'text/plain; charset=utf-8',
  '.json': 'application/json',
};

/**
 * fs.writeFile with callbacks, as a promise: the same open, write and close, on plain file
 * descriptors instead of a FileHandle object with promises per step: about half the main thread's
 * CPU per file (bench/file-writes.ts: 8–17 µs against 17–35 here), and a worker writes a file for
 * every result.
 */
const writeFile = promisify(writeFileCallback);

export const contentTypeOf = (key: string) => TYPES[extname(key).toLowerCase()] ?? 'application/octet-stream';

export function createLocalStorage(root: string): Storage {
  const pathOf = (key: string) => {
    const p = normalize(join(root, key));
    if (!p.startsWith(normalize(root) + sep)) throw new Error(`invalid storage key: ${key}`);
    return p;
  };
  return {
    async put(key, data) {
      const p = pathOf(key);
      // Folders are made the first time they are missing, not checked on every write.
      try {
        await writeFile(p, data);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        await mkdir(dirname(p), { recursive: true });
        await writeFile(p, data);
      }
    },
    async get(key) {
      try {
        return { data: await readFile(pathOf(key)), contentType: contentTypeOf(key) };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw err;
      }
    },
    async delete(key) {
      await rm(pathOf(key), { force: true });
    },
  };
}

/** Recognizes an image by its first bytes, never by its name. */
export function sniffImage(bytes: Uint8Array): { mime: string; ext: string } | null {
  const b = bytes;
  if (b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47 && b[4] === 0x0d && b[5] === 0x0a && b[6] === 0x1a && b[7] === 0x0a)
    return { mime: 'image/png', ext: 'png' };
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return { mime: 'image/jpeg', ext: 'jpg' };
  if (b.length >= 12 && String.fromCharCode(...b.subarray(0, 4)) === 'RIFF' && String.fromCharCode(...b.subarray(8, 12)) === 'WEBP')
    return { mime: 'image/webp', ext: 'webp' };
  if (b.length >= 6 && ['GIF87a', 'GIF89a'].includes(String.fromCharCode(...b.subarray(0, 6)))) return { mime: 'image/gif', ext: 'gif' };
  return null;
}
