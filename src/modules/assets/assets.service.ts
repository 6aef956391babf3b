// Task results as assets: files in storage with a thumbnail, rows owned by the task's user, and
// signed URLs so that only the owner (who is given the URL) can fetch them, also from <img> tags.
import { createHash, createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Metadata } from 'sharp';
import { loadSharp } from '../../lib/sharp.js';
import type { Deps } from '../../context.js';
import { AppError, badField } from '../../errors.js';
import type { AssetKind, Prisma } from '../../generated/prisma/client.js';
import type { ProviderResult } from '../../providers/types.js';
import { sniffImage } from '../../storage/index.js';

const EXT: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/webp': 'webp',
  'image/gif': 'gif',
  'video/mp4': 'mp4',
  'video/webm': 'webm',
  'text/plain': 'txt',
};

export interface PreparedAsset {
  data: Prisma.AssetCreateManyInput;
  keys: string[];
}

/** A thumbnail of an image (the first frame of an animated one), 256 px on its longer side. */
async function thumbnail(data: Buffer): Promise<{ thumb: Buffer; width?: number; height?: number } | null> {
  const sharp = await loadSharp();
  try {
    const meta = await sharp(data).metadata();
    const thumb = await sharp(data, { pages: 1 }).resize(256, 256, { fit: 'inside', withoutEnlargement: true }).webp({ quality: 75 }).toBuffer();
    return { thumb, width: meta.width, height: meta.pageHeight ?? meta.height };
  } catch {
    return null; // not something sharp reads (e.g. mp4): no thumbnail
  }
}

const shortKey = () => randomBytes(8).toString('base64url');

/**
 * Writes a task's outputs to storage and returns the asset rows to insert, so that the rows can
 * be written in the same transaction that finishes the task.
 */
export async function storeOutputs(
  deps: Pick<Deps, 'storage'>,
  task: { id: number; userId: number; prompt?: string | null },
  result: ProviderResult,
  meta: Record<string, unknown>,
): Promise<PreparedAsset[]> {
  const out: PreparedAsset[] = [];
  type Extra = Omit<Partial<Prisma.AssetCreateManyInput>, 'metadata'> & { metadata?: Record<string, unknown> };
  const put = async (kind: AssetKind, data: Buffer, mime: string, extra: Extra) => {
    const sniffed = kind === 'image' ? sniffImage(data) : null;
    const type = sniffed?.mime ?? mime;
    const ext = (Object.hasOwn(EXT, type) && EXT[type]) || 'bin';
    const id = randomUUID();
    const storageKey = `assets/${task.userId}/${id}.${ext}`;
    await deps.storage.put(storageKey, data);
    const keys = [storageKey];
    let thumbnailKey: string | null = null;
    let width: number | undefined;
    let height: number | undefined;
    if (kind !== 'text') {
      const t = await thumbnail(data);
      if (t) {
        thumbnailKey = `assets/${task.userId}/${id}.thumb.webp`;
        await deps.storage.put(thumbnailKey, t.thumb);
        keys.push(thumbnailKey);
        width = t.width;
        height = t.height;
      }
    }
    out.push({
      keys,
      data: {
        userId: task.userId,
        taskId: task.id,
        kind,
        storageKey,
        shortKey: kind === 'video' ? shortKey() : null,
        fileName: `${kind}-${task.id}-${out.length + 1}.${ext}`,
        mimeType: type,
        size: data.length,
        width: width ?? null,
        height: height ?? null,
        thumbnailKey,
        prompt: task.prompt ?? null,
        ...extra,
        metadata: { ...meta, ...(extra.metadata ?? {}) } as Prisma.InputJsonValue,
      },
    });
  };
  for (const img of result.images ?? []) {
    await put('image', img.data, img.mime, { metadata: { ...(img.seed !== undefined ? { seed: img.seed } : {}), ...(img.styleId !== undefined ? { styleId: img.styleId } : {}) } });
  }
  if (result.video) await put('video', result.video.data, result.video.mime, { durationSec: result.video.durationSec, metadata: { fps: result.video.fps } });
  for (const [i, t] of (result.texts ?? []).entries()) {
    await put('text', Buffer.from(t.text, 'utf8'), 'text/plain', { metadata: { choice: i, finishReason: t.finishReason } });
  }
  return out;
}

/** Removes files written for a result that was not kept. */
export async function discard(deps: Pick<Deps, 'storage'>, assets: PreparedAsset[]) {
  await Promise.all(assets.flatMap((a) => a.keys.map((k) => deps.storage.delete(k).catch(() => {}))));
}

export type Variant = 'file' | 'thumbnail';

const signature = (secret: Uint8Array, id: number, variant: Variant, exp: number) =>
  createHmac('sha256', secret).update(`asset:${id}:${variant}:${exp}`).digest('base64url');

/**
 * A URL of an asset valid until about `ttl` seconds from now. The expiry is rounded up to the
 * hour, so the same URL is handed out for a while and browsers can cache it.
 */
export function signedUrl(deps: Pick<Deps, 'config'>, id: number, variant: Variant = 'file'): string {
  const hour = 3600;
  const exp = Math.ceil((Date.now() / 1000 + deps.config.ASSET_URL_TTL) / hour) * hour;
  const sig = signature(deps.config.jwtSecret, id, variant, exp);
  return `/assets/${id}${variant === 'thumbnail' ? '/thumbnail' : ''}?exp=${exp}&sig=${sig}`;
}

export function verifySignature(deps: Pick<Deps, 'config'>, id: number, variant: Variant, exp: string | null, sig: string | null): boolean {
  if (!exp || !sig || !/^\d+$/.test(exp) || Number(exp) < Date.now() / 1000) return false;
  const want = Buffer.from(signature(deps.config.jwtSecret, id, variant, Number(exp)));
  const got = Buffer.from(sig);
  return want.length === got.length && timingSafeEqual(want, got);
}

/** An input image given as an upload, as base64 or a data URI, or as one of the user's assets. */
export interface ImageSource {
  file?: File | null;
  data?: string | null;
  assetId?: number | null;
}

/**
 * Stores an input image for a task and returns its storage key. Checked by content (PNG, JPEG,
 * WebP or GIF), never by name, and by size; errors name `field`.
 */
export async function storeInputImage(
  deps: Pick<Deps, 'prisma' | 'storage' | 'config'>,
  userId: number,
  src: ImageSource | null | undefined,
  field: string,
): Promise<string | undefined> {
  return (await storeImage(deps, userId, src, field))?.key;
}

export interface StoredImage {
  key: string;
  mime: string;
  size: number;
  width: number | null;
  height: number | null;
}

/**
 * Stores an image given as an upload, base64 / data URI or one of the user's assets: checked by
 * content (the allowed formats), never by name, by size and by decoding it; errors name `field`.
 * Stored under `<prefix>/<sha256>.<ext>`, so the same image is stored once.
 */
export async function storeImage(
  deps: Pick<Deps, 'prisma' | 'storage' | 'config'>,
  userId: number,
  src: ImageSource | null | undefined,
  field: string,
  opts: { maxBytes?: number; formats?: string[]; prefix?: string } = {},
): Promise<StoredImage | undefined> {
  if (!src) return undefined;
  const maxBytes = opts.maxBytes ?? deps.config.UPLOAD_MAX_BYTES;
  const formats = opts.formats ?? ['png', 'jpg', 'webp', 'gif'];
  const names = formats.map((f) => (f === 'jpg' ? 'JPEG' : f.toUpperCase()));
  const given = [src.file, src.data, src.assetId].filter((v) => v !== undefined && v !== null).length;
  if (given === 0) return undefined;
  if (given > 1) throw badField(field, 'give one of file, data or assetId');
  if (src.assetId !== undefined && src.assetId !== null) {
    const a = await deps.prisma.asset.findUnique({ where: { id: src.assetId }, select: { userId: true, kind: true, storageKey: true } });
    if (!a || a.userId !== userId) throw new AppError('NOT_FOUND', `${field}.assetId: asset not found`, { field: `${field}.assetId` });
    if (a.kind !== 'image') throw badField(`${field}.assetId`, 'is not an image');
    // Copied under the input's own name: deleting the asset later leaves the task its input.
    const file = await deps.storage.get(a.storageKey);
    if (!file) throw new AppError('NOT_FOUND', `${field}.assetId: asset not found`, { field: `${field}.assetId` });
    return storeImage(deps, userId, { data: Buffer.from(file.data).toString('base64') }, field, opts);
  }
  const where = src.file ? `${field}.file` : `${field}.data`;
  let bytes: Buffer;
  if (src.file) {
    if (src.file.size > maxBytes) throw tooLarge(where, maxBytes);
    bytes = Buffer.from(await src.file.arrayBuffer());
  } else {
    const text = src.data!.trim();
    const m = /^data:([a-z0-9.+/-]+)?(;base64)?,/i.exec(text);
    const b64 = m ? text.slice(m[0].length) : text;
    if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(b64.replace(/\s+/g, ''))) throw badField(where, 'is not base64 or a data URI');
    if ((b64.length * 3) / 4 > maxBytes + 4) throw tooLarge(where, maxBytes);
    bytes = Buffer.from(b64, 'base64');
    if (bytes.length > maxBytes) throw tooLarge(where, maxBytes);
  }
  if (bytes.length === 0) throw badField(where, 'is empty');
  const kind = sniffImage(bytes);
  if (!kind || !formats.includes(kind.ext)) throw badField(where, `must be a ${names.slice(0, -1).join(', ')}${names.length > 1 ? ' or ' : ''}${names.at(-1)} image`);
  const sharp = await loadSharp();
  let meta: Metadata;
  try {
    meta = await sharp(bytes).metadata();
  } catch {
    throw badField(where, 'could not be decoded as an image');
  }
  // Named by content: the same image gives the same key, so a replayed request (Idempotency-Key)
  // is the same request, and repeated uploads are stored once.
  const key = `${opts.prefix ?? `inputs/${userId}`}/${createHash('sha256').update(bytes).digest('hex')}.${kind.ext}`;
  if (!(await deps.storage.get(key))) await deps.storage.put(key, bytes);
  return { key, mime: kind.mime, size: bytes.length, width: meta.width ?? null, height: meta.height ?? null };
}

const tooLarge = (field: string, max: number) => new AppError('PAYLOAD_TOO_LARGE', `${field}: must be at most ${max} bytes`, { field });
