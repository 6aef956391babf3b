// Operations shared by several test files.
import { graphql } from '../gql/index.js';
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
