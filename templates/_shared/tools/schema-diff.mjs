// The SQL between a database and prisma/schema.prisma, computed by Prisma's own schema engine:
// the WebAssembly build that the Prisma CLI ships (@prisma/schema-engine-wasm), run over the
// project's PostgreSQL driver adapter. It needs no download, so it works offline and in CI.
//
//   node tools/schema-diff.mjs --url URL --to-schema prisma/schema.prisma   (database -> schema)
//   node tools/schema-diff.mjs --url URL --from-schema prisma/schema.prisma (schema -> database)
//   add --summary for a list of differences instead of SQL
//
// Exit codes as `prisma migrate diff --exit-code`: 0 no difference, 2 a difference, 1 an error.
// The migration tool's own tables are left out of the comparison. `npm run db:new -- NAME
// --from-schema` and tests/schema.test.ts use this.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const BOOKKEEPING = ['_yoyo_migration', '_yoyo_log', '_yoyo_version', 'yoyo_lock', '_db_migration_meta'].map((table) => `public.${table}`);
const CHAR_OID = 18; // PostgreSQL's one-byte "char" (pg_constraint.contype and the like)
const TEXT_OID = 25;

const { values: options } = parseArgs({
  options: {
    url: { type: 'string' },
    'from-schema': { type: 'string' },
    'to-schema': { type: 'string' },
    summary: { type: 'boolean' },
  },
});
const url = options.url ?? process.env.DATABASE_URL;
const schemaPath = options['to-schema'] ?? options['from-schema'];
if (!url || !schemaPath || (options['to-schema'] && options['from-schema'])) {
  process.stderr.write('usage: node tools/schema-diff.mjs --url URL (--to-schema FILE | --from-schema FILE) [--summary]\n');
  process.exit(1);
}

const require = createRequire(join(process.cwd(), 'package.json'));
const { PrismaPg } = require('@prisma/adapter-pg');
const { bindMigrationAwareSqlAdapterFactory, ColumnTypeEnum } = require('@prisma/driver-adapter-utils');

// The engine reads catalog columns of type "char", which the adapter has no mapping for: they
// are read as text and declared to the engine as characters.
const charColumns = new WeakMap();
const Result = require('pg/lib/result');
const addFields = Result.prototype.addFields;
Result.prototype.addFields = function (fields) {
  const indexes = [];
  fields.forEach((field, index) => {
    if (field.dataTypeID === CHAR_OID) {
      field.dataTypeID = TEXT_OID;
      indexes.push(index);
    }
  });
  if (indexes.length) charColumns.set(this.rows, indexes);
  return addFields.call(this, fields);
};
function declareChars(queryable) {
  const queryRaw = queryable.queryRaw.bind(queryable);
  queryable.queryRaw = async (query) => {
    const result = await queryRaw(query);
    for (const index of charColumns.get(result.rows) ?? []) result.columnTypes[index] = ColumnTypeEnum.Character;
    return result;
  };
  if (queryable.startTransaction) {
    const start = queryable.startTransaction.bind(queryable);
    queryable.startTransaction = async (...args) => declareChars(await start(...args));
  }
  return queryable;
}
const factory = new PrismaPg({ connectionString: url });
const opened = [];
const connect = factory.connect.bind(factory);
factory.connect = async () => {
  const connection = declareChars(await connect());
  opened.push(connection);
  return connection;
};

// Loaded as the Prisma CLI loads it (packages/internals' WasmSchemaEngineLoader).
globalThis.PRISMA_WASM_PANIC_REGISTRY ??= { set_message: (message) => process.stderr.write(`schema engine panic: ${message}\n`) };
const glue = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg');
const runtime = await import(glue);
const bytes = await readFile(join(dirname(glue), 'schema_engine_bg.wasm'));
const { Instance, Module } = globalThis.WebAssembly;
const instance = new Instance(new Module(bytes), { './schema_engine_bg.js': runtime });
runtime.__wbg_set_wasm(instance.exports);
instance.exports.__wbindgen_start();

const files = [{ path: resolve(schemaPath), content: await readFile(schemaPath, 'utf8') }];
const schema = { tag: 'schemaDatamodel', files };
const database = { tag: 'schemaDatasource', files, configDir: process.cwd() };
const engine = await runtime.SchemaEngine.new({ datamodels: undefined }, () => {}, bindMigrationAwareSqlAdapterFactory(factory));
try {
  const result = await engine.diff({
    from: options['to-schema'] ? database : schema,
    to: options['to-schema'] ? schema : database,
    script: !options.summary,
    exitCode: true,
    filters: { externalTables: BOOKKEEPING, externalEnums: [] },
  });
  process.stdout.write(result.stdout ?? '');
  process.exitCode = result.exitCode;
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
} finally {
  engine.free();
  await Promise.allSettled(opened.map((connection) => connection.dispose()));
}
