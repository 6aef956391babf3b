import type { CodegenConfig } from '@graphql-codegen/cli';

// Typed documents for the tests: write operations with graphql() from test/gql and run
// `npm run codegen` after changing them or the schema.
const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['test/**/*.ts', '!test/gql/**'],
  ignoreNoDocuments: true,
  emitLegacyCommonJSImports: false,
  generates: {
    'test/gql/': {
      preset: 'client',
      config: {
        scalars: { DateTime: 'string', JSON: 'unknown', File: 'File' },
        enumsAsTypes: true,
        useTypeImports: true,
      },
      presetConfig: { fragmentMasking: false },
    },
  },
};

export default config;
