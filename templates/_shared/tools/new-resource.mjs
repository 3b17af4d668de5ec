#!/usr/bin/env node
// Adds a resource to this project from one field list: `npm run new:resource -- --help`.
//
// It writes what a hand-written resource has (migration and rollback, Prisma model, schemas,
// repository, service, endpoints, tests, a Locust user) in the project's own style, registers
// it on one line, and formats what it wrote. It checks everything before writing anything, and
// puts every file back as it was when a step after the first write fails.
//
// The template collection renders this file with Jinja: no two braces in a row appear in it
// (`${'}'}` writes the second of two closing braces).

import { Buffer } from 'node:buffer';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const say = (text) => process.stdout.write(`${text}\n`);
const warn = (text) => process.stderr.write(`${text}\n`);

const HELP = `Usage: npm run new:resource -- NAME --fields "FIELD, FIELD, ..." [options]

  NAME                 the resource in the singular: tag, blog-entry (table blog_entries, path /blog-entries)
  --fields SPEC        name:type, comma-separated. Types:
                         string      one line of text, at most 200 characters
                         text        longer text, at most 20000 characters
                         int         a 32-bit integer
                         decimal     a number with 2 decimals (amounts), sent and returned as a string "12.50"
                         boolean
                         datetime    an ISO 8601 date and time (=now for the time of the insert)
                         uuid
                         enum(a|b)   one of the listed values
                         ref(tags)   the id of a row of another resource (a foreign key, field tagId; users too)
                       Modifiers: name:type? optional (null allowed), name:type=VALUE default,
                       name:type:unique unique across the table.
  --owned              rows belong to the user who created them: only they may change or delete them
  --endpoints LIST     a subset of "GET /tags, GET /tags/:id, POST /tags, PATCH /tags/:id, DELETE /tags/:id"
                       (default: all five)
  --plural WORD        the plural when adding "s" is wrong (--plural people)
  --dry-run            list the files it would write and change; write nothing
  --skip-checks        leave out formatting, prisma generate and the migration lint (scripts and tests)

Example:
  npm run new:resource -- tag --fields "name:string:unique, color:string?, weight:int=0, reviewer:ref(users)?" --owned`;

class UsageError extends Error {}

// ---------------------------------------------------------------------------------------------
// Names

function words(name) {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((word) => word.toLowerCase());
}
const upper = (word) => word[0].toUpperCase() + word.slice(1);
const camel = (ws) => ws[0] + ws.slice(1).map(upper).join('');
const pascal = (ws) => ws.map(upper).join('');
const snake = (ws) => ws.join('_');
const kebab = (ws) => ws.join('-');
const human = (ws) => ws.join(' ');

function pluralWord(word) {
  if (/[^aeiou]y$/.test(word)) return `${word.slice(0, -1)}ies`;
  if (/(s|x|z|ch|sh)$/.test(word)) return `${word}es`;
  return `${word}s`;
}

/** Every spelling of one resource name. */
function namesOf(singularWords, pluralWords) {
  return {
    camel: camel(singularWords),
    Pascal: pascal(singularWords),
    human: human(singularWords),
    snake: snake(singularWords),
    plural: camel(pluralWords),
    Plural: pascal(pluralWords),
    pluralHuman: human(pluralWords),
    table: snake(pluralWords),
    route: kebab(pluralWords),
  };
}

const JS_RESERVED = new Set(
  (
    'break case catch class const continue debugger default delete do else enum export extends false finally for function if ' +
    'import in instanceof new null return super switch this throw true try typeof var void while with yield let static ' +
    'implements interface package private protected public await arguments eval constructor prototype'
  ).split(' '),
);
// Words PostgreSQL reserves (a table or column named so must be quoted everywhere).
const SQL_RESERVED = new Set(
  (
    'all analyse analyze and any array as asc asymmetric both case cast check collate column constraint create current_catalog ' +
    'current_date current_role current_time current_timestamp current_user default deferrable desc distinct do else end except ' +
    'false fetch for foreign from grant group having in initially intersect into lateral leading limit localtime localtimestamp ' +
    'not null offset on only or order placing primary references returning select session_user some symmetric table then to ' +
    'trailing true union unique user using variadic when where window with ' +
    // and those reserved but allowed as function or type names, which no column may take either
    'authorization binary collation concurrently cross current_schema freeze full ilike inner is isnull join left like natural ' +
    'notnull outer overlaps right similar tablesample verbose'
  ).split(' '),
);
// Paths and names the API already uses for itself.
const TAKEN_ROUTES = new Set(['auth', 'health', 'metrics', 'docs', 'admin', 'me', 'graphql']);
const SYSTEM_FIELDS = new Set(['id', 'createdAt', 'updatedAt']);
// Types a resource's files import or GraphQL and Prisma define: a resource named so would shadow them.
const TAKEN_TYPES = new Set(
  (
    'Page Problem Promise Cursor Prisma Db Constraints Container Operation Input Member Resource Actor Access Error Date Object ' +
    'Array Map Set Record Symbol Number Boolean String Int Float Decimal DateTime Json Bytes BigInt Unsupported Query Mutation ' +
    'Subscription PageInfo Node Edge Connection Loaders Config Logger Metrics Cache'
  ).split(' '),
);

// ---------------------------------------------------------------------------------------------
// Field specs

const TYPES = ['string', 'text', 'int', 'decimal', 'boolean', 'datetime', 'uuid', 'enum(a|b)', 'ref(resource)'];
const SPEC =
  /^([A-Za-z][A-Za-z0-9_]*)\s*:\s*(string|text|int|decimal|boolean|datetime|uuid|enum\(([^)]*)\)|ref\(([^)]*)\))(\?)?(?:=([^:]*))?(:unique)?$/;

function parseField(raw, models) {
  const text = raw.trim();
  const match = SPEC.exec(text);
  if (!match) {
    const [name, type = ''] = text.split(':');
    if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(name ?? '')) {
      throw new UsageError(`"${text}": a field starts with its name (letters, digits, _), then a colon and a type, e.g. "title:string".`);
    }
    const bare = type.replace(/[?=].*$/, '').trim();
    if (!/^(string|text|int|decimal|boolean|datetime|uuid|enum\(.*\)|ref\(.*\))$/.test(bare)) {
      throw new UsageError(`"${text}": "${bare || '(none)'}" is not a field type; use one of ${TYPES.join(', ')}.`);
    }
    throw new UsageError(
      `"${text}": modifiers go in this order: type, then ? (optional), then =DEFAULT, then :unique, e.g. "code:string?:unique".`,
    );
  }
  const [, rawName, , enumList, refTarget, optional, defaultValue, unique] = match;
  const type = match[2].replace(/\(.*$/, '');
  let nameWords = words(rawName);
  if (type === 'ref' && nameWords.length > 1 && nameWords.at(-1) === 'id') nameWords = nameWords.slice(0, -1);
  const field = {
    spec: text,
    type,
    name: camel(nameWords),
    column: snake(nameWords),
    optional: Boolean(optional),
    unique: Boolean(unique),
    default: defaultValue,
    label: human(nameWords),
  };
  if (type === 'enum') {
    field.values = enumList.split('|').map((value) => value.trim());
    if (field.values.length < 2 || field.values.some((value) => !/^[a-z][a-z0-9_]*$/.test(value))) {
      throw new UsageError(
        `"${text}": an enum lists two or more lowercase values (letters, digits, _) between |, e.g. "status:enum(draft|published)".`,
      );
    }
    if (new Set(field.values).size !== field.values.length) throw new UsageError(`"${text}": an enum value appears twice.`);
  }
  if (type === 'ref') {
    const target = findModel(models, refTarget.trim());
    if (!target) {
      const known = models.map((model) => model.table).join(', ');
      throw new UsageError(`"${text}": no resource "${refTarget.trim()}" in prisma/schema.prisma; a ref names one of: ${known}.`);
    }
    if (field.default !== undefined) throw new UsageError(`"${text}": a ref has no default value.`);
    field.target = target;
    field.relation = field.name;
    field.name = `${field.name}Id`;
    field.column = `${field.column}_id`;
    field.label = field.relation.replace(/([A-Z])/g, ' $1').toLowerCase();
  }
  const given = type === 'ref' ? field.relation : field.name;
  if (
    JS_RESERVED.has(field.name) ||
    SYSTEM_FIELDS.has(field.name) ||
    SQL_RESERVED.has(field.column) ||
    (type === 'ref' && SYSTEM_FIELDS.has(given))
  ) {
    throw new UsageError(`"${text}": "${given}" is a reserved name; choose another, e.g. "${given}Value".`);
  }
  if (type === 'ref' && field.unique) {
    throw new UsageError(
      `"${text}": a reference cannot be :unique here; add the unique index by hand after generating (a one-to-one relation).`,
    );
  }
  if (field.default !== undefined) field.defaultValue = checkDefault(field, text);
  return field;
}

function checkDefault(field, text) {
  const value = field.default.trim();
  const bad = (what) => new UsageError(`"${text}": the default of ${field.name} (${field.type}) ${what}.`);
  switch (field.type) {
    case 'int':
      if (!/^-?\d+$/.test(value) || Math.abs(Number(value)) > 2147483647) throw bad('is a whole number, e.g. "count:int=0"');
      return Number(value);
    case 'decimal':
      if (!/^-?\d{1,10}(\.\d{1,2})?$/.test(value)) throw bad('is a number with at most 2 decimals, e.g. "price:decimal=0.00"');
      return Number(value).toFixed(2);
    case 'boolean':
      if (value !== 'true' && value !== 'false') throw bad('is true or false');
      return value === 'true';
    case 'datetime':
      if (value !== 'now') throw bad('can only be "now" (the time of the insert)');
      return 'now';
    case 'enum':
      if (!field.values.includes(value)) throw bad(`is one of its values (${field.values.join(', ')})`);
      return value;
    case 'string':
    case 'text':
      if (!value || /['"\\,]/.test(value)) throw bad('is plain text without quotes, backslashes or commas');
      return value;
    default:
      throw bad('cannot be set here');
  }
}

// ---------------------------------------------------------------------------------------------
// The project as it is

function read(path) {
  return readFileSync(join(ROOT, path), 'utf8');
}

function detectProject() {
  const has = (path) => existsSync(join(ROOT, path));
  let stack;
  if (has('src/graphql')) stack = 'graphql';
  else if (has('src/http/nest')) stack = 'nestjs';
  else if (has('src/http/operations.ts')) stack = 'operations';
  else throw new UsageError('This does not look like a Backend Kit project: run the command from the project folder.');
  // NestJS: the root module (src/app.module.ts; src/app.ts in projects made before 0.5.0) lists the feature modules.
  const appModule = has('src/app.module.ts') ? 'src/app.module.ts' : 'src/app.ts';
  const source = { nestjs: appModule, operations: 'src/http/operation.ts' }[stack];
  const prefix = source ? (/export const API_PREFIX = '([^']*)'/.exec(read(source))?.[1] ?? '/api') : '';
  return { stack, auth: has('src/core/modules/auth'), prefix, appModule };
}

/** Models of prisma/schema.prisma: name, table, fields (with their `///` documentation), and where each block ends. */
function parseSchema(text) {
  const models = [];
  const lines = text.split('\n');
  let current;
  let doc = [];
  lines.forEach((line, index) => {
    const open = /^model\s+(\w+)\s*\{/.exec(line);
    if (open) {
      current = { name: open[1], table: open[1].toLowerCase(), fields: [], start: index };
      return;
    }
    if (!current) return;
    if (/^\}/.test(line)) {
      current.end = index;
      models.push(current);
      current = undefined;
      return;
    }
    const map = /^\s*@@map\("([^"]+)"\)/.exec(line);
    if (map) current.table = map[1];
    const docLine = /^\s*\/\/\/\s?(.*)$/.exec(line);
    if (docLine) {
      doc.push(docLine[1]);
      return;
    }
    const field = /^\s*([a-zA-Z]\w*)\s+([A-Za-z]\w*)(\[\])?(\?)?(.*)$/.exec(line);
    if (field) {
      current.fields.push({
        name: field[1],
        type: field[2],
        list: Boolean(field[3]),
        optional: Boolean(field[4]),
        attrs: field[5],
        doc: doc.join(' '),
      });
    }
    doc = [];
  });
  return models;
}

function findModel(models, name) {
  const wanted = name.toLowerCase().replace(/[-\s]/g, '_');
  return models.find((model) => model.table === wanted || model.name.toLowerCase() === wanted.replace(/_/g, ''));
}

// ---------------------------------------------------------------------------------------------
// SQL and Prisma

/** Each field type in every place it is written: PostgreSQL, Prisma, GraphQL (an enum is its own GraphQL type). */
const STORED_AS = {
  string: { sql: 'text', prisma: 'String', graphql: 'String' },
  text: { sql: 'text', prisma: 'String', graphql: 'String' },
  int: { sql: 'integer', prisma: 'Int', graphql: 'Int' },
  decimal: { sql: 'numeric(12, 2)', prisma: 'Decimal', graphql: 'String' },
  boolean: { sql: 'boolean', prisma: 'Boolean', graphql: 'Boolean' },
  datetime: { sql: 'timestamptz(3)', prisma: 'DateTime', graphql: 'DateTime' },
  uuid: { sql: 'uuid', prisma: 'String', graphql: 'ID' },
  enum: { sql: 'text', prisma: 'String', graphql: undefined },
  ref: { sql: 'uuid', prisma: 'String', graphql: 'ID' },
};

function sqlDefault(field) {
  const value = field.defaultValue;
  if (value === undefined) return '';
  if (field.type === 'datetime') return ' DEFAULT now()';
  if (typeof value === 'string' && field.type !== 'decimal') return ` DEFAULT '${value}'`;
  return ` DEFAULT ${value}`;
}

function migration(r, stem) {
  const columns = [['id', 'uuid PRIMARY KEY DEFAULT gen_random_uuid()']];
  for (const field of r.fields) {
    let definition = `${STORED_AS[field.type].sql}${field.optional ? '' : ' NOT NULL'}${sqlDefault(field)}`;
    if (field.type === 'enum') {
      definition += ` CONSTRAINT ${r.table}_${field.column}_check CHECK (${field.column} IN (${field.values.map((v) => `'${v}'`).join(', ')}))`;
    }
    if (field.type === 'ref') {
      definition += ` REFERENCES ${field.target.table} (id) ON DELETE ${field.optional ? 'SET NULL' : 'CASCADE'}`;
    }
    columns.push([field.column, definition]);
  }
  columns.push(['created_at', 'timestamptz(3) NOT NULL DEFAULT now()'], ['updated_at', 'timestamptz(3) NOT NULL DEFAULT now()']);
  const width = Math.max(...columns.map(([name]) => name.length));
  const body = columns.map(([name, definition]) => `    ${name.padEnd(width)} ${definition}`).join(',\n');
  const indexes = [`CREATE INDEX ${r.table}_created_at_id_idx ON ${r.table} (created_at DESC, id DESC);`];
  for (const field of r.fields.filter((f) => f.type === 'ref')) {
    indexes.push(`CREATE INDEX ${r.table}_${field.column}_created_at_id_idx ON ${r.table} (${field.column}, created_at DESC, id DESC);`);
  }
  for (const field of r.fields.filter((f) => f.unique)) {
    indexes.push(`CREATE UNIQUE INDEX ${r.table}_${field.column}_key ON ${r.table} (${field.column});`);
  }
  const up =
    `-- The ${r.names.pluralHuman} resource, written by \`npm run new:resource\`. Rolled back by ${stem}.rollback.sql.\n` +
    `-- A new table takes no lock anyone waits for, so this runs in one transaction.\n\n` +
    `CREATE TABLE ${r.table} (\n${body}\n);\n` +
    `-- Newest first, for the list and its cursor pages${r.refs.length ? ', and the same per referenced row' : ''}.\n` +
    `${indexes.join('\n')}\n`;
  const down = `-- Undoes ${stem}.sql: drops the table it made, and every row in it.\nDROP TABLE ${r.table};\n`;
  return { up, down };
}

function prismaDefault(field) {
  const value = field.defaultValue;
  if (value === undefined) return '';
  if (field.type === 'datetime') return ' @default(now())';
  if (field.type === 'decimal') return ` @default(${value})`;
  if (typeof value === 'string') return ` @default("${value}")`;
  return ` @default(${value})`;
}

/** Relation names, needed only where one model is referenced twice by this resource. */
function relationName(r, field) {
  const sameTarget = r.refs.filter((ref) => ref.target.name === field.target.name).length > 1;
  return sameTarget ? `"${r.names.Pascal}${upper(field.relation)}"` : undefined;
}

function prismaModel(r) {
  const rows = [['id', 'String', '@id @default(dbgenerated("gen_random_uuid()")) @db.Uuid']];
  const docs = new Map();
  for (const field of r.fields) {
    const attrs = [];
    if (field.unique) attrs.push('@unique');
    const dflt = prismaDefault(field).trim();
    if (dflt) attrs.push(dflt);
    if (field.column !== field.name) attrs.push(`@map("${field.column}")`);
    if (field.type === 'decimal') attrs.push('@db.Decimal(12, 2)');
    if (field.type === 'datetime') attrs.push('@db.Timestamptz(3)');
    if (field.type === 'uuid' || field.type === 'ref') attrs.push('@db.Uuid');
    if (field.type === 'enum') docs.set(field.name, `/// enum: ${field.values.join(' | ')}`);
    rows.push([field.name, `${STORED_AS[field.type].prisma}${field.optional ? '?' : ''}`, attrs.join(' ')]);
    if (field.type === 'ref') {
      const name = relationName(r, field);
      const action = field.optional ? 'SetNull' : 'Cascade';
      const relationAttrs = `@relation(${name ? `${name}, ` : ''}fields: [${field.name}], references: [id], onDelete: ${action}, onUpdate: NoAction)`;
      rows.push([field.relation, `${field.target.name}${field.optional ? '?' : ''}`, relationAttrs]);
    }
  }
  rows.push(
    ['createdAt', 'DateTime', '@default(now()) @map("created_at") @db.Timestamptz(3)'],
    ['updatedAt', 'DateTime', '@default(now()) @updatedAt @map("updated_at") @db.Timestamptz(3)'],
  );
  const nameWidth = Math.max(...rows.map(([name]) => name.length));
  const typeWidth = Math.max(...rows.map(([, type]) => type.length));
  const lines = [];
  for (const [name, type, attrs] of rows) {
    if (docs.has(name)) lines.push(`  ${docs.get(name)}`);
    lines.push(`  ${name.padEnd(nameWidth)} ${type.padEnd(typeWidth)} ${attrs}`.trimEnd());
  }
  lines.push('');
  lines.push('  @@index([createdAt(sort: Desc), id(sort: Desc)])');
  for (const field of r.refs) lines.push(`  @@index([${field.name}, createdAt(sort: Desc), id(sort: Desc)])`);
  lines.push(`  @@map("${r.table}")`);
  return `\n// Written by \`npm run new:resource\`; migrations/${r.stem}.sql makes its table.\nmodel ${r.names.Pascal} {\n${lines.join('\n')}\n}\n`;
}

/** schema.prisma with the new model appended and its back-relations in the models it references. */
function editSchema(text, models, r) {
  const lines = text.split('\n');
  const inserts = [];
  for (const field of r.refs) {
    const target = field.target;
    const name = relationName(r, field);
    let back = r.names.plural;
    if (target.fields.some((f) => f.name === back) || name) back = `${r.names.plural}By${upper(field.relation)}`;
    if (target.fields.some((f) => f.name === back)) {
      throw new UsageError(`model ${target.name} already has a field "${back}"; rename the field "${field.relation}".`);
    }
    // The back-relation goes after the model's last field line, before its @@ lines.
    let at = target.end;
    for (let i = target.start + 1; i < target.end; i += 1) {
      if (/^\s*@@/.test(lines[i]) || lines[i].trim() === '') {
        at = i;
        break;
      }
    }
    inserts.push({ at, line: `  ${back} ${r.names.Pascal}[]${name ? ` @relation(${name})` : ''}` });
  }
  for (const insert of inserts.sort((a, b) => b.at - a.at)) lines.splice(insert.at, 0, insert.line);
  return `${lines.join('\n').trimEnd()}\n${prismaModel(r)}`;
}

// ---------------------------------------------------------------------------------------------
// TypeScript: schemas, repository, service

function zodIn(field) {
  switch (field.type) {
    case 'string':
      return "z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters').regex(STORABLE, NO_NUL)";
    case 'text':
      return "z.string().min(1, 'must not be empty').max(20000, 'must be at most 20000 characters').regex(STORABLE, NO_NUL)";
    case 'int':
      return "z.number().int('must be a whole number').min(-2147483648).max(2147483647)";
    case 'decimal':
      return 'z.string().regex(DECIMAL, \'must be a decimal number as a string, e.g. "12.50" (at most 10 digits before the point, 2 after)\')';
    case 'boolean':
      return 'z.boolean()';
    case 'datetime':
      return "z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date and time, e.g. 2026-01-31T12:00:00Z' })";
    case 'uuid':
    case 'ref':
      return 'Uuid';
    case 'enum':
      return `z.enum([${field.values.map((v) => `'${v}'`).join(', ')}])`;
  }
}

function zodOut(field) {
  const base = {
    string: 'z.string()',
    text: 'z.string()',
    int: 'z.number().int()',
    decimal: 'z.string()',
    boolean: 'z.boolean()',
    datetime: 'z.iso.datetime()',
    uuid: 'z.uuid()',
    ref: 'z.uuid()',
    enum: `z.enum([${(field.values ?? []).map((v) => `'${v}'`).join(', ')}])`,
  }[field.type];
  return field.optional ? `${base}.nullable()` : base;
}

function tsDefault(field) {
  const value = field.defaultValue;
  if (value === undefined || field.type === 'datetime') return '';
  return `.default(${typeof value === 'string' ? `'${value}'` : value})`;
}

function schemaFile(r) {
  const n = r.names;
  const uses = new Set(r.fields.map((f) => f.type));
  const fieldImports = [];
  if (uses.has('string') || uses.has('text')) fieldImports.push('NO_NUL', 'STORABLE');
  if (uses.has('uuid') || uses.has('ref')) fieldImports.push('Uuid');
  const out = [
    '  id: z.uuid(),',
    ...r.fields.map((f) => `  ${f.name}: ${zodOut(f)},`),
    ...(r.owned ? ['  ownerId: z.uuid(),'] : []),
    '  createdAt: z.iso.datetime(),',
    '  updatedAt: z.iso.datetime(),',
  ];
  const rules = r.fields.map((f) => `  ${f.name}: ${zodIn(f)},`);
  const create = r.fields.map((f) => {
    if (f.optional) return `  ${f.name}: fields.${f.name}.nullable()${tsDefault(f) || '.optional()'},`;
    if (f.defaultValue !== undefined && f.type !== 'datetime') return `  ${f.name}: fields.${f.name}${tsDefault(f)},`;
    if (f.type === 'datetime' && f.defaultValue !== undefined) return `  ${f.name}: fields.${f.name}.optional(),`;
    return `  ${f.name}: fields.${f.name},`;
  });
  const update = r.fields.map((f) => `  ${f.name}: fields.${f.name}${f.optional ? '.nullable()' : ''}.optional(),`);
  const filters = r.refs.map((f) => `  ${f.name}: Uuid.optional(),`);
  return `import { z } from 'zod';
${fieldImports.length ? `import { ${fieldImports.sort().join(', ')} } from '../../fields';\n` : ''}import { PageQuery } from '../../pagination';
${uses.has('decimal') ? '\n/** 10 digits before the point at most, 2 after: what numeric(12, 2) stores exactly. */\nconst DECIMAL = /^-?\\d{1,10}(\\.\\d{1,2})?$/;\n' : ''}
/** One ${n.human} as the API returns it. */
export const ${n.Pascal}Schema = z.object({
${out.join('\n')}
});
export type ${n.Pascal} = z.infer<typeof ${n.Pascal}Schema>;

export const ${n.Pascal}PageSchema = z.object({ data: z.array(${n.Pascal}Schema), nextCursor: z.string().nullable() });

/** The rule of each field a client sends. */
const fields = {
${rules.join('\n')}
};

export const Create${n.Pascal}Body = z.object({
${create.join('\n')}
});
export type Create${n.Pascal}Input = z.infer<typeof Create${n.Pascal}Body>;

export const Update${n.Pascal}Body = z
  .object({
${update.map((line) => `  ${line}`).join('\n')}
  })
  .refine((body) => Object.values(body).some((value) => value !== undefined), {
    message: 'send at least one of ${r.fields.map((f) => f.name).join(', ')}',
  });
export type Update${n.Pascal}Input = z.infer<typeof Update${n.Pascal}Body>;

/** \`?limit=&cursor=\`${r.refs.length ? ` and the references a list can be narrowed to (${r.refs.map((f) => `\`${f.name}\``).join(', ')})` : ''}. */
export const ${n.Pascal}ListQuery = ${r.refs.length ? `PageQuery.extend({\n${filters.join('\n')}\n})` : 'PageQuery'};
export type ${n.Pascal}ListFilter = Omit<z.infer<typeof ${n.Pascal}ListQuery>, 'limit' | 'cursor'>;
`;
}

function repositoryFile(r) {
  const n = r.names;
  const select = [
    'id: true',
    ...r.fields.map((f) => `${f.name}: true`),
    ...(r.owned ? ['ownerId: true'] : []),
    'createdAt: true',
    'updatedAt: true',
  ];
  const convert = r.fields
    .filter((f) => f.type === 'datetime' || f.type === 'decimal' || f.type === 'enum')
    .map((f) => {
      if (f.type === 'enum') return `    ${f.name}: row.${f.name} as ${n.Pascal}['${f.name}'],`;
      const how = f.type === 'datetime' ? 'toISOString()' : 'toFixed(2)';
      return `    ${f.name}: row.${f.name}${f.optional ? `?.${how} ?? null` : `.${how}`},`;
    });
  const unique = r.fields.filter((f) => f.unique).map((f) => `    ${r.table}_${f.column}_key: '${f.name}',`);
  const references = r.refs.map(
    (f) => `    ${r.table}_${f.column}_fkey: { field: '${f.name}', target: '${f.target.name.toLowerCase()}' },`,
  );
  const constraints = [];
  if (unique.length) constraints.push(`  unique: {\n${unique.join('\n')}\n  },`);
  if (references.length) constraints.push(`  references: {\n${references.join('\n')}\n  },`);
  return `import type { Prisma } from '../../../generated/prisma/client';
import { constraintError, type Constraints } from '../../constraints';
import type { Db } from '../../db';
import { afterCursor, type Cursor } from '../../pagination';
import type { Create${n.Pascal}Input, ${n.Pascal}, ${n.Pascal}ListFilter, Update${n.Pascal}Input } from './${r.route}.schema';

const ${n.camel}Select = { ${select.join(', ')} } satisfies Prisma.${n.Pascal}Select;
type ${n.Pascal}Row = Prisma.${n.Pascal}GetPayload<{ select: typeof ${n.camel}Select }>;

/** What a client's write can break, by constraint name (see migrations/${r.stem}.sql). */
const CONSTRAINTS: Constraints = {
${constraints.join('\n')}
};

function to${n.Pascal}(row: ${n.Pascal}Row): ${n.Pascal} {
  return {
    ...row,
${convert.join('\n')}
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export class ${n.Plural}Repository {
  constructor(private readonly db: Db) {}

  /** Newest first; returns up to \`take\` rows after \`cursor\`. */
  async list(take: number, cursor: Cursor | undefined, filter: ${n.Pascal}ListFilter): Promise<${n.Pascal}[]> {
    const rows = await this.db.${n.camel}.findMany({
      where: { ...filter, ...afterCursor(cursor) },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take,
      select: ${n.camel}Select,
    });
    return rows.map(to${n.Pascal});
  }

  async findById(id: string): Promise<${n.Pascal} | null> {
    const row = await this.db.${n.camel}.findUnique({ where: { id }, select: ${n.camel}Select });
    return row ? to${n.Pascal}(row) : null;
  }
${
  r.graphql
    ? `
  /** The rows of these ids that exist, in any order (for the GraphQL DataLoader). */
  async findMany(ids: readonly string[]): Promise<${n.Pascal}[]> {
    const rows = await this.db.${n.camel}.findMany({ where: { id: { in: [...ids] } }, select: ${n.camel}Select });
    return rows.map(to${n.Pascal});
  }
`
    : ''
}
  async create(input: Create${n.Pascal}Input${r.owned ? ', ownerId: string' : ''}): Promise<${n.Pascal}> {
    try {
      return to${n.Pascal}(await this.db.${n.camel}.create({ data: { ...input${r.owned ? ', ownerId' : ''} }, select: ${n.camel}Select }));
    } catch (error) {
      throw constraintError(error, CONSTRAINTS);
    }
  }

  /** The updated row, or null when no row has this id. */
  async update(id: string, input: Update${n.Pascal}Input): Promise<${n.Pascal} | null> {
    try {
      const rows = await this.db.${n.camel}.updateManyAndReturn({ where: { id }, data: input, select: ${n.camel}Select });
      return rows[0] ? to${n.Pascal}(rows[0]) : null;
    } catch (error) {
      throw constraintError(error, CONSTRAINTS);
    }
  }

  /** False when no row has this id. */
  async delete(id: string): Promise<boolean> {
    const { count } = await this.db.${n.camel}.deleteMany({ where: { id } });
    return count > 0;
  }
}
`;
}

function serviceFile(r) {
  const n = r.names;
  const notFound = `new NotFoundError(\`No ${n.human} has id \${id}.\`, '${n.snake}_not_found')`;
  const owned = r.owned
    ? `
  /** Only the user who created it may change or delete it. */
  private async ownedBy(id: string, actorId: string): Promise<void> {
    const ${n.camel} = await this.get(id);
    if (${n.camel}.ownerId !== actorId) throw new ForbiddenError('Only the owner can change or delete this ${n.human}.', 'not_${n.snake}_owner');
  }
`
    : '';
  return `import { ${r.owned ? 'ForbiddenError, ' : ''}NotFoundError } from '../../errors';
import { decodeCursor, toPage, type Page } from '../../pagination';
import type { ${n.Plural}Repository } from './${r.route}.repository';
import type { Create${n.Pascal}Input, ${n.Pascal}, ${n.Pascal}ListFilter, Update${n.Pascal}Input } from './${r.route}.schema';

export class ${n.Plural}Service {
  constructor(private readonly ${n.plural}: ${n.Plural}Repository) {}

  async list(limit: number, cursor: string | undefined, filter: ${n.Pascal}ListFilter = {}): Promise<Page<${n.Pascal}>> {
    const rows = await this.${n.plural}.list(limit + 1, cursor ? decodeCursor(cursor) : undefined, filter);
    return toPage(rows, limit);
  }

  async get(id: string): Promise<${n.Pascal}> {
    const ${n.camel} = await this.${n.plural}.findById(id);
    if (!${n.camel}) throw ${notFound};
    return ${n.camel};
  }
${
  r.graphql
    ? `
  getMany(ids: readonly string[]): Promise<${n.Pascal}[]> {
    return this.${n.plural}.findMany(ids);
  }
`
    : ''
}
  create(input: Create${n.Pascal}Input${r.owned ? ', ownerId: string' : ''}): Promise<${n.Pascal}> {
    return this.${n.plural}.create(input${r.owned ? ', ownerId' : ''});
  }

  async update(id: string, input: Update${n.Pascal}Input${r.owned ? ', actorId: string' : ''}): Promise<${n.Pascal}> {
${r.owned ? '    await this.ownedBy(id, actorId);\n' : ''}    const ${n.camel} = await this.${n.plural}.update(id, input);
    if (!${n.camel}) throw ${notFound};
    return ${n.camel};
  }

  async delete(id: string${r.owned ? ', actorId: string' : ''}): Promise<void> {
${r.owned ? '    await this.ownedBy(id, actorId);\n' : ''}    if (!(await this.${n.plural}.delete(id))) throw ${notFound};
  }
${owned}${'}'}
`;
}

// ---------------------------------------------------------------------------------------------
// Endpoints

const ENDPOINTS = ['list', 'get', 'create', 'update', 'delete'];

function parseEndpoints(spec, route) {
  if (spec === undefined) return new Set(ENDPOINTS);
  const forms = {
    [`GET /${route}`]: 'list',
    [`GET /${route}/:id`]: 'get',
    [`POST /${route}`]: 'create',
    [`PATCH /${route}/:id`]: 'update',
    [`DELETE /${route}/:id`]: 'delete',
  };
  const chosen = new Set();
  for (const raw of spec.split(',')) {
    const text = raw.trim().replace(/\s+/g, ' ');
    if (!text) continue;
    const [method = '', path = ''] = text.split(' ');
    const kind = forms[`${method.toUpperCase()} ${path.replace(/\/$/, '').replace(/\{id\}$/, ':id')}`];
    if (!kind) throw new UsageError(`--endpoints: "${text}" is not one of ${Object.keys(forms).join(', ')}.`);
    chosen.add(kind);
  }
  if (chosen.size === 0) throw new UsageError('--endpoints lists no endpoint; leave it out for all five.');
  return chosen;
}

const SUMMARIES = {
  list: (n, r) =>
    `${upper(n.pluralHuman)}, newest first (cursor pagination${r.refs.length ? `; narrow with ${r.refs.map((f) => f.name).join(', ')}` : ''})`,
  get: (n) => `One ${n.human}`,
  create: (n) => `Create a ${n.human}`,
  update: (n, r) => (r.owned ? `Change your ${n.human}` : `Change a ${n.human}`),
  delete: (n, r) => (r.owned ? `Delete your ${n.human}` : `Delete a ${n.human}`),
};

function operationsFile(r) {
  const n = r.names;
  const e = r.endpoints;
  const ops = [];
  const errors = new Set();
  const actor = r.owned ? ', actor' : '';
  const by = r.owned ? ', actorId(actor)' : '';
  const writeErrors = r.owned ? 'ownerErrors' : 'targetErrors';
  if (e.has('list')) {
    ops.push(`    operation({
      method: 'get',
      path: '/${r.route}',
      tags: ['${r.route}'],
      summary: '${SUMMARIES.list(n, r)}',
      access: 'public',
      query: ${n.Pascal}ListQuery,
      status: 200,
      responses: { 200: ${n.Pascal}PageSchema, 400: ProblemSchema },
      handle: ({ query: { limit, cursor, ...filter } }) => ${n.plural}.list(limit, cursor, filter),
    }),`);
  }
  if (e.has('get')) {
    errors.add('readErrors');
    ops.push(`    operation({
      method: 'get',
      path: '/${r.route}/:id',
      tags: ['${r.route}'],
      summary: '${SUMMARIES.get(n)}',
      access: 'public',
      params: IdParams,
      status: 200,
      responses: { 200: ${n.Pascal}Schema, ...readErrors },
      handle: ({ params }) => ${n.plural}.get(params.id),
    }),`);
  }
  if (e.has('create')) {
    errors.add('createErrors');
    ops.push(`    operation({
      method: 'post',
      path: '/${r.route}',
      tags: ['${r.route}'],
      summary: '${SUMMARIES.create(n)}',
      ...acting,
      body: Create${n.Pascal}Body,
      status: 201,
      responses: { 201: ${n.Pascal}Schema, ...createErrors${r.unique.length ? ', 409: ProblemSchema' : ''} },
      handle: ({ body${actor} }) => ${n.plural}.create(body${by}),
    }),`);
  }
  if (e.has('update')) {
    errors.add(writeErrors);
    ops.push(`    operation({
      method: 'patch',
      path: '/${r.route}/:id',
      tags: ['${r.route}'],
      summary: '${SUMMARIES.update(n, r)}',
      ...acting,
      params: IdParams,
      body: Update${n.Pascal}Body,
      status: 200,
      responses: { 200: ${n.Pascal}Schema, ...${writeErrors}${r.unique.length ? ', 409: ProblemSchema' : ''} },
      handle: ({ params, body${actor} }) => ${n.plural}.update(params.id, body${by}),
    }),`);
  }
  if (e.has('delete')) {
    errors.add(writeErrors);
    ops.push(`    operation({
      method: 'delete',
      path: '/${r.route}/:id',
      tags: ['${r.route}'],
      summary: '${SUMMARIES.delete(n, r)}',
      ...acting,
      params: IdParams,
      status: 204,
      responses: { 204: NoContent, ...${writeErrors} },
      handle: ({ params${actor} }) => ${n.plural}.delete(params.id${by}),
    }),`);
  }
  const schemaNames = [
    ...(e.has('create') ? [`Create${n.Pascal}Body`] : []),
    ...(e.has('list') ? [`${n.Pascal}ListQuery`, `${n.Pascal}PageSchema`] : []),
    ...(e.has('get') || e.has('create') || e.has('update') ? [`${n.Pascal}Schema`] : []),
    ...(e.has('update') ? [`Update${n.Pascal}Body`] : []),
  ];
  const writes = e.has('create') || e.has('update') || e.has('delete');
  const operationImports = [
    ...(writes ? ['acting'] : []),
    ...errors,
    ...(e.has('delete') ? ['NoContent'] : []),
    'operation',
    'type Operation',
  ].sort((a, b) => a.replace('type ', '').localeCompare(b.replace('type ', '')));
  const needsProblem = e.has('list') || r.unique.length > 0;
  const needsId = e.has('get') || e.has('update') || e.has('delete');
  return `import type { Container } from '../../core/container';
${needsProblem ? "import { ProblemSchema } from '../../core/errors';\n" : ''}${needsId ? "import { IdParams } from '../../core/fields';\n" : ''}import { ${n.Plural}Repository } from '../../core/modules/${r.route}/${r.route}.repository';
${schemaNames.length ? `import { ${schemaNames.sort().join(', ')} } from '../../core/modules/${r.route}/${r.route}.schema';\n` : ''}import { ${n.Plural}Service } from '../../core/modules/${r.route}/${r.route}.service';
${r.owned && (e.has('create') || e.has('update') || e.has('delete')) ? "import { actorId } from '../actor';\n" : ''}import { ${operationImports.join(', ')} } from '../operation';

/** ${upper(n.pluralHuman)}: written by \`npm run new:resource\`, yours to change. */
export function ${n.plural}Operations(container: Container): Operation[] {
  const ${n.plural} = new ${n.Plural}Service(new ${n.Plural}Repository(container.db));
  return [
${ops.join('\n')}
  ];
}
`;
}

function nestFiles(r, auth) {
  const n = r.names;
  const e = r.endpoints;
  const methods = [];
  const decorators = new Set(['Controller', 'Inject']);
  const owner = r.owned ? ', @CurrentActor() actor: Actor' : '';
  const by = r.owned ? ', actorId(actor)' : '';
  const writeErrors = r.owned ? 'ownerErrors' : 'targetErrors';
  const conflict = r.unique.length ? ', 409: ProblemSchema' : '';
  const errorMaps = new Set();
  if (e.has('list')) {
    decorators.add('Get').add('Query');
    methods.push(`  @Get()
  @Endpoint({ summary: '${SUMMARIES.list(n, r)}', status: 200, responses: { 200: ${n.Pascal}PageSchema, 400: ProblemSchema } })
  list(@Query({ schema: ${n.Pascal}ListQuery }) query: ${n.Pascal}Query) {
    const { limit, cursor, ...filter } = query;
    return this.${n.plural}.list(limit, cursor, filter);
  }`);
  }
  if (e.has('get')) {
    decorators.add('Get').add('Param');
    errorMaps.add('readErrors');
    methods.push(`  @Get(':id')
  @Endpoint({ summary: '${SUMMARIES.get(n)}', status: 200, responses: { 200: ${n.Pascal}Schema, ...readErrors } })
  get(@Param({ schema: IdParams }) params: Id) {
    return this.${n.plural}.get(params.id);
  }`);
  }
  if (e.has('create')) {
    decorators.add('Post').add('Body');
    errorMaps.add('createErrors');
    methods.push(`  @Post()
  @Endpoint({ summary: '${SUMMARIES.create(n)}', access: acting, status: 201, responses: { 201: ${n.Pascal}Schema, ...createErrors${conflict} } })
  create(@Body({ schema: Create${n.Pascal}Body }) body: Create${n.Pascal}Input${r.owned ? ', @CurrentActor() actor: Actor' : ''}) {
    return this.${n.plural}.create(body${by});
  }`);
  }
  if (e.has('update')) {
    decorators.add('Patch').add('Param').add('Body');
    errorMaps.add(writeErrors);
    methods.push(`  @Patch(':id')
  @Endpoint({ summary: '${SUMMARIES.update(n, r)}', access: acting, status: 200, responses: { 200: ${n.Pascal}Schema, ...${writeErrors}${conflict} } })
  update(@Param({ schema: IdParams }) params: Id, @Body({ schema: Update${n.Pascal}Body }) body: Update${n.Pascal}Input${owner}) {
    return this.${n.plural}.update(params.id, body${by});
  }`);
  }
  if (e.has('delete')) {
    decorators.add('Delete').add('Param');
    errorMaps.add(writeErrors);
    methods.push(`  @Delete(':id')
  @Endpoint({ summary: '${SUMMARIES.delete(n, r)}', access: acting, status: 204, responses: { 204: NoContent, ...${writeErrors} } })
  async remove(@Param({ schema: IdParams }) params: Id${owner}): Promise<void> {
    await this.${n.plural}.delete(params.id${by});
  }`);
  }
  const maps = {
    readErrors: `{ 400: ProblemSchema, ${auth ? '401: ProblemSchema, ' : ''}404: ProblemSchema }`,
    createErrors: `{ 400: ProblemSchema${auth ? ', 401: ProblemSchema, 403: ProblemSchema' : ''} }`,
    targetErrors: `{ 400: ProblemSchema, ${auth ? '401: ProblemSchema, 403: ProblemSchema, ' : ''}404: ProblemSchema }`,
    ownerErrors: `{ 400: ProblemSchema, ${auth ? '401: ProblemSchema, ' : ''}403: ProblemSchema, 404: ProblemSchema }`,
  };
  const writes = e.has('create') || e.has('update') || e.has('delete');
  const schemaNames = [
    ...(e.has('create') ? [`Create${n.Pascal}Body`, `type Create${n.Pascal}Input`] : []),
    ...(e.has('list') ? [`${n.Pascal}ListQuery`, `${n.Pascal}PageSchema`] : []),
    ...(e.has('get') || e.has('create') || e.has('update') ? [`${n.Pascal}Schema`] : []),
    ...(e.has('update') ? [`Update${n.Pascal}Body`, `type Update${n.Pascal}Input`] : []),
  ].sort((a, b) => a.replace('type ', '').localeCompare(b.replace('type ', '')));
  const endpointImports = [...(r.owned && writes ? ['CurrentActor'] : []), 'Endpoint', ...(e.has('delete') ? ['NoContent'] : [])];
  const needsId = e.has('get') || e.has('update') || e.has('delete');
  const controller = `import { ${[...decorators].sort().join(', ')} } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
${e.has('list') ? "import type { z } from 'zod';\n" : ''}import { ProblemSchema } from '../../core/errors';
${needsId ? "import { IdParams } from '../../core/fields';\n" : ''}import { ${schemaNames.join(', ')} } from '../../core/modules/${r.route}/${r.route}.schema';
import { ${n.Plural}Service } from '../../core/modules/${r.route}/${r.route}.service';
${r.owned && writes ? "import { type Actor, actorId } from '../actor';\n" : ''}import { ${endpointImports.join(', ')} } from '../nest/endpoint';

${needsId ? 'type Id = { id: string };\n' : ''}${e.has('list') ? `type ${n.Pascal}Query = z.output<typeof ${n.Pascal}ListQuery>;\n` : ''}${[
    ...errorMaps,
  ]
    .sort()
    .map((name) => `const ${name} = ${maps[name]};\n`)
    .join(
      '',
    )}${writes ? `// Writes: ${auth ? 'a logged-in user whose email is verified (see UNVERIFIED_USER_ACCESS)' : 'a user named in X-User-Id'}.\nconst acting = '${auth ? 'verified' : 'user'}' as const;\n` : ''}
/** ${upper(n.pluralHuman)}: written by \`npm run new:resource\`, yours to change. */
@ApiTags('${r.route}')
@Controller('${r.route}')
export class ${n.Plural}Controller {
  constructor(@Inject(${n.Plural}Service) private readonly ${n.plural}: ${n.Plural}Service) {}

${methods.join('\n\n')}
}
`;
  const module = `import { Module } from '@nestjs/common';
import type { Container } from '../../core/container';
import { ${n.Plural}Repository } from '../../core/modules/${r.route}/${r.route}.repository';
import { ${n.Plural}Service } from '../../core/modules/${r.route}/${r.route}.service';
import { CONTAINER } from '../nest/core.module';
import { ${n.Plural}Controller } from './${r.route}.controller';

/** ${upper(n.pluralHuman)}: the module provides its own service, built on the shared database client. */
@Module({
  controllers: [${n.Plural}Controller],
  providers: [
    {
      provide: ${n.Plural}Service,
      useFactory: (container: Container) => new ${n.Plural}Service(new ${n.Plural}Repository(container.db)),
      inject: [CONTAINER],
    },
  ],
})
export class ${n.Plural}Module {}
`;
  return { controller, module };
}

/** Adds the resource on its one registration line (and that line's import). */
function register(text, path, importLine, marker, entry, closing = /^\s*\]/) {
  const at = text.indexOf(marker);
  if (at < 0) {
    throw new UsageError(
      `${path} no longer has the line "${marker.trim()}" this command registers resources after; add "${entry.trim()}" there by hand.`,
    );
  }
  const lines = text.split('\n');
  const lastImport = lines.findLastIndex((line) => /^import .* from '.*';$/.test(line) || /^} from '.*';$/.test(line));
  if (importLine) lines.splice(lastImport + 1, 0, importLine);
  const from = lines.findIndex((line) => line.includes(marker.trim()));
  const close = lines.findIndex((line, index) => index > from && closing.test(line));
  if (close < 0)
    throw new UsageError(`${path}: the list after "${marker.trim()}" has no closing bracket; add "${entry.trim()}" to it by hand.`);
  lines.splice(close, 0, entry);
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Tests and load test

/** A valid value of a field: \`index\` is a number, or the name of the tests' index variable. */
function sample(field, index) {
  const literal = typeof index === 'number';
  switch (field.type) {
    case 'string':
      return literal ? `'${upper(field.label)} ${index}'` : `\`${upper(field.label)} \${${index}${'}'}\``;
    case 'text':
      return literal ? `'Some ${field.label} ${index}.'` : `\`Some ${field.label} \${${index}${'}'}.\``;
    case 'int':
      return literal ? String(7 + index) : `7 + ${index}`;
    case 'decimal':
      return literal ? `'${12 + index}.50'` : `\`\${12 + ${index}${'}'}.50\``;
    case 'boolean':
      return literal ? String(index % 2 === 1) : `${index} % 2 === 1`;
    case 'datetime':
      return literal
        ? `'2026-01-${String(index % 28 || 28).padStart(2, '0')}T12:00:00.000Z'`
        : `\`2026-01-\${String(${index} % 28 || 28).padStart(2, '0')${'}'}T12:00:00.000Z\``;
    case 'uuid':
      return literal
        ? `'00000000-0000-4000-8000-${String(index).padStart(12, '0')}'`
        : `\`00000000-0000-4000-8000-\${String(${index}).padStart(12, '0')}\``;
    case 'enum':
      return literal
        ? `'${field.values[index % field.values.length]}'`
        : `(${JSON.stringify(field.values).replace(/"/g, "'")} as const)[${index} % ${field.values.length}]`;
  }
}

/** A valid value of a field that differs from \`sample(field, 1)\`, for an update to change. */
function changedSample(field) {
  switch (field.type) {
    case 'boolean':
      return String(!(1 % 2 === 1));
    case 'enum':
      return `'${field.values[0]}'`;
    case 'datetime':
      return "'2027-06-15T08:30:00.000Z'";
    default:
      return sample(field, 99);
  }
}
const WRONG = {
  string: '42',
  text: '42',
  int: "'seven'",
  decimal: '12.5',
  boolean: "'yes'",
  datetime: "'tomorrow'",
  uuid: "'not-a-uuid'",
  enum: "'none-of-these'",
  ref: "'not-a-uuid'",
};

/** Statements creating a row of `model` (and what it references) straight through Prisma, for tests. */
function rowFactory(models, model, depth = 0, counter = { made: 0 }) {
  if (depth > 4) throw new UsageError(`the references from ${model.name} go more than 4 levels deep; the tests cannot create them.`);
  const data = [];
  const setup = [];
  for (const field of model.fields) {
    if (field.list || field.optional || /@default|@updatedAt|@id/.test(field.attrs)) continue;
    const relation = /@relation\([^)]*fields: \[(\w+)\]/.exec(field.attrs);
    if (relation) {
      const target = findModel(models, field.type) ?? models.find((m) => m.name === field.type);
      if (target.table === 'users') data.push(`${relation[1]}: alice.id`);
      else {
        const inner = rowFactory(models, target, depth + 1, counter);
        counter.made += 1;
        const variable = `${lowerFirst(target.name)}${counter.made}`;
        setup.push(
          ...inner.setup,
          `const ${variable} = await db.${lowerFirst(target.name)}.create({ data: { ${inner.data.join(', ')} } });`,
        );
        data.push(`${relation[1]}: ${variable}.id`);
      }
      continue;
    }
    const scalarTarget = model.fields.find((f) => new RegExp(`fields: \\[${field.name}\\]`).test(f.attrs));
    if (scalarTarget) continue; // set with its relation above
    const enumValues = /enum: ([\w |]+)/.exec(field.doc)?.[1];
    let value;
    if (enumValues) value = `'${enumValues.split('|')[0].trim()}'`;
    else if (field.type === 'String')
      value = /@db\.Uuid/.test(field.attrs)
        ? 'randomUUID()'
        : /@unique/.test(field.attrs)
          ? `\`${field.name}-\${randomUUID()}\``
          : `'Sample ${field.name}'`;
    else if (field.type === 'Int') value = /@unique/.test(field.attrs) ? 'Math.floor(Math.random() * 2_000_000_000)' : '1';
    else if (field.type === 'Decimal') value = /@unique/.test(field.attrs) ? '`${Math.floor(Math.random() * 1e9)}.00`' : "'1.00'";
    else if (field.type === 'Boolean') value = 'true';
    else if (field.type === 'DateTime') value = 'new Date()';
    else throw new UsageError(`the tests cannot make a value of type ${field.type} for ${model.name}.${field.name}.`);
    data.push(`${field.name}: ${value}`);
  }
  return { data, setup };
}
const lowerFirst = (word) => word[0].toLowerCase() + word.slice(1);

/**
 * What a test file makes before each test for the resource's references: a user reference is the
 * acting user (alice); any other, a row made through Prisma (with the rows it needs in turn).
 */
function referencedRows(r, models) {
  const refSetup = [];
  const refRows = [];
  const refValues = new Map();
  const counter = { made: 0 };
  for (const field of r.refs) {
    if (field.target.table === 'users') {
      refValues.set(field.name, 'alice.id');
      continue;
    }
    const { data, setup } = rowFactory(models, field.target, 0, counter);
    const variable = `${field.relation}Row`;
    refRows.push(variable);
    refSetup.push(...setup, `${variable} = await db.${lowerFirst(field.target.name)}.create({ data: { ${data.join(', ')} } });`);
    refValues.set(field.name, `${variable}.id`);
  }
  return { refSetup, refRows, refValues };
}

function testFile(r, models, project) {
  const n = r.names;
  const e = r.endpoints;
  const base = `\${API}/${r.route}`;
  const { refSetup, refRows, refValues } = referencedRows(r, models);
  const body = (index) => r.fields.map((f) => `${f.name}: ${f.type === 'ref' ? refValues.get(f.name) : sample(f, index)}`).join(', ');
  const required = r.fields.filter((f) => !f.optional && f.defaultValue === undefined);
  const usesUuid = /randomUUID/.test(body(0)) || refSetup.some((line) => line.includes('randomUUID'));
  const tests = [];
  const create = `await app().api.post(\`${base}\`).set(alice.headers).send(valid(1)).expect(201)`;
  if (e.has('create')) {
    tests.push(`  describe('POST /${r.route}', () => {
    it('when the body is valid, then the ${n.human} is created and returned', async () => {
      const response = await app().api.post(\`${base}\`).set(alice.headers).send(valid(1)).expect(201);
      expect(response.body).toMatchObject({ ...valid(1), id: expect.any(String)${r.owned ? ', ownerId: alice.id' : ''} });
    });
${
  r.owned
    ? `
    it('when the body names another owner, then the acting user owns it all the same', async () => {
      const response = await app().api.post(\`${base}\`).set(alice.headers).send({ ...valid(1), ownerId: bob.id }).expect(201);
      expect(response.body.ownerId).toBe(alice.id);
    });
`
    : ''
}
    it('when fields are missing or wrong, then a 400 problem names each field', async () => {
      const response = await app().api.post(\`${base}\`).set(alice.headers).send({ ${r.fields.map((f) => `${f.name}: ${WRONG[f.type]}`).join(', ')} }).expect(400);
      expect(response.headers['content-type']).toMatch(/application\\/problem\\+json/);
      const fields = response.body.errors.map((error: { field: string }) => error.field).sort();
      expect(fields).toEqual(${JSON.stringify(r.fields.map((f) => f.name).sort()).replace(/"/g, "'")});
    });
${
  required.length
    ? `
    it('when required fields are left out, then a 400 problem names them', async () => {
      const response = await app().api.post(\`${base}\`).set(alice.headers).send({}).expect(400);
      const fields = response.body.errors.map((error: { field: string }) => error.field).sort();
      expect(fields).toEqual(${JSON.stringify(required.map((f) => f.name).sort()).replace(/"/g, "'")});
    });
`
    : ''
}
    it('when nobody is acting, then it is refused', async () => {
      const response = await app().api.post(\`${base}\`).send(valid(1));
      expect(response.status).toBe(${project.auth ? 401 : 400});
      expect(response.body.code).toBe('${project.auth ? 'unauthorized' : 'actor_required'}');
    });${
      r.unique.length
        ? `

    it('when a unique value is taken, then it answers 409 naming the field', async () => {
      await app().api.post(\`${base}\`).set(alice.headers).send(valid(1)).expect(201);
      const response = await app().api.post(\`${base}\`).set(alice.headers).send(valid(1)).expect(409);
      expect(response.body.code).toBe('${r.unique[0].name}_taken');
    });`
        : ''
    }${r.refs
      .filter((f) => !f.optional)
      .map(
        (f) => `

    it('when ${f.name} names no existing ${f.target.name.toLowerCase()}, then a 400 names the field', async () => {
      const response = await app().api.post(\`${base}\`).set(alice.headers).send({ ...valid(1), ${f.name}: randomUUID() }).expect(400);
      expect(response.body.errors).toEqual([{ field: '${f.name}', message: 'must be the id of an existing ${f.target.name.toLowerCase()}' }]);
    });`,
      )
      .join('')}
  });`);
  }
  const seededBody = e.has('create') ? `(${create}).body` : `await seedOne()`;
  if (e.has('list')) {
    tests.push(`  describe('GET /${r.route}', () => {
    it('lists ${n.pluralHuman} newest first, a page at a time', async () => {
      const first = ${seededBody};
      const second = ${e.has('create') ? `(await app().api.post(\`${base}\`).set(alice.headers).send(valid(2)).expect(201)).body` : 'await seedOne(2)'};
      const page = await app().api.get(\`${base}?limit=1\`).expect(200);
      expect(page.body.data.map((item: { id: string }) => item.id)).toEqual([second.id]);
      const next = await app().api.get(\`${base}?limit=1&cursor=\${page.body.nextCursor}\`).expect(200);
      expect(next.body).toEqual({ data: [expect.objectContaining({ id: first.id })], nextCursor: null });
    });

    it('when the cursor was not issued by the API, then it answers 400', async () => {
      await app().api.get(\`${base}?cursor=nope\`).expect(400);
    });${r.refs
      .map(
        (f) => `

    it('narrows the list to one ${f.label} with ?${f.name}=', async () => {
      const item = ${seededBody};
      const other = await app().api.get(\`${base}?${f.name}=\${randomUUID()}\`).expect(200);
      expect(other.body.data).toEqual([]);
      const mine = await app().api.get(\`${base}?${f.name}=\${item.${f.name}${'}'}\`).expect(200);
      expect(mine.body.data.map((found: { id: string }) => found.id)).toEqual([item.id]);
    });`,
      )
      .join('')}
  });`);
  }
  if (e.has('get')) {
    tests.push(`  describe('GET /${r.route}/:id', () => {
    it('returns the ${n.human}', async () => {
      const item = ${seededBody};
      const response = await app().api.get(\`${base}/\${item.id}\`).expect(200);
      expect(response.body).toMatchObject({ id: item.id, ...valid(1) });
    });

    it('when no ${n.human} has the id, then it answers 404; when the id is not a UUID, 400', async () => {
      const missing = await app().api.get(\`${base}/\${randomUUID()}\`).expect(404);
      expect(missing.body.code).toBe('${n.snake}_not_found');
      const bad = await app().api.get(\`${base}/42\`).expect(400);
      expect(bad.body.errors[0].field).toBe('id');
    });
  });`);
  }
  if (e.has('update')) {
    const first = r.fields.find((f) => f.type !== 'ref') ?? r.fields[0];
    const changed = first.type === 'ref' ? refValues.get(first.name) : changedSample(first);
    tests.push(`  describe('PATCH /${r.route}/:id', () => {
    it('changes the fields sent and keeps the others', async () => {
      const item = ${seededBody};
      const response = await app().api.patch(\`${base}/\${item.id}\`).set(alice.headers).send({ ${first.name}: ${changed} }).expect(200);
      expect(response.body).toMatchObject({ ...valid(1), ${first.name}: ${changed} });${
        e.has('get')
          ? `
      const stored = await app().api.get(\`${base}/\${item.id}\`).expect(200);
      expect(stored.body).toMatchObject({ ${first.name}: ${changed} });`
          : ''
      }
    });

    it('when the body is empty, then a 400 says what to send; when no ${n.human} has the id, 404', async () => {
      const item = ${seededBody};
      await app().api.patch(\`${base}/\${item.id}\`).set(alice.headers).send({}).expect(400);
      await app().api.patch(\`${base}/\${randomUUID()}\`).set(alice.headers).send({ ${first.name}: ${changed} }).expect(404);
    });${
      r.owned
        ? `

    it('when someone else asks, then it answers 403', async () => {
      const item = ${seededBody};
      const response = await app().api.patch(\`${base}/\${item.id}\`).set(bob.headers).send({ ${first.name}: ${changed} }).expect(403);
      expect(response.body.code).toBe('not_${n.snake}_owner');
    });`
        : ''
    }
  });`);
  }
  if (e.has('delete')) {
    tests.push(`  describe('DELETE /${r.route}/:id', () => {
    it('deletes the ${n.human}; a second delete answers 404', async () => {
      const item = ${seededBody};${
        r.owned
          ? `
      await app().api.delete(\`${base}/\${item.id}\`).set(bob.headers).expect(403);`
          : ''
      }
      await app().api.delete(\`${base}/\${item.id}\`).set(alice.headers).expect(204);
      await app().api.delete(\`${base}/\${item.id}\`).set(alice.headers).expect(404);
    });

    it('when nobody is acting, then it is refused', async () => {
      const item = ${seededBody};
      const response = await app().api.delete(\`${base}/\${item.id}\`);
      expect(response.status).toBe(${project.auth ? 401 : 400});
      expect(response.body.code).toBe('${project.auth ? 'unauthorized' : 'actor_required'}');
    });
  });`);
  }
  const needsDb = refSetup.length > 0;
  const seedHelper = e.has('create')
    ? ''
    : `

  /** A ${n.human} made in the database (the API has no POST /${r.route}). */
  async function seedOne(index = 1) {
    const row = await app().container.db.${n.camel}.create({ data: { ...valid(index)${r.owned ? ', ownerId: alice.id' : ''} } });
    return { ...row, createdAt: row.createdAt.toISOString() };
  }
`;
  return `${usesUuid || tests.some((t) => t.includes('randomUUID')) ? "import { randomUUID } from 'node:crypto';\n" : ''}import { signUp, type Member } from './helpers/factories';
import { useApp } from './helpers/lifecycle';

const API = '${project.prefix}';

// Written by \`npm run new:resource\` with the resource: every endpoint it generated, yours to extend.
describe('${n.pluralHuman}', () => {
  const app = useApp();
  let alice: Member;${r.owned ? '\n  let bob: Member;' : ''}${refRows.map((row) => `\n  let ${row}: { id: string };`).join('')}

  beforeEach(async () => {
    alice = await signUp(app().api, { name: 'Alice' });${r.owned ? "\n    bob = await signUp(app().api, { name: 'Bob' });" : ''}${needsDb ? '\n    const { db } = app().container;' : ''}
${refSetup.map((line) => `    ${line}`).join('\n')}
  });

  const valid = (${body('index').includes('index') ? 'index' : '_index'}: number) => ({ ${body('index')} });
${seedHelper}
${tests.join('\n\n')}
});
`;
}

/** The body a Locust user creates with, where every create can succeed: unique values drawn at random. */
function locustCreate(r) {
  if (!r.endpoints.has('create')) return { creatable: false, payload: [], imports: [] };
  const blocked = r.refs.filter((f) => !f.optional && f.target.table !== 'users');
  if (blocked.length) {
    return {
      creatable: false,
      payload: [],
      imports: [],
      reason: `a ${r.names.human} references rows this file cannot make (${blocked.map((f) => f.target.table).join(', ')})`,
    };
  }
  const scarce = r.fields.find((f) => f.unique && ['boolean', 'enum', 'datetime'].includes(f.type));
  if (scarce) return { creatable: false, payload: [], imports: [], reason: `the unique ${scarce.name} has too few values to create many` };
  const imports = new Set();
  const payload = r.fields
    .filter((f) => !(f.type === 'ref' && f.optional))
    .map((f, i) => {
      const python = (value) => {
        if (f.type === 'uuid' || (f.unique && ['string', 'text'].includes(f.type))) imports.add('uuid');
        if (f.unique && ['int', 'decimal'].includes(f.type)) imports.add('random');
        return `"${f.name}": ${value}`;
      };
      if (f.type === 'ref') return python('self.user_id');
      if (f.type === 'uuid') return python('str(uuid.uuid4())');
      if (f.unique && (f.type === 'string' || f.type === 'text')) return python(`f"${f.label}-{uuid.uuid4().hex}"`);
      if (f.unique && f.type === 'int') return python('random.randint(0, 2_000_000_000)');
      if (f.unique && f.type === 'decimal') return python('f"{random.randint(0, 10**9)}.00"');
      const value = sample(f, i).replace(/^'(.*)'$/, '"$1"');
      return python(value === 'true' ? 'True' : value === 'false' ? 'False' : value);
    });
  return { creatable: true, payload, imports: [...imports] };
}

/** A Locust file of one resource: its user class on the project's SignedInUser, with \`tasks\`. */
function locustModule(r, { imports, names, constants, reason, tasks, creatable }) {
  const n = r.names;
  // A user writes one row as it starts, so its reads have a row to open from the first second.
  const first = creatable ? `\n        self.create_${n.snake}()` : '';
  const modules = [...new Set([...(r.endpoints.has('get') ? ['random'] : []), ...imports])].sort();
  return `"""Load test of ${n.pluralHuman}, written by \`npm run new:resource\`.

Alone:           npm run loadtest -- -f loadtest/${r.route}.py
With the rest:   npm run loadtest -- -f loadtest/locustfile.py,loadtest/${r.route}.py
"""

${modules.map((name) => `import ${name}\n`).join('')}
from locust import task

from locustfile import ${names.join(', ')}
${constants.length ? `\n${constants.join('\n')}\n` : ''}

${reason ? `# No create task: ${reason}.\n` : ''}class ${n.Plural}User(SignedInUser):
    def on_start(self) -> None:
        super().on_start()
        self.ids: list[str] = []${first}

${tasks.join('\n\n')}
`;
}

function locustFile(r) {
  const n = r.names;
  const e = r.endpoints;
  const { creatable, payload, imports, reason } = locustCreate(r);
  const tasks = [];
  if (e.has('list')) {
    tasks.push(`    @task(6)
    def list_${r.table}(self) -> None:
        with self.client.get(f"{API}/${r.route}?limit=20", name="list ${n.pluralHuman}", catch_response=True) as response:
            if response.status_code == 200:
                self.ids = [item["id"] for item in response.json()["data"]][:10] or self.ids`);
  }
  if (e.has('get')) {
    tasks.push(`    @task(3)
    def open_${n.snake}(self) -> None:
        if self.ids:
            self.client.get(f"{API}/${r.route}/{random.choice(self.ids)}", name="open ${n.human}")`);
  }
  if (creatable) {
    tasks.push(`    @task(1)
    def create_${n.snake}(self) -> None:
        payload = {${payload.join(', ')}${'}'}
        with self.client.post(
            f"{API}/${r.route}", json=payload, headers=self.headers, name="create ${n.human}", catch_response=True
        ) as response:
            if response.status_code == 201:
                self.ids.insert(0, response.json()["id"])`);
  }
  return locustModule(r, { imports, names: ['API', 'SignedInUser'], constants: [], reason, tasks, creatable });
}

// ---------------------------------------------------------------------------------------------
// GraphQL (Apollo): one module of src/graphql/resources/ a resource

function graphqlType(r, field) {
  return field.type === 'enum' ? `${r.names.Pascal}${upper(field.name)}` : STORED_AS[field.type].graphql;
}

/** The demo domain's posts (drafts visible to their author only), not a resource of this command named posts. */
function isDemoPosts(target) {
  return target.table === 'posts' && !existsSync(join(ROOT, 'src/graphql/resources/posts.ts'));
}

/** How a reference resolves: users and posts through the request's loaders, a generated resource through its own. */
function refResolver(r, field) {
  const n = r.names;
  const key = `${n.camel}.${field.name}`;
  if (field.target.table === 'users') {
    return field.optional
      ? `${field.relation}: (${n.camel}, _args, context) => (${key} ? context.loaders.user.load(${key}) : null),`
      : `${field.relation}: (${n.camel}, _args, context) => existing(context.loaders.user.load(${key}), 'user', ${key}),`;
  }
  if (isDemoPosts(field.target)) {
    // A draft is visible to its author only, here as in \`post(id:)\`.
    return field.optional
      ? `${field.relation}: (${n.camel}, _args, context) => (${key} ? visiblePost(context, ${key}) : null),`
      : `${field.relation}: (${n.camel}, _args, context) => visiblePost(context, ${key}),`;
  }
  const loader = `${lowerFirst(field.target.name)}ById`;
  return field.optional
    ? `${field.relation}: (${n.camel}, _args, context) => (${key} ? ${loader}(context).load(${key}) : null),`
    : `${field.relation}: (${n.camel}, _args, context) => existing(${loader}(context).load(${key}), '${field.target.name.toLowerCase()}', ${key}),`;
}

/** The resource's part of the schema: src/graphql/resources/<route>.graphql. */
function graphqlSdlFile(r) {
  const n = r.names;
  const e = r.endpoints;
  const all = r.owned ? [...r.fields, r.owner] : r.fields;
  const typeFields = all.map((f) => {
    if (f.type === 'ref') {
      const nullable = f.optional || isDemoPosts(f.target);
      const doc = isDemoPosts(f.target)
        ? `  "Null when the post is a draft of someone else${f.optional ? ', or none is set' : ''}."\n`
        : '';
      return `${doc}  ${f.relation}: ${f.target.name}${nullable ? '' : '!'}`;
    }
    return `  ${f.name}: ${graphqlType(r, f)}${f.optional ? '' : '!'}`;
  });
  const enums = r.fields
    .filter((f) => f.type === 'enum')
    .map((f) => `enum ${graphqlType(r, f)} {\n${f.values.map((v) => `  ${v}`).join('\n')}\n}\n`);
  const createInput = r.fields.map((f) => {
    const required = !f.optional && f.defaultValue === undefined;
    return `  ${f.name}: ${graphqlType(r, f)}${required ? '!' : ''}`;
  });
  const updateInput = r.fields.map((f) => `  ${f.name}: ${graphqlType(r, f)}`);
  const filters = r.refs.map((f) => `, ${f.name}: ID`).join('');
  const queries = [];
  if (e.has('get')) queries.push(`  "A ${n.human}, or null when no ${n.human} has this id."\n  ${n.camel}(id: ID!): ${n.Pascal}`);
  if (e.has('list'))
    queries.push(
      `  "${SUMMARIES.list(n, r).replace(/"/g, "'")}."\n  ${n.plural}(first: Int = 20, after: String${filters}): ${n.Pascal}Connection!`,
    );
  const mutations = [];
  if (e.has('create')) mutations.push(`  "${SUMMARIES.create(n)}."\n  create${n.Pascal}(input: Create${n.Pascal}Input!): ${n.Pascal}!`);
  if (e.has('update'))
    mutations.push(`  "${SUMMARIES.update(n, r)}."\n  update${n.Pascal}(id: ID!, input: Update${n.Pascal}Input!): ${n.Pascal}!`);
  if (e.has('delete')) mutations.push(`  "${SUMMARIES.delete(n, r)}."\n  delete${n.Pascal}(id: ID!): Boolean!`);
  /** One SDL block: `kind name { lines }`, at the margin. */
  const block = (head, lines) => `${head} {\n${lines.join('\n')}\n}\n`;
  const blocks = [
    `"A ${n.human}: written by \`npm run new:resource\`, yours to change."\n` +
      block(`type ${n.Pascal}`, ['  id: ID!', ...typeFields, '  createdAt: DateTime!', '  updatedAt: DateTime!']),
    ...enums,
    ...(e.has('list')
      ? [
          block(`type ${n.Pascal}Connection`, [`  edges: [${n.Pascal}Edge!]!`, `  nodes: [${n.Pascal}!]!`, '  pageInfo: PageInfo!']),
          block(`type ${n.Pascal}Edge`, ['  cursor: String!', `  node: ${n.Pascal}!`]),
        ]
      : []),
    ...(e.has('create') ? [block(`input Create${n.Pascal}Input`, createInput)] : []),
    ...(e.has('update') ? [block(`input Update${n.Pascal}Input`, updateInput)] : []),
    ...(queries.length ? [block('extend type Query', queries)] : []),
    ...(mutations.length ? [block('extend type Mutation', mutations)] : []),
  ];
  return blocks.join('\n');
}

function graphqlFile(r) {
  const n = r.names;
  const e = r.endpoints;
  const by = r.owned ? ', actorId(actor)' : '';
  const nullable = r.fields.filter((f) => f.optional).map((f) => `${f.name}: args.input.${f.name}`);
  const query = [];
  if (e.has('get')) query.push(`    ${n.camel}: (_parent, args, context) => ${n.camel}ById(context).load(id(args.id)),`);
  if (e.has('list')) {
    const filter = r.refs.map((f) => `${f.name}: args.${f.name} == null ? undefined : id(args.${f.name}, '${f.name}')`);
    query.push(`    ${n.plural}: async (_parent, args, context) => {
      const { first, after } = page(args.first, args.after);
      return fromPage(await service(context.container).list(first, after${filter.length ? `, { ${filter.join(', ')} }` : ''}));
    },`);
  }
  const mutation = [];
  const act = r.owned ? 'const actor = await context.actor(WRITE);' : 'await context.actor(WRITE);';
  if (e.has('create')) {
    mutation.push(`    create${n.Pascal}: async (_parent, args, context) => {
      ${act}
      return service(context.container).create(parse(Create${n.Pascal}Body, present(args.input), 'input')${by});
    },`);
  }
  if (e.has('update')) {
    mutation.push(`    update${n.Pascal}: async (_parent, args, context) => {
      const ${n.camel}Id = id(args.id);
      ${act}
      // null clears an optional field; for the others it means "unchanged", as if left out.
      const input = { ...present(args.input)${nullable.length ? `, ${nullable.join(', ')}` : ''} };
      return service(context.container).update(${n.camel}Id, parse(Update${n.Pascal}Body, input, 'input')${by});
    },`);
  }
  if (e.has('delete')) {
    mutation.push(`    delete${n.Pascal}: async (_parent, args, context) => {
      const ${n.camel}Id = id(args.id);
      ${act}
      await service(context.container).delete(${n.camel}Id${by});
      return true;
    },`);
  }
  const refs = r.owned ? [...r.refs, r.owner] : r.refs;
  const typeResolvers = refs.map((f) => `    ${refResolver(r, f)}`);
  const generatedTargets = [...new Set(refs.filter((f) => !(f.target.table === 'users' || isDemoPosts(f.target))).map((f) => f.target))];
  const common = [
    ...(refs.some((f) => !f.optional && !isDemoPosts(f.target)) ? ['existing'] : []),
    ...(e.has('list') ? ['fromPage', 'page'] : []),
    ...(e.has('get') || e.has('update') || e.has('delete') || (e.has('list') && r.refs.length) ? ['id'] : []),
    'loaderById',
    ...(e.has('create') || e.has('update') ? ['parse', 'present'] : []),
    'perContainer',
    ...(refs.some((f) => isDemoPosts(f.target)) ? ['visiblePost'] : []),
    ...(e.has('create') || e.has('update') || e.has('delete') ? ['WRITE'] : []),
  ].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()));
  const schemaImports = [...(e.has('create') ? [`Create${n.Pascal}Body`] : []), ...(e.has('update') ? [`Update${n.Pascal}Body`] : [])];
  const sections = [
    ...(query.length ? [`  Query: {\n${query.join('\n')}\n  },`] : []),
    ...(mutation.length ? [`  Mutation: {\n${mutation.join('\n')}\n  },`] : []),
    ...(typeResolvers.length ? [`  ${n.Pascal}: {\n${typeResolvers.join('\n')}\n  },`] : []),
  ];
  return `import { ${n.Plural}Repository } from '../../core/modules/${r.route}/${r.route}.repository';
${schemaImports.length ? `import { ${schemaImports.join(', ')} } from '../../core/modules/${r.route}/${r.route}.schema';\n` : ''}import { ${n.Plural}Service } from '../../core/modules/${r.route}/${r.route}.service';
${r.owned && (e.has('create') || e.has('update') || e.has('delete')) ? "import { actorId } from '../../http/actor';\n" : ''}import { ${common.join(', ')} } from '../common';
import type { Resource } from '../resources';
${generatedTargets.map((t) => `import { ${lowerFirst(t.name)}ById } from './${kebab(words(t.table))}';\n`).join('')}
/** The ${n.pluralHuman} service on the container's database client. */
const service = perContainer((container) => new ${n.Plural}Service(new ${n.Plural}Repository(container.db)));

/** ${upper(n.pluralHuman)} by id for one request: every \\\`${n.camel}\\\` of one query level is one SQL statement. */
export const ${n.camel}ById = loaderById((container, ids) => service(container).getMany(ids));

export const resolvers: Resource['resolvers'] = {
${sections.join('\n')}
};
`;
}

/** A value GraphQL accepts for the field's type that the core's rules refuse, if there is one. */
const REFUSED_BY_RULES = {
  string: "'  '",
  text: "''",
  decimal: "'12.345'",
  datetime: "'tomorrow'",
  uuid: "'not-a-uuid'",
  ref: "'not-a-uuid'",
};

function graphqlTestFile(r, models, project) {
  const n = r.names;
  const e = r.endpoints;
  const { refSetup, refRows, refValues } = referencedRows(r, models);
  const input = (index) => r.fields.map((f) => `${f.name}: ${f.type === 'ref' ? refValues.get(f.name) : sample(f, index)}`).join(', ');
  const shown = (index) =>
    r.fields
      .map((f) => (f.type === 'ref' ? `${f.relation}: { id: ${refValues.get(f.name)} }` : `${f.name}: ${sample(f, index)}`))
      .join(', ');
  const selection = [
    'id',
    ...r.fields.map((f) => (f.type === 'ref' ? `${f.relation} { id }` : f.name)),
    ...(r.owned ? ['owner { id }'] : []),
    'createdAt',
    'updatedAt',
  ].join(' ');
  const filterVars = r.refs.map((f) => `, $${f.name}: ID`).join('');
  const filterArgs = r.refs.map((f) => `, ${f.name}: $${f.name}`).join('');
  const ops = [
    ...(e.has('create') || e.has('update') || e.has('get') ? [`const FIELDS = '${selection}';`] : []),
    ...(e.has('create')
      ? [`const CREATE = \`mutation ($input: Create${n.Pascal}Input!) { create${n.Pascal}(input: $input) { \${FIELDS} } }\`;`]
      : []),
    ...(e.has('update')
      ? [
          `const UPDATE = \`mutation ($id: ID!, $input: Update${n.Pascal}Input!) { update${n.Pascal}(id: $id, input: $input) { \${FIELDS} } }\`;`,
        ]
      : []),
    ...(e.has('delete') ? [`const DELETE = 'mutation ($id: ID!) { delete${n.Pascal}(id: $id) }';`] : []),
    ...(e.has('get') ? [`const ONE = \`query ($id: ID!) { ${n.camel}(id: $id) { \${FIELDS} } }\`;`] : []),
    ...(e.has('list')
      ? [
          `const LIST = \`query ($first: Int, $after: String${filterVars}) { ${n.plural}(first: $first, after: $after${filterArgs}) { nodes { id } pageInfo { hasNextPage endCursor } } }\`;`,
        ]
      : []),
  ];
  const unauthenticated = project.auth ? "{ code: 'UNAUTHENTICATED' }" : "{ code: 'BAD_USER_INPUT', reason: 'actor_required' }";
  const make = e.has('create')
    ? `(await ok(app().api, CREATE, { input: valid(INDEX) }, alice.headers)).create${n.Pascal}`
    : 'await seedOne(INDEX)';
  const made = (index) => make.replace('INDEX', String(index));
  const bad = r.fields.filter((f) => REFUSED_BY_RULES[f.type] !== undefined);
  const tests = [];
  if (e.has('create')) {
    tests.push(`  describe('create${n.Pascal}', () => {
    it('when the input is valid, then the ${n.human} is created and returned', async () => {
      const { create${n.Pascal} } = await ok(app().api, CREATE, { input: valid(1) }, alice.headers);
      expect(create${n.Pascal}).toMatchObject({ ...shown(1)${r.owned ? ', owner: { id: alice.id }' : ''} });
    });${
      bad.length
        ? `

    it('when fields break their rules, then BAD_USER_INPUT names each field', async () => {
      const error = await refused(app().api, CREATE, { input: { ...valid(1), ${bad.map((f) => `${f.name}: ${REFUSED_BY_RULES[f.type]}`).join(', ')} } }, alice.headers);
      expect(error.code).toBe('BAD_USER_INPUT');
      expect((error.fields as Array<{ field: string }>).map((f) => f.field).sort()).toEqual(${JSON.stringify(bad.map((f) => `input.${f.name}`).sort()).replace(/"/g, "'")});
    });`
        : ''
    }

    it('when nobody is acting, then it is refused', async () => {
      expect(await refused(app().api, CREATE, { input: valid(1) })).toMatchObject(${unauthenticated});
    });${
      r.unique.length
        ? `

    it('when a unique value is taken, then it answers CONFLICT naming the field', async () => {
      await ok(app().api, CREATE, { input: valid(1) }, alice.headers);
      expect(await refused(app().api, CREATE, { input: valid(1) }, alice.headers)).toMatchObject({ code: 'CONFLICT', reason: '${r.unique[0].name}_taken' });
    });`
        : ''
    }${r.refs
      .filter((f) => !f.optional)
      .map(
        (f) => `

    it('when ${f.name} names no existing ${f.target.name.toLowerCase()}, then BAD_USER_INPUT names the field', async () => {
      const error = await refused(app().api, CREATE, { input: { ...valid(1), ${f.name}: randomUUID() } }, alice.headers);
      expect(error.fields).toEqual([{ field: '${f.name}', message: 'must be the id of an existing ${f.target.name.toLowerCase()}' }]);
    });`,
      )
      .join('')}
  });`);
  }
  if (e.has('list')) {
    tests.push(`  describe('${n.plural}', () => {
    it('lists ${n.pluralHuman} newest first, a page at a time', async () => {
      const first = ${made(1)};
      const second = ${made(2)};
      const page = (await ok(app().api, LIST, { first: 1 }, alice.headers)).${n.plural};
      expect(page.nodes).toEqual([{ id: second.id }]);
      const next = (await ok(app().api, LIST, { first: 1, after: page.pageInfo.endCursor }, alice.headers)).${n.plural};
      expect(next).toEqual({ nodes: [{ id: first.id }], pageInfo: { hasNextPage: false, endCursor: expect.any(String) } });
    });${r.refs
      .map(
        (f) => `

    it('narrows the list to one ${f.label} with ${f.name}', async () => {
      const item = ${made(1)};
      expect((await ok(app().api, LIST, { ${f.name}: randomUUID() }, alice.headers)).${n.plural}.nodes).toEqual([]);
      expect((await ok(app().api, LIST, { ${f.name}: ${refValues.get(f.name)} }, alice.headers)).${n.plural}.nodes).toEqual([{ id: item.id }]);
    });`,
      )
      .join('')}
  });`);
  }
  if (e.has('get')) {
    tests.push(`  describe('${n.camel}', () => {
    it('returns the ${n.human}, or null when no ${n.human} has the id', async () => {
      const item = ${made(1)};
      expect((await ok(app().api, ONE, { id: item.id }, alice.headers)).${n.camel}).toMatchObject({ id: item.id, ...shown(1) });
      expect((await ok(app().api, ONE, { id: randomUUID() })).${n.camel}).toBeNull();
      expect(await refused(app().api, ONE, { id: '42' })).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ field: 'id', message: 'must be a UUID' }] });
    });
  });`);
  }
  if (e.has('update')) {
    const first = r.fields.find((f) => f.type !== 'ref') ?? r.fields[0];
    const changed = first.type === 'ref' ? refValues.get(first.name) : changedSample(first);
    tests.push(`  describe('update${n.Pascal}', () => {
    it('changes the fields sent and keeps the others', async () => {
      const item = ${made(1)};
      const { update${n.Pascal} } = await ok(app().api, UPDATE, { id: item.id, input: { ${first.name}: ${changed} } }, alice.headers);
      expect(update${n.Pascal}).toMatchObject({ ...shown(1), ${first.type === 'ref' ? `${first.relation}: { id: ${changed} }` : `${first.name}: ${changed}`} });${
        e.has('get')
          ? `
      const stored = (await ok(app().api, ONE, { id: item.id }, alice.headers)).${n.camel};
      expect(stored).toMatchObject({ ${first.type === 'ref' ? `${first.relation}: { id: ${changed} }` : `${first.name}: ${changed}`} });`
          : ''
      }
    });

    it('when the input is empty, then BAD_USER_INPUT; when no ${n.human} has the id, NOT_FOUND', async () => {
      const item = ${made(1)};
      expect(await refused(app().api, UPDATE, { id: item.id, input: {} }, alice.headers)).toMatchObject({ code: 'BAD_USER_INPUT' });
      expect(await refused(app().api, UPDATE, { id: randomUUID(), input: { ${first.name}: ${changed} } }, alice.headers)).toMatchObject({ code: 'NOT_FOUND' });
    });${
      r.owned
        ? `

    it('when someone else asks, then it is FORBIDDEN', async () => {
      const item = ${made(1)};
      expect(await refused(app().api, UPDATE, { id: item.id, input: { ${first.name}: ${changed} } }, bob.headers)).toMatchObject({ code: 'FORBIDDEN', reason: 'not_${n.snake}_owner' });
    });`
        : ''
    }
  });`);
  }
  if (e.has('delete')) {
    tests.push(`  describe('delete${n.Pascal}', () => {
    it('deletes the ${n.human}; a second delete is NOT_FOUND', async () => {
      const item = ${made(1)};${r.owned ? `\n      expect(await refused(app().api, DELETE, { id: item.id }, bob.headers)).toMatchObject({ code: 'FORBIDDEN' });` : ''}
      expect(await refused(app().api, DELETE, { id: item.id })).toMatchObject(${unauthenticated});
      expect((await ok(app().api, DELETE, { id: item.id }, alice.headers)).delete${n.Pascal}).toBe(true);
      expect(await refused(app().api, DELETE, { id: item.id }, alice.headers)).toMatchObject({ code: 'NOT_FOUND' });
    });
  });`);
  }
  const seedHelper = e.has('create')
    ? ''
    : `
  /** A ${n.human} made in the database (the API has no create${n.Pascal}). */
  async function seedOne(index = 1) {
    return app().container.db.${n.camel}.create({ data: { ...valid(index)${r.owned ? ', ownerId: alice.id' : ''} } });
  }
`;
  const body = [...ops, ''].join('\n');
  const uses = (name) => tests.some((t) => t.includes(name));
  const helpers = ['ok', ...(uses('refused(') ? ['refused'] : [])];
  return `${uses('randomUUID') ? "import { randomUUID } from 'node:crypto';\n" : ''}import { signUp, type Member } from './helpers/factories';
import { ${helpers.join(', ')} } from './helpers/graphql';
import { useApp } from './helpers/lifecycle';

${body}
// Written by \`npm run new:resource\` with the resource: every operation it generated, yours to extend.
describe('${n.pluralHuman}', () => {
  const app = useApp();
  let alice: Member;${r.owned ? '\n  let bob: Member;' : ''}${refRows.map((row) => `\n  let ${row}: { id: string };`).join('')}

  beforeEach(async () => {
    alice = await signUp(app().api, { name: 'Alice' });${r.owned ? "\n    bob = await signUp(app().api, { name: 'Bob' });" : ''}${refSetup.length ? '\n    const { db } = app().container;' : ''}
${refSetup.map((line) => `    ${line}`).join('\n')}
  });

  const valid = (${input('index').includes('index') ? 'index' : '_index'}: number) => ({ ${input('index')} });
${
  e.has('create') || e.has('update') || e.has('get')
    ? `  /** What the API shows of \`valid(index)\`: references as objects. */
  const shown = (${shown('index').includes('index') ? 'index' : '_index'}: number) => ({ ${shown('index')} });`
    : ''
}
${seedHelper}
${tests.join('\n\n')}
});
`;
}

function graphqlLocustFile(r) {
  const n = r.names;
  const e = r.endpoints;
  const { creatable, payload, imports, reason } = locustCreate(r);
  const constants = [
    ...(e.has('list') ? [`LIST = "query ($first: Int) { ${n.plural}(first: $first) { nodes { id } } }"`] : []),
    ...(e.has('get') ? [`ONE = "query ($id: ID!) { ${n.camel}(id: $id) { id } }"`] : []),
    ...(creatable ? [`CREATE = "mutation ($input: Create${n.Pascal}Input!) { create${n.Pascal}(input: $input) { id } }"`] : []),
  ];
  const tasks = [];
  if (e.has('list')) {
    tasks.push(`    @task(6)
    def list_${r.table}(self) -> None:
        data = self.operation("list ${n.pluralHuman}", LIST, {"first": 20})
        if data:
            self.ids = [node["id"] for node in data["${n.plural}"]["nodes"]][:10] or self.ids`);
  }
  if (e.has('get')) {
    tasks.push(`    @task(3)
    def open_${n.snake}(self) -> None:
        if self.ids:
            self.operation("open ${n.human}", ONE, {"id": random.choice(self.ids)})`);
  }
  if (creatable) {
    tasks.push(`    @task(1)
    def create_${n.snake}(self) -> None:
        payload = {${payload.join(', ')}${'}'}
        data = self.operation("create ${n.human}", CREATE, {"input": payload})
        if data:
            self.ids.insert(0, data["create${n.Pascal}"]["id"])`);
  }
  return locustModule(r, { imports, names: ['SignedInUser'], constants, reason, tasks, creatable });
}

// ---------------------------------------------------------------------------------------------
// Plan, write, check

function nextMigration(slug) {
  const numbers = readdirSync(join(ROOT, 'migrations'))
    .map((name) => /^(\d+)_/.exec(name)?.[1])
    .filter(Boolean)
    .map(Number);
  return `${String((numbers.length ? Math.max(...numbers) : 0) + 1).padStart(4, '0')}_${slug}`;
}

function plan(args) {
  const project = detectProject();
  const schemaText = read('prisma/schema.prisma');
  const models = parseSchema(schemaText);
  const raw = args.positionals[0];
  if (!raw) throw new UsageError('Name the resource, e.g. `npm run new:resource -- tag --fields "name:string"`.');
  if (args.positionals.length > 1) {
    throw new UsageError(`One name at a time; got ${args.positionals.join(', ')}. Quote the field list: --fields "a:string, b:int".`);
  }
  if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(raw))
    throw new UsageError(`"${raw}" is not a resource name: letters, digits, - and _, starting with a letter.`);
  const singular = words(raw);
  const plural = args.values.plural;
  if (plural !== undefined && !/^[A-Za-z][A-Za-z0-9_-]*$/.test(plural)) {
    throw new UsageError(`--plural "${plural}" is not a name: letters, digits, - and _, starting with a letter.`);
  }
  const pluralWords = plural ? words(plural) : [...singular.slice(0, -1), pluralWord(singular.at(-1))];
  const names = namesOf(singular, pluralWords);
  if (names.plural === names.camel) throw new UsageError(`"${raw}" reads as its own plural; pass --plural with another word.`);
  const clash =
    [names.camel, names.plural].find((name) => JS_RESERVED.has(name)) ?? (SQL_RESERVED.has(names.table) ? names.table : undefined);
  if (clash) throw new UsageError(`"${clash}" is a reserved word in TypeScript or SQL; choose another name.`);
  if (TAKEN_TYPES.has(names.Pascal) || TAKEN_TYPES.has(names.Plural)) {
    throw new UsageError(`"${raw}" is the name of a type the project already uses (${names.Pascal}); choose another name.`);
  }
  if (TAKEN_ROUTES.has(names.route) || TAKEN_ROUTES.has(names.camel))
    throw new UsageError(`"${raw}" names a path the API already uses for itself; choose another name.`);
  const existing = models.find((model) => model.table === names.table || model.name === names.Pascal);
  if (existing)
    throw new UsageError(`The project already has ${existing.name} (table ${existing.table}); choose another name, or edit that resource.`);
  if (!args.values.fields) throw new UsageError('Give the fields: --fields "name:string, weight:int=0" (see --help for the types).');
  const fields = args.values.fields
    .split(',')
    .filter((part) => part.trim())
    .map((part) => parseField(part, models));
  if (fields.length === 0) throw new UsageError('--fields lists no field.');
  const seen = new Set();
  for (const field of fields) {
    for (const name of [field.name, field.relation].filter(Boolean)) {
      if (seen.has(name) || (args.values.owned && (name === 'ownerId' || name === 'owner'))) {
        throw new UsageError(`Two fields are called "${name}"${args.values.owned ? ' (--owned adds ownerId)' : ''}; rename one.`);
      }
      seen.add(name);
    }
  }
  const refs = fields.filter((field) => field.type === 'ref');
  // PostgreSQL cuts longer names at 63 bytes, where Prisma would shorten them another way.
  const owned = args.values.owned ? ['owner_id'] : [];
  const identifiers = [
    `${names.table}_created_at_id_idx`,
    ...[...refs.map((f) => f.column), ...owned].flatMap((column) => [
      `${names.table}_${column}_created_at_id_idx`,
      `${names.table}_${column}_fkey`,
    ]),
    ...fields.filter((f) => f.unique).map((f) => `${names.table}_${f.column}_key`),
    ...fields.filter((f) => f.type === 'enum').map((f) => `${names.table}_${f.column}_check`),
  ];
  const long = identifiers.find((identifier) => Buffer.byteLength(identifier) > 63);
  if (long) {
    throw new UsageError(
      `The index or constraint name ${long} is longer than PostgreSQL's 63 bytes; shorten the resource (or --plural) or the field name.`,
    );
  }
  const stem = nextMigration(`create_${names.table}`);
  const owner = {
    type: 'ref',
    name: 'ownerId',
    relation: 'owner',
    column: 'owner_id',
    optional: false,
    target: findModel(models, 'users'),
    label: 'owner',
  };
  const r = {
    names,
    table: names.table,
    route: names.route,
    fields,
    refs,
    owned: Boolean(args.values.owned),
    unique: fields.filter((field) => field.unique),
    endpoints: parseEndpoints(args.values.endpoints, names.route),
    stem,
    owner,
    graphql: project.stack === 'graphql',
  };
  if (r.graphql) {
    // A reference resolves through a DataLoader: the request's for users and posts, a generated resource's own.
    for (const field of refs) {
      const route = kebab(words(field.target.table));
      if (!(field.target.table === 'users' || isDemoPosts(field.target)) && !existsSync(join(ROOT, `src/graphql/resources/${route}.ts`))) {
        const named = existsSync(join(ROOT, 'src/core/modules/posts/posts.service.ts')) ? 'users, posts' : 'users';
        throw new UsageError(
          `"${field.spec}": GraphQL references can name ${named} or a resource written by this command, not ${field.target.table}.`,
        );
      }
    }
  }
  // The owner is a reference like any other to the database, and a field only the server sets.
  const stored = r.owned ? { ...r, fields: [...fields, owner], refs: [...refs, owner] } : r;
  const { up, down } = migration(stored, stem);
  const files = new Map();
  const edits = new Map();
  files.set(`migrations/${stem}.sql`, up);
  files.set(`migrations/${stem}.rollback.sql`, down);
  edits.set('prisma/schema.prisma', editSchema(schemaText, models, stored));
  const dir = `src/core/modules/${r.route}`;
  files.set(`${dir}/${r.route}.schema.ts`, schemaFile(r));
  files.set(`${dir}/${r.route}.repository.ts`, repositoryFile(r));
  files.set(`${dir}/${r.route}.service.ts`, serviceFile(r));
  if (project.stack === 'graphql') {
    files.set(`src/graphql/resources/${r.route}.graphql`, graphqlSdlFile(r));
    files.set(`src/graphql/resources/${r.route}.ts`, graphqlFile(r));
    edits.set(
      'src/graphql/resources.ts',
      register(
        read('src/graphql/resources.ts'),
        'src/graphql/resources.ts',
        `import * as ${names.plural} from './resources/${r.route}';`,
        '// One line a resource.',
        `  ${names.plural},`,
      ),
    );
    edits.set(
      'codegen.ts',
      register(
        read('codegen.ts'),
        'codegen.ts',
        undefined,
        'mappers: {',
        `          ${names.Pascal}: '../core/modules/${r.route}/${r.route}.schema#${names.Pascal}',`,
        /^\s*\},?$/,
      ),
    );
  } else if (project.stack === 'operations') {
    files.set(`src/http/operations/${r.route}.ts`, operationsFile(r));
    const index = read('src/http/operations.ts');
    edits.set(
      'src/http/operations.ts',
      register(
        index,
        'src/http/operations.ts',
        `import { ${names.plural}Operations } from './operations/${r.route}';`,
        '// One line a resource.',
        `    ...${names.plural}Operations(container),`,
      ),
    );
  } else {
    const { controller, module } = nestFiles(r, project.auth);
    files.set(`src/http/${r.route}/${r.route}.controller.ts`, controller);
    files.set(`src/http/${r.route}/${r.route}.module.ts`, module);
    const app = read(project.appModule);
    edits.set(
      project.appModule,
      register(
        app,
        project.appModule,
        `import { ${names.Plural}Module } from './http/${r.route}/${r.route}.module';`,
        '// One module a resource.',
        `        ${names.Plural}Module,`,
      ),
    );
  }
  files.set(`tests/${r.route}.test.ts`, r.graphql ? graphqlTestFile(r, models, project) : testFile(r, models, project));
  if (existsSync(join(ROOT, 'loadtest/locustfile.py')))
    files.set(`loadtest/${r.route}.py`, r.graphql ? graphqlLocustFile(r) : locustFile(r));
  for (const path of files.keys()) {
    if (existsSync(join(ROOT, path))) throw new UsageError(`${path} exists already; remove it or choose another name.`);
  }
  return { r, files, edits, stem };
}

function run(command, args, options = {}) {
  return spawnSync(command, args, { cwd: ROOT, encoding: 'utf8', ...options });
}

function main() {
  let args;
  try {
    args = parseArgs({
      allowPositionals: true,
      options: {
        fields: { type: 'string' },
        owned: { type: 'boolean' },
        endpoints: { type: 'string' },
        plural: { type: 'string' },
        'dry-run': { type: 'boolean' },
        'skip-checks': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError(`${error.message}. See --help.`);
  }
  if (args.values.help) {
    say(HELP);
    return 0;
  }
  const { r, files, edits, stem } = plan(args);
  const listing = [...[...files.keys()].map((path) => `  create  ${path}`), ...[...edits.keys()].map((path) => `  change  ${path}`)];
  if (args.values['dry-run']) {
    say(`Would write the ${r.names.pluralHuman} resource (nothing written):\n${listing.join('\n')}`);
    return 0;
  }
  const originals = new Map([...edits.keys()].map((path) => [path, read(path)]));
  const undo = () => {
    for (const path of files.keys()) rmSync(join(ROOT, path), { force: true });
    for (const [path, text] of originals) writeFileSync(join(ROOT, path), text);
    for (const dir of [`src/core/modules/${r.route}`, `src/http/${r.route}`]) {
      if (existsSync(join(ROOT, dir)) && readdirSync(join(ROOT, dir)).length === 0) rmSync(join(ROOT, dir), { recursive: true });
    }
  };
  try {
    for (const [path, text] of [...files, ...edits]) {
      mkdirSync(dirname(join(ROOT, path)), { recursive: true });
      writeFileSync(join(ROOT, path), text);
    }
    if (!args.values['skip-checks']) check([...files.keys(), ...edits.keys()], stem);
  } catch (error) {
    undo();
    throw error;
  }
  say(
    `Wrote the ${r.names.pluralHuman} resource:\n${listing.join('\n')}\n\nNext: npm run db:migrate, then npm test (the new tests are in tests/${r.route}.test.ts).`,
  );
  return 0;
}

/** Formats what was written, and lints the migration with the project's db command. */
function check(paths, stem) {
  const prettier = join(ROOT, 'node_modules/prettier/bin/prettier.cjs');
  const code = paths.filter((path) => /\.(ts|mjs|js|json)$/.test(path));
  if (existsSync(prettier)) {
    const formatted = run(process.execPath, [prettier, '--write', '--log-level', 'warn', ...code]);
    if (formatted.status !== 0) throw new Error(`prettier could not format the new files:\n${formatted.stderr || formatted.stdout}`);
  } else {
    warn('prettier is not installed (npm install): the new files are not formatted.');
  }
  const prisma = join(ROOT, 'node_modules/prisma/build/index.js');
  if (existsSync(prisma)) {
    const env = { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: '1' };
    const formatted = run(process.execPath, [prisma, 'format'], { env });
    if (formatted.status !== 0) throw new Error(`prisma format refused the new model:\n${formatted.stderr || formatted.stdout}`);
    // The typed client of the new model, so editors and the type check see it at once.
    const generated = run(process.execPath, [prisma, 'generate'], { env });
    if (generated.status !== 0) warn(`prisma generate failed (run npm run generate):\n${generated.stderr || generated.stdout}`);
  }
  const codegen = join(ROOT, 'node_modules/@graphql-codegen/cli/esm/bin.js');
  if (existsSync(join(ROOT, 'codegen.ts')) && existsSync(codegen)) {
    // The resolver types of the new fields.
    const typed = run(process.execPath, [codegen, '--config', 'codegen.ts']);
    if (typed.status !== 0) throw new Error(`GraphQL Code Generator refused the new schema:\n${typed.stderr || typed.stdout}`);
  }
  const lint = run('sh', ['tools/py', 'db', 'tools/db.py', 'lint', `migrations/${stem}.sql`, `migrations/${stem}.rollback.sql`]);
  if (lint.status === 5) throw new Error(`the db command's lint refused the migration:\n${lint.stdout}${lint.stderr}`);
  if (lint.status !== 0)
    warn(`The migration was not linted (${(lint.stderr || lint.stdout).trim().split('\n').at(-1)}); run npm run db:lint.`);
}

try {
  process.exitCode = main();
} catch (error) {
  if (error instanceof UsageError) {
    warn(`new:resource: ${error.message}`);
    process.exitCode = 2;
  } else {
    warn(`new:resource: nothing was written: ${error.message}`);
    process.exitCode = 1;
  }
}
