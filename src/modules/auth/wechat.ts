// WeChat code login (AIDeer): the code from WeChat's OAuth page is exchanged at WeChat's
// sns/oauth2/access_token endpoint for the user's openid; that account is signed in, or created
// on first use. The endpoint is configurable (WECHAT_API_URL) so a stand-in can answer in tests.
import { randomBytes } from 'node:crypto';
import type { Deps, RequestMeta } from '../../context.js';
import { AppError, badField } from '../../errors.js';
import { startSession, type TokenPair } from './auth.service.js';

interface WechatToken {
  access_token?: string;
  openid?: string;
  unionid?: string;
  errcode?: number;
  errmsg?: string;
}

export async function wechatLogin(deps: Pick<Deps, 'prisma' | 'config' | 'tokens'>, code: string, meta: RequestMeta): Promise<TokenPair> {
  const { WECHAT_API_URL, WECHAT_APP_ID, WECHAT_APP_SECRET } = deps.config;
  if (!code || code.length > 512) throw badField('code', 'is required');
  if (!WECHAT_APP_ID || !WECHAT_APP_SECRET) throw new AppError('SERVICE_UNAVAILABLE', 'WeChat login is not configured on this server');
  const url = new URL('/sns/oauth2/access_token', WECHAT_API_URL);
  url.search = new URLSearchParams({ appid: WECHAT_APP_ID, secret: WECHAT_APP_SECRET, code, grant_type: 'authorization_code' }).toString();
  let answer: WechatToken;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    answer = (await res.json()) as WechatToken;
  } catch (err) {
    throw new AppError('SERVICE_UNAVAILABLE', `WeChat could not be reached: ${(err as Error).message}`);
  }
  if (answer.errcode || !answer.openid) {
    // 40029: invalid code; 40163: code already used; anything else is WeChat's trouble.
    if (answer.errcode === 40029 || answer.errcode === 40163) throw new AppError('UNAUTHENTICATED', `WeChat refused the code: ${answer.errmsg ?? answer.errcode}`);
    throw new AppError('SERVICE_UNAVAILABLE', `WeChat answered ${answer.errcode ?? 'without an openid'}: ${answer.errmsg ?? ''}`.trim());
  }
  const openId = answer.openid;
  const user =
    (await deps.prisma.user.findUnique({ where: { wechatOpenId: openId } })) ??
    (await deps.prisma.user.upsert({
      where: { wechatOpenId: openId },
      update: {},
      create: {
        wechatOpenId: openId,
        username: `wx_${randomBytes(6).toString('hex')}`,
        // The sign-up grant, as for any new account: an ordinary ledger entry.
        creditAccount: { create: { available: deps.config.SIGNUP_CREDITS } },
        creditEntries: deps.config.SIGNUP_CREDITS > 0 ? { create: { kind: 'grant', amount: deps.config.SIGNUP_CREDITS, balanceAfter: deps.config.SIGNUP_CREDITS, reservedAfter: 0, reason: 'sign-up grant' } } : undefined,
      },
    }));
  if (user.disabled) throw new AppError('UNAUTHENTICATED', 'This account is disabled');
  return startSession(deps as never, user, meta, 'wechat');
}
