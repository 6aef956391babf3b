import { builder } from '../../schema/builder.js';
import { offsetPage } from '../../schema/pages.js';
import { dbId } from '../../schema/ids.js';
import type { Context, UserViewer } from '../../context.js';
import * as users from './users.service.js';

export const Role = builder.enumType('Role', { values: ['user', 'admin'] as const });
export const Tier = builder.enumType('Tier', { values: ['free', 'basic', 'pro', 'enterprise'] as const });

export const User = builder.prismaNode('User', {
  id: { field: 'id' },
  fields: (t) => ({
    databaseId: t.exposeInt('id', { description: 'The numeric id used by the REST APIs.' }),
    username: t.exposeString('username'),
    email: t.exposeString('email', { nullable: true }),
    name: t.exposeString('name', { nullable: true }),
    fullName: t.exposeString('fullName', { nullable: true }),
    phoneNumber: t.exposeString('phoneNumber', { nullable: true }),
    avatarUrl: t.exposeString('avatar', { nullable: true }),
    metadata: t.expose('metadata', { type: 'JSON' }),
    role: t.expose('role', { type: Role }),
    tier: t.expose('tier', { type: Tier }),
    disabled: t.exposeBoolean('disabled'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    lastLoginAt: t.expose('lastLoginAt', { type: 'DateTime', nullable: true }),
  }),
  // A user node is visible to that user and to admins only.
  authScopes: (user, ctx) =>
    ctx.signedIn.has(user.id) || (ctx.viewer.kind === 'user' && ctx.viewer.user.id === user.id) ? true : { admin: true },
});

const UserPage = offsetPage<Awaited<ReturnType<typeof users.listUsers>>>('UserPage', User, 'A page of users in offset/limit form.');

const profileFields = (t: any) => ({
  name: t.string({ required: false }),
  fullName: t.string({ required: false }),
  phoneNumber: t.string({ required: false }),
  avatar: t.string({ required: false, description: 'An avatar image URL.' }),
  metadata: t.field({ type: 'JSON', required: false }),
});

export const RegisterInput = builder.inputType('RegisterInput', {
  fields: (t) => ({
    username: t.string({ description: '3–30 letters, digits or underscores.' }),
    email: t.string(),
    password: t.string({ description: 'At least 8 characters with an uppercase letter, a lowercase letter and a digit.' }),
    ...profileFields(t),
  }),
});

const UpdateProfileInput = builder.inputType('UpdateProfileInput', {
  fields: (t) => ({ username: t.string({ required: false }), email: t.string({ required: false }), ...profileFields(t) }),
});

const AdminUpdateUserInput = builder.inputType('AdminUpdateUserInput', {
  fields: (t) => ({
    username: t.string({ required: false }),
    email: t.string({ required: false }),
    ...profileFields(t),
    role: t.field({ type: Role, required: false }),
    tier: t.field({ type: Tier, required: false }),
    disabled: t.boolean({ required: false }),
  }),
});

const AdminCreateUserInput = builder.inputType('AdminCreateUserInput', {
  fields: (t) => ({
    username: t.string(),
    email: t.string(),
    password: t.string(),
    ...profileFields(t),
    role: t.field({ type: Role, required: false }),
    tier: t.field({ type: Tier, required: false }),
  }),
});

const me = (ctx: { viewer: unknown }) => ctx.viewer as UserViewer;

/** Tells the user's viewerUpdated subscribers that their account changed. */
function announced<U extends { id: number }>(ctx: Context, user: U): U {
  ctx.pubsub.publish('user:updated', user.id, { userId: user.id });
  return user;
}

builder.queryFields((t) => ({
  me: t.prismaField({
    type: 'User',
    description: 'The signed-in user.',
    authScopes: { authenticated: true },
    // A query with no relation to load is answered from the user its credential was read with.
    resolve: (query, _root, _args, ctx, info) =>
      info.operation.operation === 'query' && !Object.keys((query as { include?: object }).include ?? {}).length && !(query as { select?: object }).select
        ? me(ctx).user
        : ctx.prisma.user.findUniqueOrThrow({ ...query, where: { id: me(ctx).user.id } }),
  }),
  user: t.prismaField({
    type: 'User',
    description: 'Admin: one user by global or numeric id.',
    authScopes: { admin: true },
    args: { id: t.arg.id() },
    resolve: async (_query, _root, args, ctx) => users.getUser(ctx, dbId('User', args.id)),
  }),
  users: t.field({
    type: UserPage,
    description: 'Admin: users by offset and limit (limit 1–100, default 10).',
    authScopes: { admin: true },
    args: { offset: t.arg.int({ required: false }), limit: t.arg.int({ required: false, defaultValue: 10 }) },
    resolve: (_root, args, ctx) => users.listUsers(ctx, args),
  }),
  usersConnection: t.prismaConnection({
    type: 'User',
    cursor: 'id',
    description: 'Admin: users as a Relay connection, oldest first.',
    authScopes: { admin: true },
    maxSize: 100,
    defaultSize: 20,
    resolve: (query, _root, _args, ctx) => ctx.prisma.user.findMany({ ...query, orderBy: { id: 'asc' } }),
    totalCount: (_conn, _args, ctx) => ctx.prisma.user.count(),
  }),
}));

builder.mutationFields((t) => ({
  updateProfile: t.field({
    type: User,
    authScopes: { authenticated: true },
    args: { input: t.arg({ type: UpdateProfileInput }) },
    resolve: async (_root, args, ctx) => announced(ctx, await users.updateProfile(ctx, me(ctx).user.id, args.input)),
  }),
  uploadAvatar: t.field({
    type: User,
    description: 'Sets the avatar from an uploaded PNG, JPEG, WebP or GIF image.',
    authScopes: { authenticated: true },
    args: { file: t.arg({ type: 'File' }) },
    resolve: async (_root, args, ctx) => announced(ctx, await users.setAvatar(ctx, me(ctx).user.id, args.file)),
  }),
  createUser: t.field({
    type: User,
    description: 'Admin: creates an account.',
    authScopes: { admin: true },
    args: { input: t.arg({ type: AdminCreateUserInput }) },
    resolve: (_root, args, ctx) => users.createUser(ctx, args.input, { admin: true }),
  }),
  updateUser: t.field({
    type: User,
    description: 'Admin: changes a profile, role, tier or the disabled flag (disabling ends the sessions).',
    authScopes: { admin: true },
    args: { id: t.arg.id(), input: t.arg({ type: AdminUpdateUserInput }) },
    resolve: async (_root, args, ctx) => announced(ctx, await users.adminUpdateUser(ctx, dbId('User', args.id), args.input)),
  }),
  deleteUser: t.boolean({
    description: 'Admin: deletes an account and everything it owns.',
    authScopes: { admin: true },
    args: { id: t.arg.id() },
    resolve: (_root, args, ctx) => users.deleteUser(ctx, me(ctx), dbId('User', args.id)),
  }),
}));

builder.subscriptionFields((t) => ({
  viewerUpdated: t.field({
    type: User,
    description: "The signed-in user's account, each time it changes.",
    authScopes: { authenticated: true },
    subscribe: (_root, _args, ctx) => ctx.pubsub.subscribe('user:updated', me(ctx).user.id),
    resolve: (payload, _args, ctx) => users.getUser(ctx, payload.userId),
  }),
}));
