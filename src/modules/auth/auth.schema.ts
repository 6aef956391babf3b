import { wechatLogin } from './wechat.js';
import { googleLogin, webLogin, type WebSession } from './web.js';
import { builder } from '../../schema/builder.js';
import { dbId } from '../../schema/ids.js';
import type { Context, UserViewer } from '../../context.js';
import { RegisterInput, User } from '../users/users.schema.js';
import { createUser } from '../users/users.service.js';
import * as auth from './auth.service.js';

const AuthPayload = builder.objectRef<auth.TokenPair>('AuthPayload').implement({
  description: 'A login: a short-lived access token (JWT) and a refresh token that rotates on each use.',
  fields: (t) => ({
    accessToken: t.exposeString('accessToken'),
    refreshToken: t.exposeString('refreshToken'),
    tokenType: t.string({ resolve: () => 'Bearer' }),
    expiresIn: t.exposeInt('expiresIn', { description: 'Seconds until the access token expires.' }),
    user: t.field({ type: User, resolve: (p) => p.user }),
  }),
});

/** The account a login returns is visible in the answer, though the request carried no token. */
function signedIn(ctx: Context, pair: auth.TokenPair) {
  ctx.signedIn.add(pair.user.id);
  return pair;
}

const LoginInput = builder.inputType('LoginInput', {
  fields: (t) => ({
    login: t.string({ description: 'Username or email.' }),
    password: t.string(),
  }),
});

const ChangePasswordInput = builder.inputType('ChangePasswordInput', {
  fields: (t) => ({ oldPassword: t.string(), newPassword: t.string() }),
});

const WebSessionRef = builder.objectRef<WebSession>('WebSession').implement({
  fields: (t) => ({
    token: t.exposeString('token', { description: 'The cookie value.' }),
    expiresIn: t.exposeInt('expiresIn', { description: 'Seconds.' }),
    user: t.field({ type: User, resolve: (s) => s.user }),
  }),
});

builder.mutationFields((t) => ({
  register: t.field({
    type: AuthPayload,
    description: 'Creates an account and signs it in.',
    args: { input: t.arg({ type: RegisterInput }) },
    resolve: async (_root, args, ctx) => signedIn(ctx, await auth.startSession(ctx, await createUser(ctx, args.input), ctx.meta)),
  }),
  login: t.field({
    type: AuthPayload,
    args: { input: t.arg({ type: LoginInput }) },
    resolve: async (_root, args, ctx) => signedIn(ctx, await auth.login(ctx, args.input, ctx.meta)),
  }),
  refreshToken: t.field({
    type: AuthPayload,
    description: 'Exchanges a refresh token for a new pair. Reusing a rotated token revokes its whole session.',
    args: { refreshToken: t.arg.string() },
    resolve: async (_root, args, ctx) => signedIn(ctx, await auth.refresh(ctx, args.refreshToken)),
  }),
  webLogin: t.field({
    type: WebSessionRef,
    description: 'Signs in for the web pages: a password or a Google ID token (credential). The token goes in the `session` cookie.',
    args: { login: t.arg.string({ required: false }), password: t.arg.string({ required: false }), credential: t.arg.string({ required: false }) },
    resolve: async (_root, args, ctx) => {
      const s = args.credential
        ? await googleLogin(ctx, args.credential, ctx.meta)
        : await webLogin(ctx, { login: args.login ?? '', password: args.password ?? '' }, ctx.meta);
      ctx.signedIn.add(s.user.id);
      return s;
    },
  }),
  wechatLogin: t.field({
    type: AuthPayload,
    description: 'Signs in with a WeChat OAuth code (an account is created on first use).',
    args: { code: t.arg.string() },
    resolve: async (_root, args, ctx) => signedIn(ctx, await wechatLogin(ctx, args.code, ctx.meta)),
  }),
  logout: t.boolean({
    description: 'Ends the current session, or the session of the given refresh token.',
    args: { refreshToken: t.arg.string({ required: false }) },
    resolve: (_root, args, ctx) => auth.logout(ctx, ctx.viewer.kind === 'user' ? ctx.viewer : null, args.refreshToken),
  }),
  changePassword: t.boolean({
    description: 'Changes your password and ends your other sessions.',
    authScopes: { authenticated: true },
    args: { input: t.arg({ type: ChangePasswordInput }) },
    resolve: (_root, args, ctx) => auth.changePassword(ctx, ctx.viewer as UserViewer, args.input),
  }),
  resetUserPassword: t.boolean({
    description: "Admin: sets a user's password and ends all of their sessions.",
    authScopes: { admin: true },
    args: { id: t.arg.id(), newPassword: t.arg.string() },
    resolve: (_root, args, ctx) => auth.resetPassword(ctx, dbId('User', args.id), args.newPassword),
  }),
}));
