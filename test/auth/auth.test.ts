import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { graphql } from '../gql/index.js';
import { codeOf, startTestServer, type TestServer } from '../helpers/harness.js';
import { LoginDoc, MeDoc, newUser, PASSWORD, RegisterDoc } from '../helpers/ops.js';

const RefreshDoc = graphql(`
  mutation Refresh($token: String!) {
    refreshToken(refreshToken: $token) { accessToken refreshToken user { databaseId } }
  }
`);
const LogoutDoc = graphql(`mutation Logout { logout }`);
const ChangePasswordDoc = graphql(`
  mutation ChangePassword($input: ChangePasswordInput!) { changePassword(input: $input) }
`);
const UpdateProfileDoc = graphql(`
  mutation UpdateProfile($input: UpdateProfileInput!) {
    updateProfile(input: $input) { username email name fullName phoneNumber metadata }
  }
`);

let t: TestServer;
before(async () => {
  t = await startTestServer();
});
after(() => t.close());

describe('register', () => {
  test('creates an account and signs it in', async () => {
    const r = await t.ok(RegisterDoc, { input: { username: 'alice_1', email: 'Alice@Example.com', password: PASSWORD, name: 'Alice' } });
    assert.equal(r.register.user.username, 'alice_1');
    assert.equal(r.register.user.email, 'alice@example.com', 'emails are stored lowercase');
    assert.equal(r.register.user.role, 'user');
    assert.equal(r.register.user.tier, 'free');
    assert.equal(r.register.tokenType, 'Bearer');
    assert.ok(r.register.refreshToken.startsWith('rt_'));
    const me = await t.ok(MeDoc, undefined, { token: r.register.accessToken });
    assert.equal(me.me.username, 'alice_1');
    assert.equal(me.me.name, 'Alice');
  });

  const bad: [string, Record<string, string>, string][] = [
    ['a malformed email', { email: 'not-an-email' }, 'input.email'],
    ['a short password', { password: 'Ab1' }, 'input.password'],
    ['a password without a digit', { password: 'NoDigitsHere' }, 'input.password'],
    ['a password without an uppercase letter', { password: 'lowercase123' }, 'input.password'],
    ['a password without a lowercase letter', { password: 'UPPERCASE123' }, 'input.password'],
    ['a username with a dash', { username: 'bad-name' }, 'input.username'],
    ['a two-letter username', { username: 'ab' }, 'input.username'],
    ['a 31-letter username', { username: 'a'.repeat(31) }, 'input.username'],
  ];
  for (const [what, override, field] of bad) {
    test(`refuses ${what} with BAD_USER_INPUT naming ${field}`, async () => {
      const r = await t.gql(RegisterDoc, { input: { username: 'valid_name', email: 'valid@example.com', password: PASSWORD, ...override } });
      assert.equal(codeOf(r), 'BAD_USER_INPUT');
      assert.equal(r.errors![0]!.extensions!.field, field);
      assert.match(r.errors![0]!.message, new RegExp(field.replace('.', '\\.')));
    });
  }

  test('refuses a taken username (in any letter case) and a taken email', async () => {
    await t.ok(RegisterDoc, { input: { username: 'taken_one', email: 'taken@example.com', password: PASSWORD } });
    const sameName = await t.gql(RegisterDoc, { input: { username: 'Taken_One', email: 'other@example.com', password: PASSWORD } });
    assert.equal(codeOf(sameName), 'BAD_USER_INPUT');
    assert.equal(sameName.errors![0]!.extensions!.field, 'input.username');
    const sameEmail = await t.gql(RegisterDoc, { input: { username: 'another_one', email: 'TAKEN@example.com', password: PASSWORD } });
    assert.equal(codeOf(sameEmail), 'BAD_USER_INPUT');
    assert.equal(sameEmail.errors![0]!.extensions!.field, 'input.email');
  });

  test('concurrent registrations of one username create exactly one account', async () => {
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) => t.gql(RegisterDoc, { input: { username: 'racer', email: `racer${i}@example.com`, password: PASSWORD } })),
    );
    assert.equal(results.filter((r) => !r.errors).length, 1);
    for (const r of results.filter((r) => r.errors)) assert.equal(codeOf(r), 'BAD_USER_INPUT');
    assert.equal(await t.app.deps.prisma.user.count({ where: { username: 'racer' } }), 1);
  });
});

describe('login', () => {
  test('works by username and by email', async () => {
    const u = await newUser(t);
    const byName = await t.ok(LoginDoc, { input: { login: u.username, password: PASSWORD } });
    const byEmail = await t.ok(LoginDoc, { input: { login: u.email.toUpperCase(), password: PASSWORD } });
    assert.equal(byName.login.user.databaseId, u.user.databaseId);
    assert.equal(byEmail.login.user.databaseId, u.user.databaseId);
  });

  test('a wrong password or an unknown user is UNAUTHENTICATED', async () => {
    const u = await newUser(t);
    assert.equal(codeOf(await t.gql(LoginDoc, { input: { login: u.username, password: 'Wr0ngPassword' } })), 'UNAUTHENTICATED');
    assert.equal(codeOf(await t.gql(LoginDoc, { input: { login: 'nobody_here', password: PASSWORD } })), 'UNAUTHENTICATED');
  });

  test('me without a token, or with a forged one, is UNAUTHENTICATED', async () => {
    assert.equal(codeOf(await t.gql(MeDoc)), 'UNAUTHENTICATED');
    const u = await newUser(t);
    const forged = u.accessToken.slice(0, -4) + (u.accessToken.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    assert.equal(codeOf(await t.gql(MeDoc, undefined, { token: forged })), 'UNAUTHENTICATED');
  });
});

describe('refresh tokens', () => {
  test('rotate: each use returns a new pair and the access token works', async () => {
    const u = await newUser(t);
    const r1 = await t.ok(RefreshDoc, { token: u.refreshToken });
    assert.notEqual(r1.refreshToken.refreshToken, u.refreshToken);
    const r2 = await t.ok(RefreshDoc, { token: r1.refreshToken.refreshToken });
    const me = await t.ok(MeDoc, undefined, { token: r2.refreshToken.accessToken });
    assert.equal(me.me.databaseId, u.user.databaseId);
  });

  test('reusing a rotated token revokes the whole family', async () => {
    const u = await newUser(t);
    const r1 = await t.ok(RefreshDoc, { token: u.refreshToken });
    const reuse = await t.gql(RefreshDoc, { token: u.refreshToken });
    assert.equal(codeOf(reuse), 'UNAUTHENTICATED');
    // the newest token of the family and its access token are dead too
    assert.equal(codeOf(await t.gql(RefreshDoc, { token: r1.refreshToken.refreshToken })), 'UNAUTHENTICATED');
    assert.equal(codeOf(await t.gql(MeDoc, undefined, { token: r1.refreshToken.accessToken })), 'UNAUTHENTICATED');
    assert.equal(codeOf(await t.gql(MeDoc, undefined, { token: u.accessToken })), 'UNAUTHENTICATED');
    // other sessions of the same user are untouched
    const other = await t.ok(LoginDoc, { input: { login: u.username, password: PASSWORD } });
    assert.equal((await t.ok(MeDoc, undefined, { token: other.login.accessToken })).me.databaseId, u.user.databaseId);
  });

  test('two concurrent uses of one token: one wins, and the family is revoked', async () => {
    const u = await newUser(t);
    const [a, b] = await Promise.all([t.gql(RefreshDoc, { token: u.refreshToken }), t.gql(RefreshDoc, { token: u.refreshToken })]);
    assert.equal([a, b].filter((r) => !r.errors).length, 1);
    const winner = (a.errors ? b : a).data!.refreshToken;
    assert.equal(codeOf(await t.gql(MeDoc, undefined, { token: winner.accessToken })), 'UNAUTHENTICATED');
  });

  test('an unknown refresh token is UNAUTHENTICATED', async () => {
    assert.equal(codeOf(await t.gql(RefreshDoc, { token: 'rt_nonsense' })), 'UNAUTHENTICATED');
  });
});

describe('sessions', () => {
  test('logout ends the session: its access and refresh tokens stop working', async () => {
    const u = await newUser(t);
    assert.equal((await t.ok(LogoutDoc, undefined, { token: u.accessToken })).logout, true);
    assert.equal(codeOf(await t.gql(MeDoc, undefined, { token: u.accessToken })), 'UNAUTHENTICATED');
    assert.equal(codeOf(await t.gql(RefreshDoc, { token: u.refreshToken })), 'UNAUTHENTICATED');
  });

  test('changing the password keeps this session and ends the others', async () => {
    const u = await newUser(t);
    const other = await t.ok(LoginDoc, { input: { login: u.username, password: PASSWORD } });
    const wrongOld = await t.gql(ChangePasswordDoc, { input: { oldPassword: 'Wr0ngPassword', newPassword: 'N3wPassword' } }, { token: u.token });
    assert.equal(codeOf(wrongOld), 'BAD_USER_INPUT');
    assert.equal(wrongOld.errors![0]!.extensions!.field, 'oldPassword');
    const weak = await t.gql(ChangePasswordDoc, { input: { oldPassword: PASSWORD, newPassword: 'weak' } }, { token: u.token });
    assert.equal(weak.errors![0]!.extensions!.field, 'newPassword');
    await t.ok(ChangePasswordDoc, { input: { oldPassword: PASSWORD, newPassword: 'N3wPassword' } }, { token: u.token });
    assert.equal((await t.ok(MeDoc, undefined, { token: u.token })).me.databaseId, u.user.databaseId);
    assert.equal(codeOf(await t.gql(MeDoc, undefined, { token: other.login.accessToken })), 'UNAUTHENTICATED');
    assert.equal(codeOf(await t.gql(LoginDoc, { input: { login: u.username, password: PASSWORD } })), 'UNAUTHENTICATED');
    await t.ok(LoginDoc, { input: { login: u.username, password: 'N3wPassword' } });
  });
});

describe('profile', () => {
  test('updates its own fields and refuses bad ones', async () => {
    const u = await newUser(t);
    const r = await t.ok(
      UpdateProfileDoc,
      { input: { name: 'Bo', fullName: 'Bo Peep', phoneNumber: '+1 555 0100', metadata: { theme: 'dark' } } },
      { token: u.token },
    );
    assert.deepEqual(r.updateProfile.metadata, { theme: 'dark' });
    assert.equal(r.updateProfile.fullName, 'Bo Peep');
    const bad = await t.gql(UpdateProfileDoc, { input: { phoneNumber: 'call me' } }, { token: u.token });
    assert.equal(bad.errors![0]!.extensions!.field, 'input.phoneNumber');
    const other = await newUser(t);
    const taken = await t.gql(UpdateProfileDoc, { input: { username: other.username } }, { token: u.token });
    assert.equal(taken.errors![0]!.extensions!.field, 'input.username');
  });
});
