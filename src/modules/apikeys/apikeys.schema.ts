import type { Context, UserViewer } from '../../context.js';
import { builder } from '../../schema/builder.js';
import * as keys from './apikeys.service.js';

const userId = (ctx: Context) => (ctx.viewer as UserViewer).user.id;

export const ApiKey = builder.prismaObject('ApiKey', {
  description: 'An API key: send it as `X-API-Key` or `Authorization: Bearer sk_…`. Its secret is shown only when created.',
  fields: (t) => ({
    id: t.exposeString('id', { description: 'The first characters of the secret.' }),
    name: t.exposeString('name'),
    permissions: t.exposeStringList('scopes', { description: `Any of ${keys.PERMISSIONS.join(', ')}.` }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', nullable: true }),
    lastUsedAt: t.field({
      type: 'DateTime',
      nullable: true,
      resolve: (k, _a, ctx) => {
        const p = ctx.keyUsage.pending(k.id);
        return p && (!k.lastUsedAt || p.lastUsedAt > k.lastUsedAt) ? p.lastUsedAt : k.lastUsedAt;
      },
    }),
    usageCount: t.int({ description: 'Requests made with it (this instance’s last second included).', resolve: (k, _a, ctx) => k.usageCount + (ctx.keyUsage.pending(k.id)?.count ?? 0) }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

const ApiKeyCreated = builder.objectRef<{ key: string; apiKey: any }>('ApiKeyCreated').implement({
  fields: (t) => ({
    key: t.exposeString('key', { description: 'The secret: save it now, it is not shown again.' }),
    apiKey: t.field({ type: ApiKey, resolve: (r) => r.apiKey }),
  }),
});

const CreateApiKeyInput = builder.inputType('CreateApiKeyInput', {
  fields: (t) => ({
    name: t.string(),
    permissions: t.stringList({ required: false, description: `Default: ${keys.DEFAULT_PERMISSIONS.join(', ')}.` }),
    expiresIn: t.int({ required: false, description: 'Days until it expires (default 90; null: never).' }),
  }),
});
const UpdateApiKeyInput = builder.inputType('UpdateApiKeyInput', {
  fields: (t) => ({ name: t.string({ required: false }), permissions: t.stringList({ required: false }) }),
});

// Keys are managed from a signed-in session only: a leaked key cannot mint or widen keys.
builder.queryFields((t) => ({
  viewerPermissions: t.stringList({
    description: 'What the credential in use may do: an API key’s permissions, or every permission for a signed-in session.',
    authScopes: { authenticated: true },
    resolve: (_r, _a, ctx) => (ctx.viewer.kind === 'user' && ctx.viewer.apiKey ? ctx.viewer.apiKey.scopes : [...keys.PERMISSIONS]),
  }),
  apiKeys: t.prismaField({
    type: ['ApiKey'],
    description: 'Your live API keys, newest first.',
    authScopes: { session: true },
    resolve: (_q, _r, _a, ctx) => keys.listApiKeys(ctx, userId(ctx)),
  }),
  apiKey: t.prismaField({
    type: 'ApiKey',
    authScopes: { session: true },
    args: { id: t.arg.string() },
    resolve: (_q, _r, { id }, ctx) => keys.ownKey(ctx, userId(ctx), id),
  }),
}));

builder.mutationFields((t) => ({
  createApiKey: t.field({
    type: ApiKeyCreated,
    authScopes: { session: true },
    args: { input: t.arg({ type: CreateApiKeyInput }) },
    resolve: (_r, { input }, ctx) => keys.createApiKey(ctx, userId(ctx), input as keys.CreateKeyInput),
  }),
  updateApiKey: t.prismaField({
    type: 'ApiKey',
    description: 'Renames a key or replaces its permissions; takes effect on its next request.',
    authScopes: { session: true },
    args: { id: t.arg.string(), input: t.arg({ type: UpdateApiKeyInput }) },
    resolve: (_q, _r, { id, input }, ctx) => keys.updateApiKey(ctx, userId(ctx), id, input as never),
  }),
  deleteApiKey: t.boolean({
    description: 'Revokes a key at once.',
    authScopes: { session: true },
    args: { id: t.arg.string() },
    resolve: (_r, { id }, ctx) => keys.revokeApiKey(ctx, userId(ctx), id),
  }),
}));
