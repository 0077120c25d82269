// A database's schema as data, read from PostgreSQL's catalogs (not by
// parsing migrations): tables with their columns, indexes and constraints,
// foreign keys among them; the difference between two such schemas; and
// the schema written out as SQL. For any executor (PGlite in a browser or
// a worker, the CLI's PGlite or PostgreSQL). No I/O of its own.

import { runStep } from './run.js';

/** Schemas that are PostgreSQL's own. */
const OWN = "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'";

const COLUMNS = `SELECT n.nspname AS schema, c.relname AS table, a.attname AS name,
    format_type(a.atttypid, a.atttypmod) AS type, NOT a.attnotnull AS nullable,
    pg_get_expr(d.adbin, d.adrelid) AS "default"
  FROM pg_attribute a
  JOIN pg_class c ON c.oid = a.attrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
  WHERE c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped AND ${OWN}
  ORDER BY n.nspname, c.relname, a.attnum`;

const INDEXES = `SELECT n.nspname AS schema, t.relname AS table, i.relname AS name, t.relkind = 'm' AS on_view,
    pg_get_indexdef(x.indexrelid) AS definition, x.indisunique AS unique, x.indisvalid AS valid
  FROM pg_index x
  JOIN pg_class i ON i.oid = x.indexrelid
  JOIN pg_class t ON t.oid = x.indrelid
  JOIN pg_namespace n ON n.oid = t.relnamespace
  WHERE t.relkind IN ('r', 'p', 'm') AND ${OWN}
    AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid AND k.contype IN ('p', 'u', 'x'))
  ORDER BY n.nspname, t.relname, i.relname`;

const CONSTRAINTS = `SELECT n.nspname AS schema, t.relname AS table, k.conname AS name,
    k.contype AS kind, pg_get_constraintdef(k.oid) AS definition, k.convalidated AS validated
  FROM pg_constraint k
  JOIN pg_class t ON t.oid = k.conrelid
  JOIN pg_namespace n ON n.oid = t.relnamespace
  WHERE k.contype IN ('p', 'u', 'c', 'f', 'x') AND ${OWN}
  ORDER BY n.nspname, t.relname, k.conname`;

const EXTENSIONS = `SELECT e.extname AS name FROM pg_extension e WHERE e.extname <> 'plpgsql' ORDER BY 1`;

const ENUMS = `SELECT n.nspname AS schema, t.typname AS name, array_to_json(array_agg(e.enumlabel ORDER BY e.enumsortorder)) AS labels
  FROM pg_type t
  JOIN pg_namespace n ON n.oid = t.typnamespace
  JOIN pg_enum e ON e.enumtypid = t.oid
  WHERE ${OWN}
  GROUP BY n.nspname, t.typname
  ORDER BY n.nspname, t.typname`;

// Functions and procedures (not aggregates, not an extension's): each
// written whole by pg_get_functiondef. `after_tables`: its signature names a
// table's row type (or an array of one), or its body is parsed when it is made (BEGIN ATOMIC),
// so it is made after the tables (`after_views`: after the views, when it
// names a view's row type); the others before, as column defaults and
// checks may call them.
const FUNCTIONS = `SELECT n.nspname AS schema, p.proname AS name, pg_get_function_identity_arguments(p.oid) AS arguments,
    p.prokind AS kind, pg_get_functiondef(p.oid) AS definition,
    (to_jsonb(p) ->> 'prosqlbody') IS NOT NULL
      OR EXISTS (SELECT 1 FROM pg_type t WHERE t.typrelid <> 0
        AND (t.oid = p.prorettype OR t.oid = ANY (p.proargtypes) OR t.typarray = p.prorettype OR t.typarray = ANY (p.proargtypes))) AS after_tables,
    EXISTS (SELECT 1 FROM pg_type t JOIN pg_class c ON c.oid = t.typrelid WHERE c.relkind IN ('v', 'm')
        AND (t.oid = p.prorettype OR t.oid = ANY (p.proargtypes) OR t.typarray = p.prorettype OR t.typarray = ANY (p.proargtypes))) AS after_views
  FROM pg_proc p
  JOIN pg_namespace n ON n.oid = p.pronamespace
  WHERE p.prokind IN ('f', 'p', 'w') AND ${OWN}
    AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
  ORDER BY n.nspname, p.proname, 3`;

// Views and materialized views, in the order they were made (one may read another).
const VIEWS = `SELECT n.nspname AS schema, c.relname AS name, pg_get_viewdef(c.oid, true) AS definition,
    array_to_json(c.reloptions) AS options, c.relkind = 'm' AS materialized, c.relispopulated AS populated
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('v', 'm') AND ${OWN}
    AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
  ORDER BY c.oid`;

// Triggers on tables (a constraint's own are internal).
const TRIGGERS = `SELECT n.nspname AS schema, c.relname AS table, t.tgname AS name, pg_get_triggerdef(t.oid) AS definition
  FROM pg_trigger t
  JOIN pg_class c ON c.oid = t.tgrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE NOT t.tgisinternal AND c.relkind IN ('r', 'p') AND ${OWN}
  ORDER BY n.nspname, c.relname, t.tgname`;

// Sequences (not an identity column's, not an extension's), with their settings and
// the column that owns one (a `serial`'s: dropped with it).
const SEQUENCES = `SELECT n.nspname AS schema, c.relname AS name, format_type(s.seqtypid, NULL) AS type,
    s.seqstart::text AS start, s.seqincrement::text AS increment, s.seqmin::text AS min, s.seqmax::text AS max,
    s.seqcache::text AS cache, s.seqcycle AS cycle,
    (SELECT json_build_object('schema', tn.nspname, 'table', t.relname, 'column', a.attname)
      FROM pg_depend d
      JOIN pg_class t ON t.oid = d.refobjid
      JOIN pg_namespace tn ON tn.oid = t.relnamespace
      JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
      WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.refclassid = 'pg_class'::regclass AND d.deptype = 'a') AS owner
  FROM pg_sequence s
  JOIN pg_class c ON c.oid = s.seqrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE ${OWN}
    AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('e', 'i'))
  ORDER BY n.nspname, c.relname`;

const KINDS = { p: 'primary key', u: 'unique', c: 'check', f: 'foreign key', x: 'exclusion' };

/** The tables `exclude` names, each as `schema.table`. */
const excluded = (exclude) => new Set(exclude.map((name) => (name.includes('.') ? name : `public.${name}`)));

/** The column that owns a sequence, as `{ table, column }`, or null. */
function ownerOf(owner) {
  const value = typeof owner === 'string' ? JSON.parse(owner) : owner;
  return value ? { table: qualified(value.schema, value.table), column: value.column } : null;
}

/** `schema.table`, or `table` in `public`. */
const qualified = (schema, table) => (schema === 'public' ? table : `${schema}.${table}`);

/**
 * The tables of the database `db` is connected to, from its catalogs:
 * `{ tables: [{ name, columns: [{ name, type, nullable, default }],
 * indexes: [{ name, definition, unique, valid }], constraints: [{ name,
 * kind, definition, validated }], triggers: [{ name, definition }] }],
 * sequences: [{ name, type, start, increment, min, max, cache, cycle, ownedBy }],
 * functions: [{ name, kind, definition, afterTables }], views: [{ name,
 * definition, options, materialized, populated, indexes }] }`, tables sorted by name, views in the order
 * they were made. `exclude` names tables left out
 * (`public.kimberlite_migrations`, the history).
 */
export async function readSchema(db, { exclude = ['public.kimberlite_migrations'] } = {}) {
  const left = excluded(exclude);
  const tables = new Map();
  const tableOf = (row) => {
    if (left.has(`${row.schema}.${row.table}`)) return null;
    const name = qualified(row.schema, row.table);
    if (!tables.has(name)) tables.set(name, { name, columns: [], indexes: [], constraints: [], triggers: [] });
    return tables.get(name);
  };
  for (const row of (await db.query(COLUMNS)).rows) {
    tableOf(row)?.columns.push({ name: row.name, type: row.type, nullable: Boolean(row.nullable), default: row.default ?? null });
  }
  const views = (await db.query(VIEWS)).rows.map((row) => {
    const options = typeof row.options === 'string' ? JSON.parse(row.options) : row.options;
    // `populated`: false for a materialized view made WITH NO DATA (and not refreshed since).
    return { name: qualified(row.schema, row.name), definition: row.definition.trim().replace(/;$/, ''), options: options ?? [], materialized: Boolean(row.materialized), populated: Boolean(row.populated), indexes: [] };
  });
  const viewsByName = new Map(views.map((view) => [view.name, view]));
  for (const row of (await db.query(INDEXES)).rows) {
    const index = { name: row.name, definition: row.definition, unique: Boolean(row.unique), valid: Boolean(row.valid) };
    if (row.on_view) viewsByName.get(qualified(row.schema, row.table))?.indexes.push(index);
    else tableOf(row)?.indexes.push(index);
  }
  for (const row of (await db.query(CONSTRAINTS)).rows) {
    tableOf(row)?.constraints.push({ name: row.name, kind: KINDS[row.kind] ?? row.kind, definition: row.definition, validated: Boolean(row.validated) });
  }
  for (const row of (await db.query(TRIGGERS)).rows) {
    tableOf(row)?.triggers.push({ name: row.name, definition: row.definition });
  }
  const functions = (await db.query(FUNCTIONS)).rows.map((row) => ({
    name: `${qualified(row.schema, row.name)}(${row.arguments})`,
    kind: row.kind === 'p' ? 'procedure' : 'function',
    definition: row.definition.trimEnd(),
    afterTables: Boolean(row.after_tables),
    afterViews: Boolean(row.after_views),
  }));
  const sequences = (await db.query(SEQUENCES)).rows.map((row) => ({
    name: qualified(row.schema, row.name),
    type: row.type,
    start: row.start,
    increment: row.increment,
    min: row.min,
    max: row.max,
    cache: row.cache,
    cycle: Boolean(row.cycle),
    ownedBy: ownerOf(row.owner),
  }));
  const extensions = (await db.query(EXTENSIONS)).rows.map((row) => row.name);
  const enums = (await db.query(ENUMS)).rows.map((row) => ({
    name: qualified(row.schema, row.name),
    labels: typeof row.labels === 'string' ? JSON.parse(row.labels) : row.labels,
  }));
  return { extensions, enums, tables: [...tables.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)), sequences, functions, views };
}

/**
 * The schema after each migration of `ids` (in the order given), from one
 * database `db` that `steps` (a plan from an empty database) are run on in
 * order, as far as the highest id: each step runs once, however many ids.
 * `options` go to `runStep`. Rejects with the failing step's error.
 */
export async function schemasAfter(db, steps, ids, options = {}) {
  const wanted = new Set(ids);
  const highest = Math.max(...ids);
  const found = new Map();
  for (const step of steps) {
    if (step.id > highest) break;
    await runStep(db, step, options);
    if (wanted.has(step.id)) found.set(step.id, await readSchema(db));
  }
  return ids.map((id) => found.get(id));
}

/** Items of two lists by name: added, removed, and changed (`same(a, b)` false). */
function byName(before, after, same) {
  const old = new Map(before.map((item) => [item.name, item]));
  const now = new Map(after.map((item) => [item.name, item]));
  return {
    added: after.filter((item) => !old.has(item.name)),
    removed: before.filter((item) => !now.has(item.name)),
    changed: after.filter((item) => old.has(item.name) && !same(old.get(item.name), item)).map((item) => ({ name: item.name, from: old.get(item.name), to: item })),
  };
}

const empty = (part) => part.added.length === 0 && part.removed.length === 0 && part.changed.length === 0;
const sameDefinition = (x, y) => x.definition === y.definition;

const IDENT = '(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)';

/**
 * A view's SELECT as compared: PostgreSQL versions deparse it with or
 * without `table.` before its columns (15 does, 16 and later do not when
 * one table is read), so the qualifiers naming a relation the view reads
 * (its FROM and JOIN items, by name or alias) are left out; a schema
 * before a relation's name is kept.
 */
function comparableView(definition) {
  const read = new Set();
  const items = new RegExp(`\\b(?:FROM|JOIN)\\s+(?:ONLY\\s+)?(?:${IDENT}\\.)?(${IDENT})(?:\\s+(?:AS\\s+)?(?!(?:ON|USING|WHERE|JOIN|LEFT|RIGHT|INNER|FULL|CROSS|NATURAL|GROUP|ORDER|LIMIT|OFFSET|UNION|EXCEPT|INTERSECT|WINDOW|HAVING|FETCH|FOR)\\b)(${IDENT}))?`, 'gi');
  for (const match of definition.matchAll(items)) {
    read.add(match[1]);
    if (match[2]) read.add(match[2]);
  }
  if (read.size === 0) return definition;
  const names = [...read].map((name) => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
  return definition.replace(new RegExp(`(?<![\\w$."])(?:${names})\\.(?=["A-Za-z_])`, 'g'), '');
}
const sameView = (x, y) => x.definition === y.definition || comparableView(x.definition) === comparableView(y.definition);

/**
 * What changed from schema `a` to schema `b` (as `readSchema` gives them),
 * object by object: `{ same, added: [tables], removed: [tables], changed:
 * [{ name, columns, indexes, constraints, triggers }], sequences, functions,
 * views }`,
 * each of those parts an `{ added, removed, changed: [{ name, from, to }] }`.
 */
export function diffSchemas(a, b) {
  const tables = byName(a.tables, b.tables, () => true);
  const old = new Map(a.tables.map((table) => [table.name, table]));
  const changed = [];
  for (const table of b.tables) {
    const before = old.get(table.name);
    if (!before) continue;
    const parts = {
      columns: byName(before.columns, table.columns, (x, y) => x.type === y.type && x.nullable === y.nullable && x.default === y.default),
      indexes: byName(before.indexes, table.indexes, (x, y) => x.definition === y.definition && x.valid === y.valid),
      constraints: byName(before.constraints, table.constraints, (x, y) => x.definition === y.definition && x.validated === y.validated),
      triggers: byName(before.triggers ?? [], table.triggers ?? [], sameDefinition),
    };
    if (!Object.values(parts).every(empty)) changed.push({ name: table.name, ...parts });
  }
  const sequences = byName(a.sequences ?? [], b.sequences ?? [], (x, y) => JSON.stringify(x) === JSON.stringify(y));
  const functions = byName(a.functions ?? [], b.functions ?? [], sameDefinition);
  const views = byName(a.views ?? [], b.views ?? [], (x, y) => sameView(x, y) && JSON.stringify([x.options, x.materialized, x.populated, x.indexes]) === JSON.stringify([y.options, y.materialized, y.populated, y.indexes]));
  const same = tables.added.length === 0 && tables.removed.length === 0 && changed.length === 0 && empty(sequences) && empty(functions) && empty(views);
  return { same, added: tables.added, removed: tables.removed, changed, sequences, functions, views };
}

/**
 * PostgreSQL's reserved key words, and those that may be a function or type
 * name but not a column or table name (its documentation's appendix "SQL
 * Key Words"): a name spelled as one must be quoted.
 */
const RESERVED = new Set(`all analyse analyze and any array as asc asymmetric authorization binary both case cast
  check collate collation column concurrently constraint create cross current_catalog current_date current_role
  current_schema current_time current_timestamp current_user default deferrable desc distinct do else end except
  false fetch for foreign freeze from full grant group having ilike in initially inner intersect into is isnull join
  lateral leading left like limit localtime localtimestamp natural not notnull null offset on only or order outer
  overlaps placing primary references returning right select session_user similar some symmetric system_user table
  tablesample then to trailing true union unique user using variadic verbose when where window with`.split(/\s+/));

/** A name as SQL writes it: bare when PostgreSQL reads it back the same, else quoted. */
export function quoteIdent(name) {
  return /^[a-z_][a-z0-9_$]*$/.test(name) && !RESERVED.has(name) ? name : `"${name.replaceAll('"', '""')}"`;
}
const quote = quoteIdent;
const quoteQualified = (name) => name.split('.').map(quote).join('.');

/**
 * A table's CREATE TABLE with its columns and constraints; each foreign key
 * is handed to `foreignKey(constraint)` instead, for an ALTER TABLE after
 * every table exists.
 */
function createTableSql(table, foreignKey) {
  const lines = table.columns.map((column) => `  ${columnSql(column)}`);
  for (const constraint of table.constraints) {
    // One NOT VALID in CREATE TABLE would be validated there and then.
    if (constraint.kind === 'foreign key' || !constraint.validated) foreignKey(constraint);
    else lines.push(`  CONSTRAINT ${quote(constraint.name)} ${constraint.definition}`);
  }
  return `CREATE TABLE ${quoteQualified(table.name)} (\n${lines.join(',\n')}\n);`;
}

/** One column as in CREATE TABLE. */
export function columnSql(column) {
  return `${quote(column.name)} ${column.type}${column.nullable ? '' : ' NOT NULL'}${column.default === null ? '' : ` DEFAULT ${column.default}`}`;
}

/** The largest value of each type a sequence may be. */
const SEQUENCE_MAX = { smallint: '32767', integer: '2147483647', bigint: '9223372036854775807' };

/** A sequence's CREATE SEQUENCE, its settings written where they are not the defaults. */
function sequenceSql(sequence) {
  const parts = [`CREATE SEQUENCE ${quoteQualified(sequence.name)}`];
  if (sequence.type !== 'bigint') parts.push(`AS ${sequence.type}`);
  const ascending = !sequence.increment.startsWith('-');
  if (sequence.increment !== '1') parts.push(`INCREMENT BY ${sequence.increment}`);
  if (!ascending || sequence.min !== '1') parts.push(`MINVALUE ${sequence.min}`);
  if (!ascending || sequence.max !== SEQUENCE_MAX[sequence.type]) parts.push(`MAXVALUE ${sequence.max}`);
  if (sequence.start !== (ascending ? sequence.min : sequence.max)) parts.push(`START WITH ${sequence.start}`);
  if (sequence.cache !== '1') parts.push(`CACHE ${sequence.cache}`);
  if (sequence.cycle) parts.push('CYCLE');
  return `${parts.join(' ')};`;
}

/** A function's or procedure's DROP: its name and argument types. */
const dropRoutine = (routine) => {
  const open = routine.name.indexOf('(');
  return `DROP ${routine.kind === 'procedure' ? 'PROCEDURE' : 'FUNCTION'} ${quoteQualified(routine.name.slice(0, open))}${routine.name.slice(open)};`;
};

/** A view's CREATE VIEW, with its options (security_barrier, check_option, ...); a materialized one's indexes after it. */
const viewSql = (view) => [
  `CREATE ${view.materialized ? 'MATERIALIZED ' : ''}VIEW ${quoteQualified(view.name)}${view.options.length ? ` WITH (${view.options.join(', ')})` : ''} AS\n${view.definition}${view.populated === false ? '\nWITH NO DATA' : ''};`,
  ...(view.indexes ?? []).map((index) => `${index.definition};`),
].join('\n\n');

/** A view's DROP. */
const dropView = (view) => `DROP ${view.materialized ? 'MATERIALIZED ' : ''}VIEW ${quoteQualified(view.name)};`;

/** A routine's definition as a statement. */
const routineSql = (routine) => `${routine.definition};`;

/**
 * The schema as SQL: the schemas other than public, extensions, enum
 * types, sequences, the functions column
 * defaults and checks may call (with function bodies unchecked until every
 * table exists, as pg_dump does), then for each table its CREATE TABLE
 * with columns and constraints (foreign keys as ALTER TABLE after every
 * table, so the order of tables does not matter) and its other indexes;
 * then the functions that name a table's row type, the views in the order
 * they were made, and the triggers. With `data` (`readRows`' answer),
 * the rows after the tables, before the foreign keys and triggers.
 */
export function schemaSql(schema, data = null) {
  const out = [];
  const foreign = [];
  const functions = schema.functions ?? [];
  const views = schema.views ?? [];
  // Sequences, before the column defaults that draw from them.
  const sequences = schema.sequences ?? [];
  // Schemas other than public that anything lives in: made first of all.
  const names = [...schema.tables.map((table) => table.name), ...sequences.map((sequence) => sequence.name), ...(schema.enums ?? []).map((type) => type.name), ...views.map((view) => view.name), ...functions.map((routine) => routine.name.slice(0, routine.name.indexOf('(')))];
  const schemas = [...new Set(names.filter((name) => name.includes('.')).map((name) => name.split('.')[0].replace(/^"|"$/g, '')))].sort();
  for (const name of schemas) out.push(`CREATE SCHEMA IF NOT EXISTS ${quote(name)};`);
  // Extensions and enum types the columns may use.
  for (const name of schema.extensions ?? []) out.push(`CREATE EXTENSION IF NOT EXISTS ${quote(name)};`);
  for (const type of schema.enums ?? []) out.push(`CREATE TYPE ${quoteQualified(type.name)} AS ENUM (${type.labels.map((label) => `'${label.replaceAll("'", "''")}'`).join(', ')});`);
  for (const sequence of sequences) out.push(sequenceSql(sequence));
  // A function body may name a table made later: checked when it runs.
  if (functions.length > 0) out.push('SET LOCAL check_function_bodies = off;');
  for (const routine of functions.filter((r) => !r.afterTables)) out.push(routineSql(routine));
  for (const table of schema.tables) {
    out.push(createTableSql(table, (constraint) => foreign.push(`ALTER TABLE ${quoteQualified(table.name)} ADD CONSTRAINT ${quote(constraint.name)} ${constraint.definition};`)));
    for (const index of table.indexes) out.push(`${index.definition};`);
  }
  // A serial's sequence goes when its column does.
  for (const sequence of sequences) {
    if (sequence.ownedBy) out.push(`ALTER SEQUENCE ${quoteQualified(sequence.name)} OWNED BY ${quoteQualified(sequence.ownedBy.table)}.${quote(sequence.ownedBy.column)};`);
  }
  const after = [
    ...functions.filter((r) => r.afterTables && !r.afterViews).map(routineSql),
    ...views.map(viewSql),
    ...functions.filter((r) => r.afterViews).map(routineSql),
    ...schema.tables.flatMap((table) => (table.triggers ?? []).map((trigger) => `${trigger.definition};`)),
  ];
  // Rows before the foreign keys are checked and the triggers made (they ran when the rows were first written).
  const rows = data ? rowsSql(data) : [];
  return `${[...out, ...rows, ...foreign, ...after].join('\n\n')}\n`;
}

/**
 * The migrations that take a database from schema `a` to schema `b`
 * (`diff` is `diffSchemas(a, b)`), for the changes that are safe to write
 * without a person's judgement, written the way the lint rules want them:
 * `{ main: { up, down }, indexes: [{ up, down }], validate: { up, down },
 * refused: [{ object, reason }] }`, each `up`/`down` a list of statements.
 * - new tables (CREATE TABLE; foreign keys added NOT VALID, then
 *   validated in a migration of their own), new columns (nullable, or
 *   NOT NULL with a default), new check and foreign key constraints on
 *   existing tables (NOT VALID, then VALIDATE);
 * - new indexes: CREATE INDEX CONCURRENTLY, one no-transaction migration
 *   each.
 * Refused, each with its reason: anything removed (dropping loses data:
 * write it by hand), a table removed and another added (a rename is
 * ambiguous), a column's type, nullability or default changed, a changed
 * index or constraint, a NOT NULL column without a default, a new primary
 * key or unique constraint on an existing table.
 */
export function migrationsFromDiff(diff) {
  const main = { up: [], down: [] };
  const validate = { up: [], down: [] };
  const indexes = [];
  const refused = [];
  const refuse = (object, reason) => refused.push({ object, reason });
  const index = (table, item) => {
    const concurrent = item.definition.replace(/^CREATE (UNIQUE )?INDEX /, 'CREATE $1INDEX CONCURRENTLY IF NOT EXISTS ');
    indexes.push({ up: [`${concurrent};`], down: [`DROP INDEX CONCURRENTLY IF EXISTS ${quoteQualified(schemaOfTable(table, item.name))};`] });
  };
  const notValid = (table, constraint) => {
    main.up.push(`ALTER TABLE ${quoteQualified(table)} ADD CONSTRAINT ${quote(constraint.name)} ${constraint.definition.replace(/ NOT VALID$/, '')} NOT VALID;`);
    main.down.unshift(`ALTER TABLE ${quoteQualified(table)} DROP CONSTRAINT ${quote(constraint.name)};`);
    validate.up.push(`ALTER TABLE ${quoteQualified(table)} VALIDATE CONSTRAINT ${quote(constraint.name)};`);
  };
  if (diff.removed.length > 0 && diff.added.length > 0) {
    for (const table of diff.removed) refuse(`table ${table.name}`, `removed while ${diff.added.map((t) => t.name).join(', ')} ${diff.added.length === 1 ? 'was' : 'were'} added: if it was renamed, a new table would lose its rows; write ALTER TABLE ... RENAME TO by hand`);
  } else {
    for (const table of diff.removed) refuse(`table ${table.name}`, 'removed: dropping a table loses its data; write the DROP TABLE by hand if that is meant');
  }
  for (const table of diff.added) {
    main.up.unshift(createTableSql(table, (constraint) => notValid(table.name, constraint)));
    main.down.push(`DROP TABLE ${quoteQualified(table.name)};`);
    for (const item of table.indexes) index(table.name, item);
  }
  for (const table of diff.changed) {
    for (const column of table.columns.added) {
      if (!column.nullable && column.default === null) {
        refuse(`column ${table.name}.${column.name}`, 'NOT NULL without a default fails on a table with rows: add it nullable, fill it, then SET NOT NULL (after a NOT VALID check)');
        continue;
      }
      main.up.push(`ALTER TABLE ${quoteQualified(table.name)} ADD COLUMN ${columnSql(column)};`);
      main.down.unshift(`ALTER TABLE ${quoteQualified(table.name)} DROP COLUMN ${quote(column.name)};`);
    }
    for (const column of table.columns.removed) refuse(`column ${table.name}.${column.name}`, 'removed: dropping a column loses its data and breaks the clients that read it; write it by hand');
    for (const change of table.columns.changed) refuse(`column ${table.name}.${change.name}`, `changed from ${columnSql(change.from)} to ${columnSql(change.to)}: a type change may rewrite the table and nullability or a default may fail on existing rows; write it by hand`);
    for (const constraint of table.constraints.added) {
      if (constraint.kind === 'foreign key' || constraint.kind === 'check') notValid(table.name, constraint);
      else refuse(`constraint ${table.name}.${constraint.name}`, `a new ${constraint.kind} on an existing table locks it while its index is built: build a unique index CONCURRENTLY, then ADD CONSTRAINT ... USING INDEX`);
    }
    for (const constraint of [...table.constraints.removed, ...table.constraints.changed]) refuse(`constraint ${table.name}.${constraint.name}`, 'removed or changed: write it by hand');
    for (const item of table.indexes.added) index(table.name, item);
    for (const item of [...table.indexes.removed, ...table.indexes.changed]) refuse(`index ${item.name}`, 'removed or changed: write it by hand (DROP INDEX CONCURRENTLY)');
  }
  // Functions, views and triggers: made after the tables and columns (the
  // functions defaults may call, before them), undone first (those, last).
  const early = [];
  const late = [];
  const undoFirst = [];
  const undoLast = [];
  for (const sequence of diff.sequences?.added ?? []) {
    early.unshift(sequenceSql(sequence));
    if (sequence.ownedBy) late.unshift(`ALTER SEQUENCE ${quoteQualified(sequence.name)} OWNED BY ${quoteQualified(sequence.ownedBy.table)}.${quote(sequence.ownedBy.column)};`);
    // Dropped with its column when a column owns it.
    else undoLast.push(`DROP SEQUENCE ${quoteQualified(sequence.name)};`);
  }
  for (const sequence of [...(diff.sequences?.removed ?? []), ...(diff.sequences?.changed ?? []).map((change) => change.to)]) refuse(`sequence ${sequence.name}`, 'removed or changed: write it by hand (ALTER SEQUENCE keeps where it stands)');
  for (const routine of diff.functions?.added ?? []) {
    (routine.afterTables ? late : early).push(routineSql(routine));
    (routine.afterTables ? undoFirst : undoLast).unshift(dropRoutine(routine));
  }
  for (const { name, from, to } of diff.functions?.changed ?? []) {
    if (from.kind !== to.kind) {
      refuse(`${to.kind} ${name}`, `was a ${from.kind}: write it by hand`);
      continue;
    }
    // CREATE OR REPLACE: its Down puts the old body back.
    late.push(routineSql(to));
    undoFirst.unshift(routineSql(from));
  }
  for (const routine of diff.functions?.removed ?? []) refuse(`${routine.kind} ${routine.name}`, 'removed: dropping it breaks what calls it; write the DROP by hand if that is meant');
  for (const view of diff.views?.added ?? []) {
    late.push(viewSql(view));
    undoFirst.unshift(dropView(view));
  }
  for (const view of [...(diff.views?.removed ?? []), ...(diff.views?.changed ?? []).map((change) => change.to)]) refuse(`${view.materialized ? 'materialized view' : 'view'} ${view.name}`, 'removed or changed: CREATE OR REPLACE VIEW cannot drop or retype its columns, and the clients that read it may break; write it by hand');
  for (const table of diff.added) {
    for (const trigger of table.triggers ?? []) late.push(`${trigger.definition};`);
  }
  for (const table of diff.changed) {
    for (const trigger of table.triggers?.added ?? []) {
      late.push(`${trigger.definition};`);
      undoFirst.unshift(`DROP TRIGGER ${quote(trigger.name)} ON ${quoteQualified(table.name)};`);
    }
    for (const trigger of [...(table.triggers?.removed ?? []), ...(table.triggers?.changed ?? [])]) refuse(`trigger ${trigger.name} on ${table.name}`, 'removed or changed: write it by hand');
  }
  if (early.length > 0 || late.length > 0) {
    // A function made before the tables may read them: its body is checked when it runs.
    const unchecked = diff.functions?.added?.some((routine) => !routine.afterTables) ? ['SET LOCAL check_function_bodies = off;'] : [];
    main.up = [...unchecked, ...early, ...main.up, ...late];
    main.down = [...undoFirst, ...main.down, ...undoLast];
  }
  return { main, indexes, validate, refused };
}

/**
 * The files `migrationsFromDiff(diff)` makes, as `kmb migration diff
 * --generate` and the Studio write them: the main one (tables, columns,
 * sequences, functions, views, triggers, constraints NOT VALID), one
 * no-transaction migration per index (CONCURRENTLY), one that validates
 * the constraints. `create` is the core's `createMigration`, `existing`
 * the migrations folder's file names. `{ files: [{ fileName, text }],
 * refused }`, or `{ error }` (the first of `createMigration`'s findings).
 */
export function generatedMigrations({ diff, name, existing, created = null, author = null, create }) {
  const generated = migrationsFromDiff(diff);
  const parts = [];
  if (generated.main.up.length > 0) parts.push({ title: name, transactional: true, ...generated.main });
  generated.indexes.forEach((index, at) => parts.push({ title: `${name} index ${at + 1}`, transactional: false, ...index }));
  if (generated.validate.up.length > 0) parts.push({ title: `${name} validate`, transactional: true, validates: true, ...generated.validate });
  const names = [...existing];
  const files = [];
  for (const part of parts) {
    const made = create({ existing: names, name: part.title, created, author });
    if (!made.ok) return { error: made.diagnostics[0], files: [], refused: generated.refused };
    const header = made.text.slice(0, made.text.indexOf('\n-- Up Migration') + 1);
    const lines = [header.trimEnd()];
    if (!part.transactional) lines.push('-- kimberlite:no-transaction');
    // VALIDATE CONSTRAINT has nothing to undo.
    if (part.validates) lines.push('-- kimberlite:ignore-file missing-down');
    lines.push('-- Generated by `kmb migration diff --generate`: read it before you apply it.', '', '-- Up Migration', ...part.up);
    if (!part.validates) lines.push('', '-- Down Migration', ...part.down);
    files.push({ fileName: made.fileName, text: `${lines.join('\n')}\n` });
    names.push(made.fileName);
  }
  return { files, refused: generated.refused };
}

/** `schema.index` for an index of `table` when the table is not in `public`. */
function schemaOfTable(table, index) {
  return table.includes('.') ? `${table.split('.')[0]}.${index}` : index;
}

/** A constraint as a line: `primary key users_pkey: PRIMARY KEY (id)`, NOT VALID marked. */
export const constraintText = (constraint) => `${constraint.kind} ${constraint.name}: ${constraint.definition}${constraint.validated ? '' : ' (NOT VALID)'}`;

/** An index as a line: its definition, INVALID marked. */
export const indexText = (index) => `${index.definition}${index.valid ? '' : ' (INVALID)'}`;

/**
 * A diff as lines, the one wording the CLI and the Studio show: `{ sign,
 * text, table }` with `sign` `+` added, `-` removed, `~` changed; lines of
 * a changed table follow it with `table` set to its name.
 */
export function diffLines(diff) {
  const lines = [];
  for (const table of diff.added) lines.push({ sign: '+', text: `table ${table.name} (${table.columns.length} column${table.columns.length === 1 ? '' : 's'})`, table: null });
  for (const table of diff.removed) lines.push({ sign: '-', text: `table ${table.name}`, table: null });
  for (const table of diff.changed) {
    lines.push({ sign: '~', text: `table ${table.name}`, table: null });
    const part = (changes, word, describe) => {
      for (const item of changes.added) lines.push({ sign: '+', text: `${word} ${describe(item)}`, table: table.name });
      for (const item of changes.removed) lines.push({ sign: '-', text: `${word} ${item.name}`, table: table.name });
      for (const { name, from, to } of changes.changed) lines.push({ sign: '~', text: `${word} ${name}: ${describe(from)} → ${describe(to)}`, table: table.name });
    };
    part(table.columns, 'column', columnSql);
    part(table.constraints, 'constraint', constraintText);
    part(table.indexes, 'index', indexText);
    part(table.triggers ?? { added: [], removed: [], changed: [] }, 'trigger', (trigger) => `${trigger.name}: ${trigger.definition.replace(/^CREATE (CONSTRAINT )?TRIGGER \S+ /, '')}`);
  }
  const top = (changes, kind) => {
    for (const item of changes?.added ?? []) lines.push({ sign: '+', text: `${kind(item)} ${item.name}`, table: null });
    for (const item of changes?.removed ?? []) lines.push({ sign: '-', text: `${kind(item)} ${item.name}`, table: null });
    for (const { name, to } of changes?.changed ?? []) lines.push({ sign: '~', text: `${kind(to)} ${name}: its definition`, table: null });
  };
  top(diff.sequences, () => 'sequence');
  top(diff.functions, (routine) => routine.kind);
  top(diff.views, (view) => (view.materialized ? 'materialized view' : 'view'));
  return lines;
}

/** An object made by an extension (`pg_depend` kind 'e'): the extension carries it. */
const NOT_EXTENSION = (catalog, oid) => `NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = '${catalog}'::regclass AND d.objid = ${oid} AND d.deptype = 'e')`;

/**
 * What a database holds that `schemaSql` does not write, so that a squash
 * written from it would not be equal in effect to the migrations it
 * replaces: `[{ object, reason }]`, empty when the SQL carries everything.
 * Foreign tables, aggregates, triggers on views, rules, policies and row-level security, other
 * types, identity and generated columns, collations,
 * privileges, inherited, partitioned, unlogged and foreign tables, and more
 * rows in a table than a squash carries (SQUASH_ROWS).
 * `exclude` as for `readSchema`.
 */
export async function squashBlockers(db, { exclude = ['public.kimberlite_migrations'] } = {}) {
  const left = excluded(exclude);
  const mine = (schema, table) => !left.has(`${schema}.${table}`);
  const found = [];
  const add = (object, reason) => found.push({ object, reason });
  const rows = async (sql) => (await db.query(sql)).rows;
  for (const row of await rows(`SELECT n.nspname AS schema, c.relname AS name, c.relkind AS kind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind = 'f' AND ${OWN} AND ${NOT_EXTENSION('pg_class', 'c.oid')} ORDER BY 1, 2`)) {
    add(`foreign table ${qualified(row.schema, row.name)}`, 'the squash writes tables, views, functions, triggers, types, sequences and indexes only');
  }
  for (const row of await rows(`SELECT n.nspname AS schema, p.proname AS name FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE p.prokind = 'a' AND ${OWN} AND ${NOT_EXTENSION('pg_proc', 'p.oid')} ORDER BY 1, 2`)) {
    add(`aggregate ${qualified(row.schema, row.name)}`, 'aggregates are not carried');
  }
  for (const row of await rows(`SELECT n.nspname AS schema, c.relname AS table, t.tgname AS name FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE NOT t.tgisinternal AND c.relkind NOT IN ('r', 'p') AND ${OWN} ORDER BY 1, 2, 3`)) {
    add(`trigger ${row.name} on ${qualified(row.schema, row.table)}`, 'triggers on views are not carried');
  }
  for (const row of await rows(`SELECT n.nspname AS schema, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('v', 'm') AND c.relacl IS NOT NULL AND ${OWN} ORDER BY 1, 2`)) {
    add(`view ${qualified(row.schema, row.name)}`, 'privileges granted on it (GRANT) are not carried');
  }
  for (const row of await rows(`SELECT n.nspname AS schema, c.relname AS table, r.rulename AS name FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE r.rulename <> '_RETURN' AND ${OWN} ORDER BY 1, 2, 3`)) {
    add(`rule ${row.name} on ${qualified(row.schema, row.table)}`, 'rules are not carried');
  }
  for (const row of await rows(`SELECT n.nspname AS schema, c.relname AS table, c.relrowsecurity AS rls, c.relpersistence AS persistence, c.relkind AS kind, c.relacl IS NOT NULL AS granted,
        EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid) AS policies, EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhrelid = c.oid OR i.inhparent = c.oid) AS inherits
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p') AND ${OWN} ORDER BY 1, 2`)) {
    if (!mine(row.schema, row.table)) continue;
    const name = `table ${qualified(row.schema, row.table)}`;
    if (row.rls || row.policies) add(name, 'row-level security and its policies are not carried');
    if (row.persistence === 'u') add(name, 'it is UNLOGGED, which the squash does not write');
    if (row.kind === 'p' || row.inherits) add(name, 'partitioned and inherited tables are not carried');
    if (row.granted) add(name, 'privileges granted on it (GRANT) are not carried');
    const [count] = await rows(`SELECT count(*)::int AS n FROM (SELECT 1 FROM ${quote(row.schema)}.${quote(row.table)} LIMIT ${SQUASH_ROWS + 1}) x`);
    if (count.n > SQUASH_ROWS) add(name, `it holds more than ${SQUASH_ROWS.toLocaleString('en')} rows the migrations inserted, more than a squash carries as SQL`);
  }
  for (const row of await rows(`SELECT n.nspname AS schema, c.relname AS table, a.attname AS name, a.attidentity AS identity, a.attgenerated AS generated,
        a.attcollation <> t.typcollation AS collated
      FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_type t ON t.oid = a.atttypid
      WHERE c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped AND ${OWN} AND (a.attidentity <> '' OR a.attgenerated <> '' OR a.attcollation <> t.typcollation) ORDER BY 1, 2, 3`)) {
    if (!mine(row.schema, row.table)) continue;
    const kind = row.identity ? 'an identity column' : row.generated ? 'a generated column' : 'a column with its own collation';
    add(`column ${qualified(row.schema, row.table)}.${row.name}`, `${kind} is not carried`);
  }
  for (const row of await rows(`SELECT n.nspname AS schema, t.typname AS name, t.typtype AS kind FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE t.typtype IN ('c', 'd', 'r', 'm') AND ${OWN} AND ${NOT_EXTENSION('pg_type', 't.oid')}
        AND (t.typtype <> 'c' OR (SELECT c.relkind FROM pg_class c WHERE c.oid = t.typrelid) = 'c') ORDER BY 1, 2`)) {
    add(`type ${qualified(row.schema, row.name)}`, `${{ c: 'composite', d: 'domain', r: 'range', m: 'multirange' }[row.kind]} types are not carried`);
  }
  return found;
}

/** The most rows of one table a squash carries (as INSERT ... json_populate_recordset). */
export const SQUASH_ROWS = 10000;

/**
 * The rows the migrations left in the tables of `schema` (those with at
 * most SQUASH_ROWS; `squashBlockers` names the others), each table's as
 * JSON, a row a line, in a fixed order; and where the sequences stand: `{ tables: [{ name, count, rows }], sequences:
 * [{ name, value }] }` (a sequence never drawn from is left out).
 */
export async function readRows(db, schema) {
  const tables = [];
  for (const table of schema.tables) {
    const name = quoteQualified(table.name);
    const [{ n }] = (await db.query(`SELECT count(*)::int AS n FROM (SELECT 1 FROM ${name} LIMIT ${SQUASH_ROWS + 1}) x`)).rows;
    if (n === 0 || n > SQUASH_ROWS) continue;
    // `r.*`: the whole row even when a column is named `r`.
    const [{ rows }] = (await db.query(`SELECT string_agg(to_json(r.*)::text, E',\\n' ORDER BY to_json(r.*)::text) AS rows FROM ${name} r`)).rows;
    tables.push({ name: table.name, count: n, rows: `[\n${rows}\n]` });
  }
  const sequences = [];
  const names = (schema.sequences ?? []).map((sequence) => quoteQualified(sequence.name));
  for (const name of names) {
    const [state] = (await db.query(`SELECT last_value::text AS value, is_called AS called FROM ${name}`)).rows;
    if (state.called) sequences.push({ name, value: state.value });
  }
  return { tables, sequences };
}

/** A dollar-quote tag that does not occur in `text`. */
function dollarTag(text) {
  let tag = '$rows$';
  for (let n = 1; text.includes(tag); n++) tag = `$rows${n}$`;
  return tag;
}

/** `readRows`' answer as SQL: each table's rows in one INSERT, then each sequence set where it stood. */
export function rowsSql(data) {
  const out = [];
  for (const table of data.tables) {
    const name = quoteQualified(table.name);
    const tag = dollarTag(table.rows);
    out.push(`-- ${table.count} row${table.count === 1 ? '' : 's'} the replaced migrations left in ${table.name}\nINSERT INTO ${name} SELECT * FROM json_populate_recordset(NULL::${name}, ${tag}${table.rows}${tag});`);
  }
  for (const sequence of data.sequences) out.push(`SELECT setval('${sequence.name.replaceAll("'", "''")}', ${sequence.value});`);
  return out;
}

/**
 * The text of a squash: migration `id`, standing for migrations 1..id,
 * whose Up is `up` (the schema as `schemaSql` writes it) and whose Down is
 * `down` (the Down sections of the migrations it replaces, last first), or
 * none with `noDown` saying why; `keptIn`, where the replaced files are kept.
 */
export function squashText({ id, created = null, author = null, up, down = null, noDown = null, keptIn = '.kimberlite/migrations/squashed' }) {
  const lines = [`-- Migration: Squash of 1 to ${id}`];
  if (created) lines.push(`-- Created: ${created}`);
  if (author) lines.push(`-- Author: ${author}`);
  lines.push(`-- kimberlite:squashes 1-${id}`);
  if (down === null) lines.push('-- kimberlite:ignore-file missing-down');
  lines.push(
    `-- Written by \`kmb migration squash\` from the schema after migration ${id}, built in a`,
    `-- scratch database; the ${id === 1 ? 'migration' : `${id} migrations`} it replaces are kept in ${keptIn}/.`,
  );
  if (down === null && noDown) lines.push(`-- No Down section: ${noDown}.`);
  lines.push('', '-- Up Migration', up.trimEnd());
  if (down !== null) lines.push('', '-- Down Migration', down.trimEnd());
  return `${lines.join('\n')}\n`;
}
