import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { graphql } from '../gql/index.js';
import { codeOf, startTestServer, type TestServer } from '../helpers/harness.js';
import { LoginDoc, MeDoc, newUser, PASSWORD } from '../helpers/ops.js';

const UsersDoc = graphql(`
  query Users($offset: Int, $limit: Int) {
    users(offset: $offset, limit: $limit) { total offset limit items { databaseId username } }
  }
`);
const UsersConnectionDoc = graphql(`
  query UsersConnection($first: Int, $after: String) {
    usersConnection(first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { cursor node { databaseId username } }
    }
  }
`);
const UserDoc = graphql(`query User($id: ID!) { user(id: $id) { id databaseId username role tier disabled } }`);
const UpdateUserDoc = graphql(`
  mutation UpdateUser($id: ID!, $input: AdminUpdateUserInput!) {
    updateUser(id: $id, input: $input) { databaseId role tier disabled }
  }
`);
const DeleteUserDoc = graphql(`mutation DeleteUser($id: ID!) { deleteUser(id: $id) }`);
const ResetPasswordDoc = graphql(`mutation ResetUserPassword($id: ID!, $pw: String!) { resetUserPassword(id: $id, newPassword: $pw) }`);
const CreateUserDoc = graphql(`
  mutation CreateUser($input: AdminCreateUserInput!) { createUser(input: $input) { databaseId username role tier } }
`);
const NodeDoc = graphql(`query Node($id: ID!) { node(id: $id) { id ... on User { username } } }`);

const ADMIN = { email: 'root@example.com', password: 'Adm1nPassword' };
let t: TestServer;
let admin: string;

before(async () => {
  t = await startTestServer({ ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password, ADMIN_USERNAME: 'root' });
  admin = (await t.ok(LoginDoc, { input: { login: ADMIN.email, password: ADMIN.password } })).login.accessToken;
});
after(() => t.close());

describe('the first admin', () => {
  test('is created from ADMIN_EMAIL / ADMIN_PASSWORD', async () => {
    const me = await t.ok(MeDoc, undefined, { token: admin });
    assert.equal(me.me.role, 'admin');
    assert.equal(me.me.username, 'root');
  });
});

describe('admin operations refuse other users', () => {
  test('a non-admin gets FORBIDDEN, an anonymous caller UNAUTHENTICATED', async () => {
    const u = await newUser(t);
    const other = await newUser(t);
    const calls = [
      () => [UsersDoc, {}] as const,
      () => [UsersConnectionDoc, {}] as const,
      () => [UserDoc, { id: String(other.user.databaseId) }] as const,
      () => [UpdateUserDoc, { id: String(u.user.databaseId), input: { role: 'admin' } }] as const,
      () => [DeleteUserDoc, { id: String(other.user.databaseId) }] as const,
      () => [ResetPasswordDoc, { id: String(other.user.databaseId), pw: 'Hack3dPassword' }] as const,
      () => [CreateUserDoc, { input: { username: 'sneaky', email: 'sneaky@example.com', password: PASSWORD } }] as const,
    ];
    for (const call of calls) {
      const [doc, vars] = call();
      const asUser = await t.gql(doc as any, vars, { token: u.token });
      assert.equal(codeOf(asUser), 'FORBIDDEN', `${JSON.stringify(vars)} as a user`);
      assert.equal(codeOf(await t.gql(doc as any, vars)), 'UNAUTHENTICATED');
    }
    // nothing changed
    assert.equal((await t.ok(MeDoc, undefined, { token: u.token })).me.role, 'user');
    await t.ok(LoginDoc, { input: { login: other.username, password: PASSWORD } });
  });

  test('node(id) does not reveal another user', async () => {
    const u = await newUser(t);
    const other = await newUser(t);
    const r = await t.gql(NodeDoc, { id: other.user.id }, { token: u.token });
    assert.equal(codeOf(r), 'NOT_FOUND');
    const own = await t.ok(NodeDoc, { id: u.user.id }, { token: u.token });
    assert.equal((own.node as { username: string }).username, u.username);
  });
});

describe('admin user management', () => {
  test('lists users by offset/limit and as a connection', async () => {
    for (let i = 0; i < 3; i++) await newUser(t, 'listed');
    const total = await t.app.deps.prisma.user.count();
    const page = await t.ok(UsersDoc, { offset: 1, limit: 2 }, { token: admin });
    assert.equal(page.users.total, total);
    assert.equal(page.users.items.length, 2);
    assert.equal(page.users.offset, 1);
    const bad = await t.gql(UsersDoc, { limit: 1000 }, { token: admin });
    assert.equal(codeOf(bad), 'BAD_USER_INPUT');
    assert.equal(bad.errors![0]!.extensions!.field, 'limit');

    const seen: number[] = [];
    let after: string | null | undefined;
    for (;;) {
      const c = await t.ok(UsersConnectionDoc, { first: 2, after }, { token: admin });
      assert.equal(c.usersConnection.totalCount, total);
      seen.push(...c.usersConnection.edges.map((e) => e.node.databaseId));
      if (!c.usersConnection.pageInfo.hasNextPage) break;
      after = c.usersConnection.pageInfo.endCursor;
    }
    assert.equal(seen.length, total);
    assert.deepEqual([...seen].sort((a, b) => a - b), seen);
  });

  test('gets a user by global or numeric id; unknown ids are NOT_FOUND', async () => {
    const u = await newUser(t);
    const byGlobal = await t.ok(UserDoc, { id: u.user.id }, { token: admin });
    const byNumber = await t.ok(UserDoc, { id: String(u.user.databaseId) }, { token: admin });
    assert.equal(byGlobal.user.username, u.username);
    assert.equal(byNumber.user.id, u.user.id);
    assert.equal(codeOf(await t.gql(UserDoc, { id: '999999' }, { token: admin })), 'NOT_FOUND');
    assert.equal(codeOf(await t.gql(UserDoc, { id: encodeGlobalID('Chat', 1) }, { token: admin })), 'BAD_USER_INPUT');
  });

  test('changes role and tier; a disabled user cannot log in and loses its sessions', async () => {
    const u = await newUser(t);
    const id = String(u.user.databaseId);
    const r = await t.ok(UpdateUserDoc, { id, input: { tier: 'pro', role: 'admin' } }, { token: admin });
    assert.equal(r.updateUser.tier, 'pro');
    assert.equal(r.updateUser.role, 'admin');
    const badTier = await t.gql(UpdateUserDoc, { id, input: { tier: 'platinum' as never } }, { token: admin });
    assert.ok(badTier.errors?.length);

    await t.ok(UpdateUserDoc, { id, input: { disabled: true, role: 'user' } }, { token: admin });
    assert.equal(codeOf(await t.gql(MeDoc, undefined, { token: u.token })), 'UNAUTHENTICATED');
    const login = await t.gql(LoginDoc, { input: { login: u.username, password: PASSWORD } });
    assert.equal(codeOf(login), 'FORBIDDEN');
    assert.match(login.errors![0]!.message, /disabled/);
    // a wrong password on a disabled account says nothing about the account
    assert.equal(codeOf(await t.gql(LoginDoc, { input: { login: u.username, password: 'Wr0ngPassword' } })), 'UNAUTHENTICATED');

    await t.ok(UpdateUserDoc, { id, input: { disabled: false } }, { token: admin });
    await t.ok(LoginDoc, { input: { login: u.username, password: PASSWORD } });
  });

  test('resets a password, ending every session of that user', async () => {
    const u = await newUser(t);
    const weak = await t.gql(ResetPasswordDoc, { id: String(u.user.databaseId), pw: 'short' }, { token: admin });
    assert.equal(weak.errors![0]!.extensions!.field, 'newPassword');
    await t.ok(ResetPasswordDoc, { id: String(u.user.databaseId), pw: 'Res3tPassword' }, { token: admin });
    assert.equal(codeOf(await t.gql(MeDoc, undefined, { token: u.token })), 'UNAUTHENTICATED');
    await t.ok(LoginDoc, { input: { login: u.username, password: 'Res3tPassword' } });
  });

  test('creates and deletes users', async () => {
    const c = await t.ok(CreateUserDoc, { input: { username: 'made_by_admin', email: 'made@example.com', password: PASSWORD, tier: 'basic' } }, { token: admin });
    assert.equal(c.createUser.tier, 'basic');
    const dup = await t.gql(CreateUserDoc, { input: { username: 'made_by_admin', email: 'made2@example.com', password: PASSWORD } }, { token: admin });
    assert.equal(dup.errors![0]!.extensions!.field, 'input.username');
    const id = String(c.createUser.databaseId);
    assert.equal((await t.ok(DeleteUserDoc, { id }, { token: admin })).deleteUser, true);
    assert.equal(codeOf(await t.gql(UserDoc, { id }, { token: admin })), 'NOT_FOUND');
    assert.equal(codeOf(await t.gql(DeleteUserDoc, { id }, { token: admin })), 'NOT_FOUND');
    assert.equal(codeOf(await t.gql(LoginDoc, { input: { login: 'made_by_admin', password: PASSWORD } })), 'UNAUTHENTICATED');
  });
});
