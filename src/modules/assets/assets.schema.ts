import { createContextCache } from '@pothos/core';
import type { Context, UserViewer } from '../../context.js';
import { AppError } from '../../errors.js';
import { builder } from '../../schema/builder.js';
import { offsetPage } from '../../schema/pages.js';
import { dbId } from '../../schema/ids.js';
import { pageArgs } from '../credits/credits.schema.js';
import { Asset } from '../tasks/tasks.schema.js';
import { signedUrl } from './assets.service.js';
import * as library from './library.service.js';

const myId = (ctx: Context) => (ctx.viewer as UserViewer).user.id;

const AssetTypeFilter = builder.enumType('AssetTypeFilter', {
  description: 'all: every kind (text results included); image or video: only those.',
  values: ['all', 'image', 'video'] as const,
});
const AssetSort = builder.enumType('AssetSort', {
  description: 'By creation time, then id.',
  values: ['newest', 'oldest'] as const,
});

builder.objectField(Asset, 'downloadUrl', (t) =>
  t.string({
    description: 'Like url, but served as an attachment under fileName.',
    resolve: (a, _args, ctx) => `${signedUrl(ctx, a.id)}&download=1`,
  }),
);

/** Inline content is for images and other small files; larger ones are fetched by url. */
const INLINE_MAX_BYTES = 20 * 1024 * 1024;
/** What one request may take inline in all (a list of many assets cannot fill the memory). */
const INLINE_REQUEST_BYTES = 64 * 1024 * 1024;
// Per request, and per event of a subscription (Pothos' context cache: see realtime/subscribe.ts).
const inlined = createContextCache(() => ({ bytes: 0 }));

builder.objectField(Asset, 'base64', (t) =>
  t.string({
    nullable: true,
    description: `The file itself, base64-encoded, for clients that take content inline; null above ${INLINE_MAX_BYTES / 1024 / 1024} MB (use url). At most ${INLINE_REQUEST_BYTES / 1024 / 1024} MB per request.`,
    authScopes: { permission: 'ai:read' },
    resolve: async (a, _args, ctx) => {
      if (a.size > INLINE_MAX_BYTES) return null;
      const quota = inlined(ctx);
      const used = quota.bytes + a.size;
      if (used > INLINE_REQUEST_BYTES) throw new AppError('PAYLOAD_TOO_LARGE', `Inline content is limited to ${INLINE_REQUEST_BYTES / 1024 / 1024} MB per request: use url`, { field: 'base64' });
      quota.bytes = used;
      const file = await ctx.storage.get(a.storageKey);
      return file ? Buffer.from(file.data).toString('base64') : null;
    },
  }),
);

const AssetPage = offsetPage<Awaited<ReturnType<typeof library.listAssets>>>('AssetPage', Asset);

builder.queryFields((t) => {
  const libraryArgs = () => ({
    type: t.arg({ type: AssetTypeFilter, required: false, defaultValue: 'all' }),
    sort: t.arg({ type: AssetSort, required: false, defaultValue: 'newest' }),
  });
  return {
    assets: t.field({
      type: AssetPage,
      description: 'Your asset library (limit 1–100, default 20).',
      authScopes: { permission: 'ai:read' },
      args: { ...libraryArgs(), offset: t.arg.int({ required: false }), limit: t.arg.int({ required: false, defaultValue: 20 }) },
      resolve: (_r, args, ctx) => library.listAssets(ctx, myId(ctx), args.type ?? 'all', args.sort ?? 'newest', pageArgs(args)),
    }),
    assetsConnection: t.prismaConnection({
      type: 'Asset',
      cursor: 'id',
      description: 'Your asset library as a Relay connection.',
      authScopes: { permission: 'ai:read' },
      maxSize: 100,
      defaultSize: 20,
      args: libraryArgs(),
      resolve: (query, _r, args, ctx) =>
        ctx.prisma.asset.findMany({ ...query, where: library.whereOf(myId(ctx), args.type ?? 'all'), orderBy: library.orderOf(args.sort ?? 'newest') }),
      totalCount: (_c, args, ctx) => ctx.prisma.asset.count({ where: library.whereOf(myId(ctx), args.type ?? 'all') }),
    }),
    assetByUrl: t.prismaField({
      type: 'Asset',
      description: 'One of your assets by a URL of it (see deleteAssetByUrl), e.g. a video short link /video/<short_key>.',
      authScopes: { permission: 'ai:read' },
      args: { url: t.arg.string() },
      resolve: async (query, _r, { url }, ctx) =>
        ctx.prisma.asset.findUniqueOrThrow({ ...query, where: { id: await library.assetIdByUrl(ctx, myId(ctx), url) } }),
    }),
  };
});

builder.mutationFields((t) => ({
  deleteAsset: t.boolean({
    description: 'Deletes one of your assets and its files.',
    authScopes: { permission: 'ai:write' },
    args: { id: t.arg.id({ description: 'Global or numeric id.' }) },
    resolve: (_r, { id }, ctx) => library.deleteAsset(ctx, myId(ctx), dbId('Asset', id)),
  }),
  deleteAssetByUrl: t.boolean({
    description: 'Deletes one of your assets by a URL of it: one this API handed out, or a path ending in its file name (legacy /api/delete-image).',
    authScopes: { permission: 'ai:write' },
    args: { url: t.arg.string() },
    resolve: async (_r, { url }, ctx) => library.deleteAsset(ctx, myId(ctx), await library.assetIdByUrl(ctx, myId(ctx), url), 'url'),
  }),
}));
