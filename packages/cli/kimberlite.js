// Kimberlite as a database for apply and rollback (the executor the CLI opens
// for `--database kimberlite...`), through the native helper that the core
// package's Node entry starts (`openHelper`). See docs/kimberlite.md.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { openHelper, requireHelper, kimberliteText } from 'kimberlite-migration';
import { KmbError } from './files.js';
import { historyRows, oddRowError } from './database.js';

export { findHelper, requireHelper, kimberliteFindings, HELPER_ENV } from 'kimberlite-migration';

/** Whether `target` (`--database`) names Kimberlite: `kimberlite://host:port`, `kimberlite:<folder>` or `kimberlite:memory`. */
export function isKimberliteTarget(target) {
  return typeof target === 'string' && /^kimberlite:/i.test(target);
}

/** Whether `target` names a Kimberlite server (`kimberlite://host:port`). */
export function isKimberliteServer(target) {
  return typeof target === 'string' && /^kimberlite:\/\//i.test(target);
}

/** `kimberlite:<folder>` with a relative folder made absolute from `base`; anything else as it is. */
export function resolveKimberliteTarget(target, base) {
  const folder = /^kimberlite:(?!\/\/)(.*)$/i.exec(target)?.[1];
  if (folder === undefined || folder === 'memory' || folder === '') return target;
  return `kimberlite:${resolve(base, folder)}`;
}

/**
 * The helper's arguments for a Kimberlite target. An embedded folder that
 * already holds a database is refused: Kimberlite 0.9.1 cannot open one
 * again safely (docs/kimberlite.md, "Reopening").
 */
function helperArgs(target) {
  const server = /^kimberlite:\/\/([^/?#]+)\/?$/i.exec(target);
  if (server) return ['--server', server[1]];
  if (isKimberliteServer(target)) {
    throw new KmbError('invalid-database-url', `The Kimberlite address ${target} cannot be read.`, { help: 'Write it as kimberlite://host:port, such as kimberlite://127.0.0.1:5432 (kimberlite.toml\'s [database] bind_address).' });
  }
  const folder = target.slice('kimberlite:'.length);
  if (folder === 'memory') return ['--memory'];
  if (folder === '') {
    throw new KmbError('invalid-database-url', '`kimberlite:` names no folder.', { help: 'Write kimberlite://host:port for a server, kimberlite:<folder> for an embedded database in a new folder, or kimberlite:memory.' });
  }
  if (existsSync(join(folder, 'projections.db'))) {
    throw new KmbError('kimberlite-reopen-unsupported', `The folder ${folder} already holds a Kimberlite database, and Kimberlite 0.9.1 cannot open one again safely: it keeps its catalog (tables, indexes, policies) in memory only, so every table is gone after a reopen, and what is written after a reopen is not saved (its store fails to sync: "invalid page magic"). Nothing was run.`, {
      help: 'Apply to a Kimberlite server that stays up (`--database kimberlite://host:port`), or to a new folder (`--database kimberlite:<new folder>`) in one run. See docs/kimberlite.md, "Reopening".',
    });
  }
  return ['--data', folder];
}

/**
 * Opens a Kimberlite target as an executor: `query(sql)` runs one statement
 * through the helper (`{ rows }`, rows as objects), `transactions: false`
 * (Kimberlite has none: every migration runs statement by statement, with
 * a `running` history row first), `historyStore` the history kept in a
 * table of the same database.
 */
export async function kimberliteDatabase(target, { helper = requireHelper(`Applying to Kimberlite (${target})`), historyTable = 'kimberlite_migrations' } = {}) {
  const args = helperArgs(target);
  let session;
  try {
    session = await openHelper(helper, args);
  } catch (error) {
    if (error.code !== 'kimberlite-unavailable') throw error;
    throw new KmbError('database-unavailable', `Could not open Kimberlite at ${target}: ${error.reason}.`, {
      help: args[0] === '--server'
        ? 'Check that the Kimberlite server runs and listens there (kimberlite.toml\'s [database] bind_address), then run the command again.'
        : error.help,
    });
  }
  const query = async (sql) => {
    const { sql: text } = kimberliteText({ text: sql, span: { start: 0 } });
    if (text.trim() === '') return { rows: [] };
    const answer = await session.request('run', text);
    if (answer.ok) {
      const columns = answer.columns ?? [];
      return { rows: (answer.rows ?? []).map((row) => Object.fromEntries(columns.map((column, at) => [column, row[at]]))), rowCount: answer.rowsAffected ?? null };
    }
    const { kind, message, line, column } = answer.error ?? {};
    const error = new Error(message ?? 'Kimberlite refused the statement');
    error.kimberlite = kind;
    if (line) {
      // As PostgreSQL gives it: a 1-based position in characters in the statement as written.
      const prefix = [...sql.slice(0, sql.length - text.length)].length;
      const lines = text.split('\n');
      const before = lines.slice(0, line - 1).reduce((sum, each) => sum + [...each].length + 1, 0);
      error.position = prefix + before + column;
    }
    throw error;
  };
  const db = {
    kind: 'kimberlite',
    target,
    kimberlite: session.kimberlite,
    transactions: false,
    query,
    /** Kimberlite has no transactions: `fn` runs its statements one by one. */
    transaction: (fn) => fn(db),
    historyStore: kimberliteHistory(historyTable),
    async cancel() {
      await session.close();
    },
    close: () => session.close(),
  };
  return db;
}

const literal = (value) => (value === null || value === undefined ? 'NULL' : typeof value === 'number' ? String(Math.trunc(value)) : `'${String(value).replaceAll("'", "''")}'`);

/**
 * The history in a Kimberlite database: a table with the primary key
 * Kimberlite requires, the same columns as on PostgreSQL, and the same
 * store interface (`readRows`, `insert`, `setState`, ...). The next `seq` is
 * kept from the last read, so each migration costs one write.
 */
export function kimberliteHistory(table = 'kimberlite_migrations') {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(table)) {
    throw new KmbError('invalid-config', `The history table name ${table} is not one Kimberlite reads.`, { help: 'Use letters, digits and _ (Kimberlite has no schemas): `history-table = "kimberlite_migrations"`.' });
  }
  let lastSeq = 0;
  const columns = 'id, name, checksum, applied_at, applied_by, execution_ms, state, seq';
  async function present(db) {
    const { rows } = await db.query('SHOW TABLES');
    return rows.some((row) => row.table_name === table);
  }
  async function readRows(db, { create = false } = {}) {
    if (!(await present(db))) {
      lastSeq = 0;
      if (!create) return { rows: [], odd: [] };
      await db.query(`CREATE TABLE ${table} (
  id BIGINT PRIMARY KEY,
  name TEXT NOT NULL,
  checksum TEXT NOT NULL,
  applied_at TEXT NOT NULL,
  applied_by TEXT,
  execution_ms BIGINT NOT NULL,
  state TEXT NOT NULL,
  seq BIGINT NOT NULL
)`);
      return { rows: [], odd: [] };
    }
    const { rows } = await db.query(`SELECT ${columns} FROM ${table} ORDER BY seq`);
    lastSeq = rows.reduce((max, row) => Math.max(max, Number(row.seq) || 0), 0);
    return historyRows(rows);
  }
  return {
    name: table,
    label: table,
    readRows,
    async read(db) {
      const { rows, odd } = await readRows(db);
      if (odd.length > 0) throw oddRowError(odd[0], table);
      return rows;
    },
    oddRowError: (odd) => oddRowError(odd, table),
    async settleOddRow(db, id, as, appliedAt) {
      if (!/^-?\d+$/.test(String(id))) throw new KmbError('invalid-target', `The history row ${id} has no id Kimberlite can name.`, { help: `Correct it by hand in ${table}.` });
      if (as === 'pending') await db.query(`DELETE FROM ${table} WHERE id = ${Number(id)}`);
      else await db.query(`UPDATE ${table} SET applied_at = ${literal(appliedAt)}, state = 'applied' WHERE id = ${Number(id)}`);
    },
    async insert(db, step, { appliedAt, appliedBy, executionMs, state }) {
      await db.query(`INSERT INTO ${table} (${columns}) VALUES (${[step.id, step.name, step.checksum, appliedAt, appliedBy, executionMs, state, lastSeq + 1].map(literal).join(', ')})`);
      lastSeq += 1;
    },
    async setState(db, id, state, executionMs) {
      await db.query(`UPDATE ${table} SET state = ${literal(state)}, execution_ms = ${literal(executionMs)} WHERE id = ${Number(id)}`);
    },
    async remove(db, id) {
      await db.query(`DELETE FROM ${table} WHERE id = ${Number(id)}`);
    },
    async rewrite(db, id, { name, checksum }) {
      await db.query(`UPDATE ${table} SET name = ${literal(name)}, checksum = ${literal(checksum)} WHERE id = ${Number(id)}`);
    },
  };
}
