// The asset library: a user's own assets, listed, found by a URL and deleted.
import type { Deps } from '../../context.js';
import { AppError, badField } from '../../errors.js';
import type { Prisma } from '../../generated/prisma/client.js';

export type AssetTypeFilter = 'all' | 'image' | 'video';
export type AssetSort = 'newest' | 'oldest';

/** The user's assets of a type ("all": every kind, text results included). */
export const whereOf = (userId: number, type: AssetTypeFilter): Prisma.AssetWhereInput => ({
  userId,
  ...(type === 'all' ? {} : { kind: type }),
});

export const orderOf = (sort: AssetSort): Prisma.AssetOrderByWithRelationInput[] => {
  const dir = sort === 'oldest' ? 'asc' : 'desc';
  return [{ createdAt: dir }, { id: dir }];
};

export async function listAssets(deps: Pick<Deps, 'prisma'>, userId: number, type: AssetTypeFilter, sort: AssetSort, page: { offset: number; limit: number }) {
  const where = whereOf(userId, type);
  const [items, total] = await Promise.all([
    deps.prisma.asset.findMany({ where, orderBy: orderOf(sort), skip: page.offset, take: page.limit }),
    deps.prisma.asset.count({ where }),
  ]);
  return { items, total, ...page };
}

const notFoundAt = (field: string) => new AppError('NOT_FOUND', 'Asset not found', { field });

/**
 * Deletes an asset of the user's (its feedback goes with it), then its files. Someone else's
 * asset is not found, like a missing one. A file that cannot be removed is logged, not reported.
 */
export async function deleteAsset(deps: Pick<Deps, 'prisma' | 'storage' | 'log'>, userId: number, id: number, field = 'id'): Promise<boolean> {
  const a = await deps.prisma.asset.findFirst({ where: { id, userId }, select: { storageKey: true, thumbnailKey: true } });
  if (!a || (await deps.prisma.asset.deleteMany({ where: { id, userId } })).count === 0) throw notFoundAt(field);
  const keys = [a.storageKey, a.thumbnailKey].filter((k): k is string => !!k);
  await Promise.all(keys.map((key) => deps.storage.delete(key).catch((err) => deps.log.warn({ err, key, assetId: id }, 'asset file not deleted'))));
  return true;
}

const MAX_ID = 2 ** 31 - 1;

/**
 * The id of the user's asset a URL points at: one this server hands out (`/assets/<id>` or
 * `/assets/<id>/thumbnail`, absolute or relative, signed or not), or a legacy path whose last
 * segment is the asset's file name or the name of one of its stored files
 * (`/static/generated/img_123.png`), or a video's short link (`/video/<short_key>`). Errors name `field`.
 */
export async function assetIdByUrl(deps: Pick<Deps, 'prisma'>, userId: number, raw: string, field = 'url'): Promise<number> {
  const malformed = () => badField(field, 'is not the URL of an asset');
  let path: string;
  try {
    if (!raw.trim() || raw.length > 2048 || /[\u0000-\u001f\u007f]/.test(raw)) throw new Error();
    const u = new URL(raw.trim(), 'http://localhost');
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error();
    path = decodeURIComponent(u.pathname);
  } catch {
    throw malformed();
  }
  // A video's short link (seed 003's `/video/<short_key>`).
  const video = /^\/video\/([\w-]{1,64})\/?$/.exec(path);
  if (video) {
    const a = await deps.prisma.asset.findFirst({ where: { shortKey: video[1], userId }, select: { id: true } });
    if (!a) throw notFoundAt(field);
    return a.id;
  }
  const served = /^\/assets\/(\d+)(?:\/thumbnail)?\/?$/.exec(path);
  if (served) {
    const id = Number(served[1]);
    const a = id > 0 && id <= MAX_ID ? await deps.prisma.asset.findFirst({ where: { id, userId }, select: { id: true } }) : null;
    if (!a) throw notFoundAt(field);
    return a.id;
  }
  const name = path.split('/').at(-1)!;
  if (!/^[\w.-]{1,255}$/.test(name) || /^\.+$/.test(name)) throw malformed();
  // endsWith narrows the search; the exact comparison below does not depend on LIKE escaping.
  const candidates = await deps.prisma.asset.findMany({
    where: { userId, OR: [{ fileName: name }, { storageKey: { endsWith: `/${name}` } }, { thumbnailKey: { endsWith: `/${name}` } }] },
    select: { id: true, fileName: true, storageKey: true, thumbnailKey: true },
    orderBy: { id: 'desc' },
  });
  const base = (key: string | null) => key?.split('/').at(-1);
  const hit = candidates.find((a) => base(a.storageKey) === name || base(a.thumbnailKey) === name) ?? candidates.find((a) => a.fileName === name);
  if (!hit) throw notFoundAt(field);
  return hit.id;
}
