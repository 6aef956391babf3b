/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  mutation Refresh($token: String!) {\n    refreshToken(refreshToken: $token) { accessToken refreshToken user { databaseId } }\n  }\n": typeof types.RefreshDocument,
    "mutation Logout { logout }": typeof types.LogoutDocument,
    "\n  mutation ChangePassword($input: ChangePasswordInput!) { changePassword(input: $input) }\n": typeof types.ChangePasswordDocument,
    "\n  mutation UpdateProfile($input: UpdateProfileInput!) {\n    updateProfile(input: $input) { username email name fullName phoneNumber metadata }\n  }\n": typeof types.UpdateProfileDocument,
    "\n  mutation CreateCodes($input: CreateRedemptionCodesInput!, $key: String) {\n    createRedemptionCodes(input: $input, idempotencyKey: $key) { code amount maxUses usedCount remainingUses expiresAt redeemable batchId }\n  }\n": typeof types.CreateCodesDocument,
    "query ReadCode($code: String!) { redemptionCode(code: $code) { code amount remainingUses redeemable expiresAt } }": typeof types.ReadCodeDocument,
    "\n  query ReadCodeAdmin($code: String!) {\n    redemptionCode(code: $code) { code usedCount batchId note createdBy { username } redemptions { amount user { username } } }\n  }\n": typeof types.ReadCodeAdminDocument,
    "query ListCodes($batchId: String) { redemptionCodes(batchId: $batchId, limit: 100) { total items { code batchId } } }": typeof types.ListCodesDocument,
    "mutation DeleteCode($code: String!) { deleteRedemptionCode(code: $code) }": typeof types.DeleteCodeDocument,
    "\n  mutation Redeem($code: String!, $key: String) {\n    redeemCode(code: $code, idempotencyKey: $key) { code amount credits { available reserved } entry { id kind amount balanceAfter } }\n  }\n": typeof types.RedeemDocument,
    "query Ledger { me { credits { available } creditEntries { total items { kind amount balanceAfter reason } } } }": typeof types.LedgerDocument,
    "query MyCredits { me { credits { available reserved } } }": typeof types.MyCreditsDocument,
    "\n  mutation Register($input: RegisterInput!) {\n    register(input: $input) {\n      accessToken\n      refreshToken\n      tokenType\n      expiresIn\n      user { id databaseId username email role tier }\n    }\n  }\n": typeof types.RegisterDocument,
    "\n  mutation Login($input: LoginInput!) {\n    login(input: $input) {\n      accessToken\n      refreshToken\n      user { id databaseId username }\n    }\n  }\n": typeof types.LoginDocument,
    "\n  query Me {\n    me { id databaseId username email name fullName phoneNumber avatarUrl metadata role tier disabled createdAt }\n  }\n": typeof types.MeDocument,
    "mutation Rename($name: String!) { updateProfile(input: { name: $name }) { name } }": typeof types.RenameDocument,
    "\n  query Users($offset: Int, $limit: Int) {\n    users(offset: $offset, limit: $limit) { total offset limit items { databaseId username } }\n  }\n": typeof types.UsersDocument,
    "\n  query UsersConnection($first: Int, $after: String) {\n    usersConnection(first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { cursor node { databaseId username } }\n    }\n  }\n": typeof types.UsersConnectionDocument,
    "query User($id: ID!) { user(id: $id) { id databaseId username role tier disabled } }": typeof types.UserDocument,
    "\n  mutation UpdateUser($id: ID!, $input: AdminUpdateUserInput!) {\n    updateUser(id: $id, input: $input) { databaseId role tier disabled }\n  }\n": typeof types.UpdateUserDocument,
    "mutation DeleteUser($id: ID!) { deleteUser(id: $id) }": typeof types.DeleteUserDocument,
    "mutation ResetUserPassword($id: ID!, $pw: String!) { resetUserPassword(id: $id, newPassword: $pw) }": typeof types.ResetUserPasswordDocument,
    "\n  mutation CreateUser($input: AdminCreateUserInput!) { createUser(input: $input) { databaseId username role tier } }\n": typeof types.CreateUserDocument,
    "query Node($id: ID!) { node(id: $id) { id ... on User { username } } }": typeof types.NodeDocument,
};
const documents: Documents = {
    "\n  mutation Refresh($token: String!) {\n    refreshToken(refreshToken: $token) { accessToken refreshToken user { databaseId } }\n  }\n": types.RefreshDocument,
    "mutation Logout { logout }": types.LogoutDocument,
    "\n  mutation ChangePassword($input: ChangePasswordInput!) { changePassword(input: $input) }\n": types.ChangePasswordDocument,
    "\n  mutation UpdateProfile($input: UpdateProfileInput!) {\n    updateProfile(input: $input) { username email name fullName phoneNumber metadata }\n  }\n": types.UpdateProfileDocument,
    "\n  mutation CreateCodes($input: CreateRedemptionCodesInput!, $key: String) {\n    createRedemptionCodes(input: $input, idempotencyKey: $key) { code amount maxUses usedCount remainingUses expiresAt redeemable batchId }\n  }\n": types.CreateCodesDocument,
    "query ReadCode($code: String!) { redemptionCode(code: $code) { code amount remainingUses redeemable expiresAt } }": types.ReadCodeDocument,
    "\n  query ReadCodeAdmin($code: String!) {\n    redemptionCode(code: $code) { code usedCount batchId note createdBy { username } redemptions { amount user { username } } }\n  }\n": types.ReadCodeAdminDocument,
    "query ListCodes($batchId: String) { redemptionCodes(batchId: $batchId, limit: 100) { total items { code batchId } } }": types.ListCodesDocument,
    "mutation DeleteCode($code: String!) { deleteRedemptionCode(code: $code) }": types.DeleteCodeDocument,
    "\n  mutation Redeem($code: String!, $key: String) {\n    redeemCode(code: $code, idempotencyKey: $key) { code amount credits { available reserved } entry { id kind amount balanceAfter } }\n  }\n": types.RedeemDocument,
    "query Ledger { me { credits { available } creditEntries { total items { kind amount balanceAfter reason } } } }": types.LedgerDocument,
    "query MyCredits { me { credits { available reserved } } }": types.MyCreditsDocument,
    "\n  mutation Register($input: RegisterInput!) {\n    register(input: $input) {\n      accessToken\n      refreshToken\n      tokenType\n      expiresIn\n      user { id databaseId username email role tier }\n    }\n  }\n": types.RegisterDocument,
    "\n  mutation Login($input: LoginInput!) {\n    login(input: $input) {\n      accessToken\n      refreshToken\n      user { id databaseId username }\n    }\n  }\n": types.LoginDocument,
    "\n  query Me {\n    me { id databaseId username email name fullName phoneNumber avatarUrl metadata role tier disabled createdAt }\n  }\n": types.MeDocument,
    "mutation Rename($name: String!) { updateProfile(input: { name: $name }) { name } }": types.RenameDocument,
    "\n  query Users($offset: Int, $limit: Int) {\n    users(offset: $offset, limit: $limit) { total offset limit items { databaseId username } }\n  }\n": types.UsersDocument,
    "\n  query UsersConnection($first: Int, $after: String) {\n    usersConnection(first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { cursor node { databaseId username } }\n    }\n  }\n": types.UsersConnectionDocument,
    "query User($id: ID!) { user(id: $id) { id databaseId username role tier disabled } }": types.UserDocument,
    "\n  mutation UpdateUser($id: ID!, $input: AdminUpdateUserInput!) {\n    updateUser(id: $id, input: $input) { databaseId role tier disabled }\n  }\n": types.UpdateUserDocument,
    "mutation DeleteUser($id: ID!) { deleteUser(id: $id) }": types.DeleteUserDocument,
    "mutation ResetUserPassword($id: ID!, $pw: String!) { resetUserPassword(id: $id, newPassword: $pw) }": types.ResetUserPasswordDocument,
    "\n  mutation CreateUser($input: AdminCreateUserInput!) { createUser(input: $input) { databaseId username role tier } }\n": types.CreateUserDocument,
    "query Node($id: ID!) { node(id: $id) { id ... on User { username } } }": types.NodeDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Refresh($token: String!) {\n    refreshToken(refreshToken: $token) { accessToken refreshToken user { databaseId } }\n  }\n"): (typeof documents)["\n  mutation Refresh($token: String!) {\n    refreshToken(refreshToken: $token) { accessToken refreshToken user { databaseId } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation Logout { logout }"): (typeof documents)["mutation Logout { logout }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ChangePassword($input: ChangePasswordInput!) { changePassword(input: $input) }\n"): (typeof documents)["\n  mutation ChangePassword($input: ChangePasswordInput!) { changePassword(input: $input) }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateProfile($input: UpdateProfileInput!) {\n    updateProfile(input: $input) { username email name fullName phoneNumber metadata }\n  }\n"): (typeof documents)["\n  mutation UpdateProfile($input: UpdateProfileInput!) {\n    updateProfile(input: $input) { username email name fullName phoneNumber metadata }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateCodes($input: CreateRedemptionCodesInput!, $key: String) {\n    createRedemptionCodes(input: $input, idempotencyKey: $key) { code amount maxUses usedCount remainingUses expiresAt redeemable batchId }\n  }\n"): (typeof documents)["\n  mutation CreateCodes($input: CreateRedemptionCodesInput!, $key: String) {\n    createRedemptionCodes(input: $input, idempotencyKey: $key) { code amount maxUses usedCount remainingUses expiresAt redeemable batchId }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query ReadCode($code: String!) { redemptionCode(code: $code) { code amount remainingUses redeemable expiresAt } }"): (typeof documents)["query ReadCode($code: String!) { redemptionCode(code: $code) { code amount remainingUses redeemable expiresAt } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ReadCodeAdmin($code: String!) {\n    redemptionCode(code: $code) { code usedCount batchId note createdBy { username } redemptions { amount user { username } } }\n  }\n"): (typeof documents)["\n  query ReadCodeAdmin($code: String!) {\n    redemptionCode(code: $code) { code usedCount batchId note createdBy { username } redemptions { amount user { username } } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query ListCodes($batchId: String) { redemptionCodes(batchId: $batchId, limit: 100) { total items { code batchId } } }"): (typeof documents)["query ListCodes($batchId: String) { redemptionCodes(batchId: $batchId, limit: 100) { total items { code batchId } } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation DeleteCode($code: String!) { deleteRedemptionCode(code: $code) }"): (typeof documents)["mutation DeleteCode($code: String!) { deleteRedemptionCode(code: $code) }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Redeem($code: String!, $key: String) {\n    redeemCode(code: $code, idempotencyKey: $key) { code amount credits { available reserved } entry { id kind amount balanceAfter } }\n  }\n"): (typeof documents)["\n  mutation Redeem($code: String!, $key: String) {\n    redeemCode(code: $code, idempotencyKey: $key) { code amount credits { available reserved } entry { id kind amount balanceAfter } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Ledger { me { credits { available } creditEntries { total items { kind amount balanceAfter reason } } } }"): (typeof documents)["query Ledger { me { credits { available } creditEntries { total items { kind amount balanceAfter reason } } } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query MyCredits { me { credits { available reserved } } }"): (typeof documents)["query MyCredits { me { credits { available reserved } } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Register($input: RegisterInput!) {\n    register(input: $input) {\n      accessToken\n      refreshToken\n      tokenType\n      expiresIn\n      user { id databaseId username email role tier }\n    }\n  }\n"): (typeof documents)["\n  mutation Register($input: RegisterInput!) {\n    register(input: $input) {\n      accessToken\n      refreshToken\n      tokenType\n      expiresIn\n      user { id databaseId username email role tier }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Login($input: LoginInput!) {\n    login(input: $input) {\n      accessToken\n      refreshToken\n      user { id databaseId username }\n    }\n  }\n"): (typeof documents)["\n  mutation Login($input: LoginInput!) {\n    login(input: $input) {\n      accessToken\n      refreshToken\n      user { id databaseId username }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Me {\n    me { id databaseId username email name fullName phoneNumber avatarUrl metadata role tier disabled createdAt }\n  }\n"): (typeof documents)["\n  query Me {\n    me { id databaseId username email name fullName phoneNumber avatarUrl metadata role tier disabled createdAt }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation Rename($name: String!) { updateProfile(input: { name: $name }) { name } }"): (typeof documents)["mutation Rename($name: String!) { updateProfile(input: { name: $name }) { name } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Users($offset: Int, $limit: Int) {\n    users(offset: $offset, limit: $limit) { total offset limit items { databaseId username } }\n  }\n"): (typeof documents)["\n  query Users($offset: Int, $limit: Int) {\n    users(offset: $offset, limit: $limit) { total offset limit items { databaseId username } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query UsersConnection($first: Int, $after: String) {\n    usersConnection(first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { cursor node { databaseId username } }\n    }\n  }\n"): (typeof documents)["\n  query UsersConnection($first: Int, $after: String) {\n    usersConnection(first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { cursor node { databaseId username } }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query User($id: ID!) { user(id: $id) { id databaseId username role tier disabled } }"): (typeof documents)["query User($id: ID!) { user(id: $id) { id databaseId username role tier disabled } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateUser($id: ID!, $input: AdminUpdateUserInput!) {\n    updateUser(id: $id, input: $input) { databaseId role tier disabled }\n  }\n"): (typeof documents)["\n  mutation UpdateUser($id: ID!, $input: AdminUpdateUserInput!) {\n    updateUser(id: $id, input: $input) { databaseId role tier disabled }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation DeleteUser($id: ID!) { deleteUser(id: $id) }"): (typeof documents)["mutation DeleteUser($id: ID!) { deleteUser(id: $id) }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation ResetUserPassword($id: ID!, $pw: String!) { resetUserPassword(id: $id, newPassword: $pw) }"): (typeof documents)["mutation ResetUserPassword($id: ID!, $pw: String!) { resetUserPassword(id: $id, newPassword: $pw) }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateUser($input: AdminCreateUserInput!) { createUser(input: $input) { databaseId username role tier } }\n"): (typeof documents)["\n  mutation CreateUser($input: AdminCreateUserInput!) { createUser(input: $input) { databaseId username role tier } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Node($id: ID!) { node(id: $id) { id ... on User { username } } }"): (typeof documents)["query Node($id: ID!) { node(id: $id) { id ... on User { username } } }"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;