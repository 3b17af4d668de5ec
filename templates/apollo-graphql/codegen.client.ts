import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * `npm run client`: GraphQL Code Generator's client preset types the operations written with
 * `graphql(...)` in client/ against the schema's .graphql files (client/generated/).
 */
const config: CodegenConfig = {
  schema: ['src/graphql/schema.graphql', 'src/graphql/resources/*.graphql'],
  documents: ['client/**/*.ts', '!client/generated/**'],
  generates: {
    'client/generated/': {
      preset: 'client',
      // Documents as strings: sent with fetch as they are, no GraphQL parser in the bundle.
      presetConfig: { fragmentMasking: false },
      config: { documentMode: 'string', useTypeImports: true, enumsAsTypes: true, scalars: { DateTime: 'string' } },
    },
  },
  silent: true,
};

export default config;
