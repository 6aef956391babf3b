// AIDeer's development utilities (/utils/init, /utils/admin, /utils/drop): only when DEBUG is on,
// and never in production; otherwise they do not exist.
import { randomBytes } from 'node:crypto';
import type { Context } from '../../context.js';
import { AppError } from '../../errors.js';
import { builder } from '../../schema/builder.js';

function guard(ctx: Context) {
  if (!ctx.config.DEBUG || ctx.config.production) throw new AppError('NOT_FOUND', 'Not found (debug utilities are off)');
}

const DebugAdmin = builder.objectRef<{ username: string; password: string; created: boolean }>('DebugAdmin').implement({
  fields: (t) => ({ username: t.exposeString('username'), password: t.exposeString('password', { description: 'A new random password, set now.' }), created: t.exposeBoolean('created') }),
});

builder.mutationFields((t) => ({
  debugInit: t.boolean({
    description: 'DEBUG only: checks the database answers and the catalog is seeded.',
    resolve: async (_r, _a, ctx) => {
      guard(ctx);
      return (await ctx.prisma.aiModel.count()) > 0;
    },
  }),
  debugAdmin: t.field({
    type: DebugAdmin,
    description: 'DEBUG only: makes (or resets) the account "admin" an admin with a new random password.',
    resolve: async (_r, _a, ctx) => {
      guard(ctx);
      const password = `Dbg-${randomBytes(9).toString('base64url')}1a`;
      const passwordHash = await ctx.hasher.hash(password);
      const existing = await ctx.prisma.user.findUnique({ where: { username: 'admin' } });
      await ctx.prisma.user.upsert({
        where: { username: 'admin' },
        update: { role: 'admin', passwordHash, disabled: false },
        create: { username: 'admin', role: 'admin', passwordHash, creditAccount: { create: {} } },
      });
      return { username: 'admin', password, created: !existing };
    },
  }),
  debugDrop: t.int({
    description: 'DEBUG only: deletes every account and everything they own (the catalog stays). Returns the accounts deleted.',
    resolve: async (_r, _a, ctx) => {
      guard(ctx);
      return (await ctx.prisma.user.deleteMany({})).count;
    },
  }),
}));
