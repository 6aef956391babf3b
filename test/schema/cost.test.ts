// The cost check with page sizes as they run (src/schema/cost.ts): an operation that pages nothing
// by variable has one cost, computed once per document; one that does is checked per request.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildSchema, parse } from 'graphql';
import { operationCost, variableCostCheck } from '../../src/schema/cost.js';

const schema = buildSchema(`
  type Item { id: ID!, name: String, children(first: Int, after: String): [Item!]! }
  input Make { name: String!, tags: [String!] }
  type Query { items(first: Int, last: Int): [Item!]!, pageOf(limit: Int = 10, q: String!): [Item!]! }
  type Mutation { make(input: Make!, first: Int): [Item!]! }
`);
const maxCost = 500;
const check = variableCostCheck({ maxCost });

/** Variables that count how often they are read. */
function counted(values: Record<string, unknown>) {
  const reads = { n: 0 };
  const proxy = new Proxy(values, {
    get(target, key) {
      reads.n++;
      return Reflect.get(target, key);
    },
  });
  return { proxy, reads };
}

test('an operation paging nothing by variable: its variables are not read, and its cost is the one they would give', () => {
  const mutation = parse('mutation($i: Make!) { make(input: $i, first: 5) { id children(first: 2) { name } } }');
  const query = parse('query Q($q: String!) { pageOf(q: $q) { id } } query R { items { id } }');
  for (const [doc, name, vars] of [[mutation, undefined, { i: { name: 'a' } }], [query, 'Q', { q: 'x' }]] as const) {
    for (let i = 0; i < 3; i++) {
      const { proxy, reads } = counted(vars);
      assert.equal(check(schema, doc, proxy, name), null);
      assert.equal(reads.n, 0, 'the variables were not coerced again');
    }
  }
  // The cost they would give: (2 + 1.5 × 1 + 1.5 × (2 + 1.5 × 1) × 2) × 5, and the default limit of 10.
  assert.equal(operationCost(schema, mutation, { i: { name: 'a' } }), (2 + 1.5 + 1.5 * (2 + 1.5) * 2) * 5);
  assert.equal(operationCost(schema, query, { q: 'x' }, 'Q'), (2 + 1.5) * 10);
});

test('a page size by variable is checked with each request\'s value, however often the document runs', () => {
  const doc = parse('query($n: Int, $m: Int) { items(first: $n) { id children(first: $m) { id } } }');
  for (let i = 0; i < 3; i++) {
    assert.equal(check(schema, doc, { n: 2, m: 2 }), null);
    const refused = check(schema, doc, { n: 100, m: 100 });
    assert.equal(refused?.extensions.code, 'GRAPHQL_VALIDATION_FAILED');
    assert.match(refused!.message, /Query Cost limit of 500 exceeded, found \d+/);
  }
});

test('a page size by variable in a fragment counts too', () => {
  const doc = parse('query($n: Int) { items(first: 1) { ...F } } fragment F on Item { children(first: $n) { id name } }');
  assert.equal(check(schema, doc, { n: 1 }), null);
  assert.ok(check(schema, doc, { n: 100 }));
  assert.ok(check(schema, doc, { n: 100 }), 'the same answer the second time');
});

test('an operation over the limit by its written sizes is refused with valid variables, and left to execution when they do not coerce', () => {
  const doc = parse('query($q: String!) { items(first: 100) { id children(first: 100) { id name } } pageOf(q: $q) { id } }');
  for (let i = 0; i < 2; i++) {
    assert.ok(check(schema, doc, { q: 'x' }), 'refused by the cost');
    assert.equal(check(schema, doc, { q: 3 }), null, 'variables that do not coerce: execution refuses them with their own error');
  }
});
