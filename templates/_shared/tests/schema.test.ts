import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../src/core/config';
import { createDb, type Db } from '../src/core/db';

/**
 * The SQL in migrations/ owns the schema and prisma/schema.prisma describes it to the client.
 * This test reads both (the migrated test database and the Prisma file) and fails on any
 * difference in tables, columns, types, nullability or unique constraints.
 */

// information_schema's data_type for each Prisma scalar, and for the native types (@db.X) in use.
const SCALAR_TYPES: Record<string, string> = {
  String: 'text',
  Boolean: 'boolean',
  Int: 'integer',
  BigInt: 'bigint',
  Float: 'double precision',
  Decimal: 'numeric',
  DateTime: 'timestamp without time zone',
  Json: 'jsonb',
  Bytes: 'bytea',
};
const NATIVE_TYPES: Record<string, string> = {
  Uuid: 'uuid',
  Text: 'text',
  VarChar: 'character varying',
  Char: 'character',
  Timestamptz: 'timestamp with time zone',
  Timestamp: 'timestamp without time zone',
  Date: 'date',
  Integer: 'integer',
  SmallInt: 'smallint',
  BigInt: 'bigint',
  Boolean: 'boolean',
  JsonB: 'jsonb',
  Json: 'json',
};
const BOOKKEEPING = new Set(['_yoyo_migration', '_yoyo_log', '_yoyo_version', 'yoyo_lock', '_db_migration_meta']);

interface Shape {
  columns: string[]; // "table.column type NULL|NOT NULL"
  uniques: string[]; // "table(col_a,col_b)"
}

function prismaShape(source: string): Shape {
  const models = [...source.matchAll(/^model\s+(\w+)\s*\{([\s\S]*?)^\}/gm)];
  const modelNames = new Set(models.map((m) => m[1]));
  const columns: string[] = [];
  const uniques: string[] = [];
  for (const [, name, body] of models) {
    const lines = (body ?? '')
      .split('\n')
      .map((line) => line.replace(/\/\/.*$/, '').trim())
      .filter(Boolean);
    const table = lines.map((line) => /^@@map\("([^"]+)"\)/.exec(line)?.[1]).find(Boolean) ?? name;
    const columnOf = new Map<string, string>();
    for (const line of lines) {
      const field = /^(\w+)\s+(\w+)(\[\]|\?)?(.*)$/.exec(line);
      if (!field || line.startsWith('@@')) continue;
      const [, fieldName, type, modifier, attributes] = field as unknown as [string, string, string, string | undefined, string];
      if (modelNames.has(type) || modifier === '[]') continue; // relation fields have no column
      const column = /@map\("([^"]+)"\)/.exec(attributes)?.[1] ?? fieldName;
      columnOf.set(fieldName, column);
      const native = /@db\.(\w+)/.exec(attributes)?.[1];
      const sqlType = native
        ? (NATIVE_TYPES[native] ?? `unknown native type @db.${native}`)
        : (SCALAR_TYPES[type] ?? `unknown type ${type}`);
      columns.push(`${table}.${column} ${sqlType} ${modifier === '?' ? 'NULL' : 'NOT NULL'}`);
      if (/@unique\b/.test(attributes)) uniques.push(`${table}(${column})`);
    }
    for (const line of lines) {
      const composite = /^@@unique\(\[([^\]]+)\]/.exec(line);
      if (composite) {
        const fields = (composite[1] ?? '').split(',').map((f) => f.trim());
        uniques.push(`${table}(${fields.map((f) => columnOf.get(f) ?? `unknown field ${f}`).join(',')})`);
      }
    }
  }
  return { columns: columns.sort(), uniques: uniques.sort() };
}

async function databaseShape(db: Db): Promise<Shape> {
  const columns = await db.$queryRawUnsafe<Array<{ table_name: string; column_name: string; data_type: string; is_nullable: string }>>(
    `SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns WHERE table_schema = 'public'`,
  );
  const uniques = await db.$queryRawUnsafe<Array<{ table_name: string; columns: string }>>(
    `SELECT t.relname AS table_name, string_agg(a.attname, ',' ORDER BY k.ord) AS columns
       FROM pg_index i
       JOIN pg_class t ON t.oid = i.indrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace
       CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
       JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
      WHERE n.nspname = 'public' AND i.indisunique AND NOT i.indisprimary
      GROUP BY t.relname, i.indexrelid`,
  );
  return {
    columns: columns
      .filter((c) => !BOOKKEEPING.has(c.table_name))
      .map((c) => `${c.table_name}.${c.column_name} ${c.data_type} ${c.is_nullable === 'YES' ? 'NULL' : 'NOT NULL'}`)
      .sort(),
    uniques: uniques
      .filter((u) => !BOOKKEEPING.has(u.table_name))
      .map((u) => `${u.table_name}(${u.columns})`)
      .sort(),
  };
}

describe('prisma/schema.prisma against the migrated database', () => {
  let db: Db;
  beforeAll(() => {
    db = createDb(loadConfig());
  });
  afterAll(async () => {
    await db.$disconnect();
  });

  it('has the same tables, columns, types, nullability and unique constraints', async () => {
    const expected = prismaShape(readFileSync(join(__dirname, '..', 'prisma', 'schema.prisma'), 'utf8'));
    const actual = await databaseShape(db);
    expect(expected.columns.length).toBeGreaterThan(0);
    // On failure the diff names each drifted column: change the migration or the Prisma model to match.
    expect(actual.columns).toEqual(expected.columns);
    expect(actual.uniques).toEqual(expected.uniques);
  });
});
