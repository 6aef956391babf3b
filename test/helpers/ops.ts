// Operations shared by several test files.
import { graphql } from '../gql/index.js';
import { startSession } from '../../src/modules/auth/auth.service.js';
import type { TestServer } from './harness.js';

export const RegisterDoc = graphql(`
  mutation Register($input: RegisterInput!) {
    register(input: $input) {
      accessToken
      refreshToken
      tokenType
      expiresIn
      user { id databaseId username email role tier }
    }
  }
`);

export const LoginDoc = graphql(`
  mutation Login($input: LoginInput!) {
    login(input: $input) {
      accessToken
      refreshToken
      user { id databaseId username }
    }
  }
`);

export const MeDoc = graphql(`
  query Me {
    me { id databaseId username email name fullName phoneNumber avatarUrl metadata role tier disabled createdAt }
  }
`);

let counter = 0;
export const PASSWORD = 'Str0ngPassw0rd';

/** Registers a fresh user and returns its tokens and ids. */
export async function newUser(t: TestServer, prefix = 'user') {
  const username = `${prefix}${process.pid}x${++counter}`;
  const r = await t.ok(RegisterDoc, { input: { username, email: `${username}@example.com`, password: PASSWORD } });
  return { ...r.register, username, email: `${username}@example.com`, token: r.register.accessToken };
}

export const ADMIN = { email: 'root@example.com', password: 'Adm1nPassword', username: 'root' };
/** Server settings that create the admin account above at start. */
export const ADMIN_ENV = { ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password, ADMIN_USERNAME: ADMIN.username };

/** Signs in the admin of ADMIN_ENV and returns an access token. */
export async function adminToken(t: TestServer): Promise<string> {
  const r = await t.ok(LoginDoc, { input: { login: ADMIN.email, password: ADMIN.password } });
  return r.login.accessToken;
}

/**
 * Many users at once, straight into the database (no password hashing), each with a signed-in
 * session: for concurrency tests. Each starts with `credits` available.
 */
export async function manyUsers(t: TestServer, n: number, credits = 0) {
  const { prisma } = t.app.deps;
  const tag = `${process.pid}x${++counter}`;
  const out: { id: number; token: string }[] = [];
  for (let i = 0; i < n; i++) {
    const user = await prisma.user.create({
      data: { username: `bulk${tag}n${i}`, email: `bulk${tag}n${i}@example.com`, creditAccount: { create: { available: credits } } },
    });
    const session = await startSession(t.app.deps, user, {});
    out.push({ id: user.id, token: session.accessToken });
  }
  return out;
}
