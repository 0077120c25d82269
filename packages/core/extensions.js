// The extensions the embedded database (PGlite) can load, and the ones a
// project's migrations create; shared by the CLI (database.js) and the
// browser entry (the Studio).

/**
 * The extensions PGlite ships (its `@electric-sql/pglite/contrib/*`
 * modules, 0.5.16), by the name `CREATE EXTENSION` takes. The embedded
 * database loads those the project's migrations create (see
 * `extensionsIn`); PostgreSQL servers have their own.
 */
export const PGLITE_EXTENSIONS = Object.freeze([
  'amcheck', 'auto_explain', 'bloom', 'btree_gin', 'btree_gist', 'citext', 'cube', 'dict_int', 'dict_xsyn',
  'earthdistance', 'file_fdw', 'fuzzystrmatch', 'hstore', 'intarray', 'isn', 'lo', 'ltree', 'moddatetime',
  'pageinspect', 'pg_buffercache', 'pg_freespacemap', 'pg_stat_statements', 'pg_surgery', 'pg_trgm',
  'pg_visibility', 'pg_walinspect', 'pgcrypto', 'seg', 'tablefunc', 'tcn', 'tsm_system_rows', 'tsm_system_time',
  'unaccent', 'uuid-ossp',
]);

/**
 * The extensions `texts` (migration files) create, by name: every
 * `CREATE EXTENSION [IF NOT EXISTS] name`, in a comment too (loading one
 * more than needed costs little; missing one fails the migration).
 */
export function extensionsIn(texts) {
  const names = new Set();
  const pattern = /\bcreate\s+extension\s+(?:if\s+not\s+exists\s+)?(?:"([^"]+)"|([A-Za-z_][A-Za-z0-9_$-]*))/gi;
  for (const text of texts) {
    for (const match of text.matchAll(pattern)) names.add(match[1] ?? match[2].toLowerCase());
  }
  return [...names].sort();
}

/**
 * The extension a database error says is not available, when PGlite does
 * not ship it (its limit, not the migration's fault); else null.
 */
export function missingExtension(message) {
  const name = /extension "([^"]+)" is not available/.exec(message ?? '')?.[1];
  return name && !PGLITE_EXTENSIONS.includes(name) ? name : null;
}

/** The extensions PGlite ships that `texts` (SQL) create. */
export function pgliteExtensionsIn(texts) {
  return extensionsIn(texts).filter((name) => PGLITE_EXTENSIONS.includes(name));
}

/** The extensions PGlite ships that the statements of a plan's `steps` create. */
export function pgliteExtensionsOf(steps) {
  return pgliteExtensionsIn(steps.flatMap((step) => step.statements.map((statement) => statement.text)));
}

/** PGlite's contrib module (and export) for an extension: `uuid-ossp` is `uuid_ossp`. */
export const pgliteModuleOf = (name) => name.replaceAll('-', '_');
