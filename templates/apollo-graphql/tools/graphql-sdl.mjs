// A GraphQL Code Generator plugin: the whole schema (src/graphql/schema.graphql and the resources'
// .graphql files, merged) as the SDL string the server builds from, so the running API and the
// resolver types always come from the same .graphql files, and no file is read at run time.
import { printSchema } from 'graphql';

export const plugin = (schema) =>
  '/** The schema of src/graphql/*.graphql, merged (`npm run generate` writes this file). */\n' +
  `export const typeDefs = ${JSON.stringify(printSchema(schema))};\n`;
