// The guard around every field with arguments: a row that a mutation checked and then no longer
// finds when it writes (another request deleted it meanwhile) is NOT_FOUND, not an internal error.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { graphql, GraphQLNonNull, GraphQLObjectType, GraphQLSchema, GraphQLString } from 'graphql';
import { Prisma } from '../../src/generated/prisma/client.js';
import { guardSchema } from '../../src/schema/guard.js';

const gone = () => new Prisma.PrismaClientKnownRequestError('No record was found for an update.', { code: 'P2025', clientVersion: Prisma.prismaVersion.client });

function schemaWith(resolve: () => unknown) {
  return guardSchema(
    new GraphQLSchema({
      query: new GraphQLObjectType({ name: 'Query', fields: { ok: { type: GraphQLString, resolve: () => 'ok' } } }),
      mutation: new GraphQLObjectType({
        name: 'Mutation',
        fields: {
          updateChat: { type: GraphQLString, args: { id: { type: new GraphQLNonNull(GraphQLString) } }, resolve },
          changePassword: { type: GraphQLString, args: { password: { type: new GraphQLNonNull(GraphQLString) } }, resolve },
        },
      }),
    }),
  );
}

test('a mutation whose row vanished before its write answers NOT_FOUND naming the row', async () => {
  for (const resolve of [async () => Promise.reject(gone()), () => { throw gone(); }]) {
    const r = await graphql({ schema: schemaWith(resolve), source: 'mutation { updateChat(id: "1") }' });
    assert.equal(r.errors?.length, 1);
    const err = r.errors![0]!;
    assert.equal(err.extensions.code, 'NOT_FOUND');
    assert.equal(err.message, 'Chat not found');
  }
});

test('other errors of a mutation are left as they are', async () => {
  const r = await graphql({ schema: schemaWith(() => { throw new Error('boom'); }), source: 'mutation { updateChat(id: "1") }' });
  assert.equal(r.errors![0]!.message, 'boom');
  assert.equal(r.errors![0]!.extensions.code, undefined);
});

test('a mutation not named after a row keeps the error: its P2025 is not a row the client named', async () => {
  const r = await graphql({ schema: schemaWith(() => Promise.reject(gone())), source: 'mutation { changePassword(password: "x") }' });
  assert.equal(r.errors?.length, 1);
  assert.notEqual(r.errors![0]!.extensions.code, 'NOT_FOUND');
  assert.ok(r.errors![0]!.originalError instanceof Prisma.PrismaClientKnownRequestError);
});
