// Kimberlite through the native helper `kmb-kimberlite` (tools/kimberlite-helper
// in the repository): Kimberlite's crates do not build for WebAssembly, so its
// parser and its embedded database run in a separate program this module
// starts and talks to over standard input and output, one JSON line each way.
// See docs/kimberlite.md.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { KmbError } from './files.js';
import { historyRows, oddRowError } from './database.js';

/** The variable that names the helper's path. */
export const HELPER_ENV = 'KMB_KIMBERLITE_HELPER';

const BUILD_HELP = `Build it once from a clone of kimberlite-migration with \`bash scripts/build-kimberlite-helper\` (about 4 minutes on 2 cores; it prints the binary's path), then set ${HELPER_ENV}=<that path> or put kmb-kimberlite on your PATH.`;

const found = new Map();

/**
 * The helper's path: ${HELPER_ENV}, else `kmb-kimberlite` on the PATH,
 * when it answers `--version`; null when there is none.
 */
export function findHelper(env = process.env) {
  const candidates = env[HELPER_ENV] ? [env[HELPER_ENV]] : ['kmb-kimberlite'];
  for (const candidate of candidates) {
    if (!found.has(candidate)) {
      const answer = spawnSync(candidate, ['--version'], { encoding: 'utf8', timeout: 10_000 });
      found.set(candidate, answer.status === 0 && /^kmb-kimberlite /.test(answer.stdout) ? candidate : null);
    }
    if (found.get(candidate)) return candidate;
  }
  return null;
}

/** `findHelper()`, or the error that says how to get it. */
export function requireHelper(why, env = process.env) {
  const helper = findHelper(env);
  if (helper) return helper;
  const named = env[HELPER_ENV];
  throw new KmbError('kimberlite-helper-missing', `${why} needs the native helper kmb-kimberlite, which ${named ? `${HELPER_ENV} names (${named}) but does not run` : 'is not on the PATH and not named by ' + HELPER_ENV}.`, { help: BUILD_HELP });
}

/**
 * Starts the helper on a database (`['--memory']`, `['--data', dir]`) or
 * none (`['--parse-only']`). The session's `request(op, sql)` answers in
 * order: `{ ok: true, ... }` or `{ ok: false, error: { kind, message,
 * line?, column? } }`.
 */
export async function openHelper(helper, args) {
  const child = spawn(helper, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const lines = createInterface({ input: child.stdout });
  const waiting = [];
  let stderr = '';
  let ended = null;
  child.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const fail = (error) => {
    ended ??= error;
    for (const { reject } of waiting.splice(0)) reject(ended);
  };
  child.on('error', (error) => fail(new KmbError('kimberlite-helper-failed', `The native helper ${helper} could not be started: ${error.message}.`, { help: BUILD_HELP })));
  child.on('exit', (code, signal) => fail(new KmbError('kimberlite-helper-failed', `The native helper ${helper} stopped (${signal ?? `exit ${code}`})${stderr.trim() ? `: ${stderr.trim().split('\n').slice(-3).join(' ')}` : ''}.`, {
    help: 'Run the command again; if it stops again, report it with the statement it was running.',
  })));
  child.stdin.on('error', () => {});
  lines.on('line', (line) => {
    let answer;
    try {
      answer = JSON.parse(line);
    } catch {
      fail(new KmbError('kimberlite-helper-failed', `The native helper ${helper} answered something that is not JSON: ${line.slice(0, 200)}`));
      return;
    }
    waiting.shift()?.resolve(answer);
  });
  const next = () => new Promise((resolve, reject) => {
    if (ended) reject(ended);
    else waiting.push({ resolve, reject });
  });
  const ready = await next();
  if (!ready.ready) {
    child.kill();
    const reason = ready.error?.message ?? 'no reason given';
    throw Object.assign(new KmbError('kimberlite-unavailable', `Kimberlite could not open ${args.join(' ')}: ${reason}.`, {
      help: 'Check that the folder is a Kimberlite data folder you may write, and that no other process has it open.',
    }), { reason });
  }
  let id = 0;
  return {
    kimberlite: ready.kimberlite,
    request(op, sql) {
      const answer = next();
      child.stdin.write(`${JSON.stringify({ id: ++id, op, ...(sql === undefined ? {} : { sql }) })}\n`);
      return answer;
    },
    async close() {
      if (ended) return;
      const answer = this.request('close').catch(() => null);
      child.stdin.end();
      await answer;
      await new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', resolve)));
    },
  };
}

/**
 * A statement as Kimberlite is sent it: its text without the comments and
 * white space before it (Kimberlite reads its own statements, such as
 * `CREATE MASKING POLICY`, word by word from the first, so a comment in
 * front hides them), and the byte offset in the file where that text starts.
 */
export function kimberliteText(statement) {
  const text = statement.text;
  let at = 0;
  for (;;) {
    const rest = text.slice(at);
    const space = rest.match(/^\s+/);
    if (space) {
      at += space[0].length;
      continue;
    }
    if (rest.startsWith('--')) {
      const end = rest.indexOf('\n');
      at = end < 0 ? text.length : at + end + 1;
      continue;
    }
    if (rest.startsWith('/*')) {
      let depth = 0;
      let i = 0;
      for (; i < rest.length; i++) {
        if (rest.startsWith('/*', i)) {
          depth++;
          i++;
        } else if (rest.startsWith('*/', i)) {
          depth--;
          i++;
          if (depth === 0) break;
        }
      }
      at += i + 1;
      continue;
    }
    break;
  }
  return { sql: text.slice(at), start: statement.span.start + Buffer.byteLength(text.slice(0, at)) };
}

/** The byte offset in `sql` of Kimberlite's 1-based line and column (in characters). */
function offsetOf(sql, line, column) {
  const lines = sql.split('\n');
  if (line < 1 || line > lines.length) return null;
  const before = lines.slice(0, line - 1).reduce((sum, text) => sum + Buffer.byteLength(text) + 1, 0);
  const chars = [...lines[line - 1]];
  if (column < 1 || column > chars.length + 1) return null;
  return before + Buffer.byteLength(chars.slice(0, column - 1).join(''));
}

/**
 * What Kimberlite refuses in the report's migrations, as the core's
 * `external` input: every Up statement parsed and run, in order, on an
 * empty Kimberlite database in memory (so a statement the parser reads but
 * the database refuses, such as a table without a primary key, is found
 * too), and every Down statement parsed. `only`: the paths whose findings
 * are kept (the files before them still run, to build what they read).
 * A statement Kimberlite takes is `accepted`: squawk's `syntax-error`
 * inside it is Kimberlite's own SQL, not a fault.
 */
export async function kimberliteFindings(report, { helper, only } = {}) {
  const session = await openHelper(helper, ['--memory']);
  const external = [];
  // Tables whose CREATE TABLE Kimberlite refused: a later "table not found"
  // on one of them says so, as its cause is there, not in the statement.
  const refusedTables = new Map();
  const last = only ? Math.max(-1, ...report.migrations.map((m, at) => (only.includes(m.path) ? at : -1))) : report.migrations.length - 1;
  try {
    for (const migration of report.migrations.slice(0, last + 1)) {
      if (!migration.path || migration.status === 'missing') continue;
      const keep = !only || only.includes(migration.path);
      const sections = [[migration.up, false], ...(keep && migration.down ? [[migration.down, true]] : [])];
      for (const [statements, down] of sections) {
        for (const statement of statements) {
          const { sql, start } = kimberliteText(statement);
          if (sql.trim() === '') continue;
          const answer = await session.request(down ? 'parse' : 'run', sql);
          if (!keep) continue;
          if (answer.ok) {
            external.push({ path: migration.path, span: statement.span, stage: 'accepted', down });
            continue;
          }
          const { kind, message, line, column } = answer.error ?? {};
          const point = line ? offsetOf(sql, line, column) : null;
          const created = !down && /^CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?"?([A-Za-z_][\w.]*)/i.exec(sql)?.[1];
          if (created) refusedTables.set(created.toLowerCase(), `${migration.path}:${statement.range.start.line + 1}`);
          const missing = /table not found: "?([\w.]+)|table '([^']+)' not found/i.exec(message ?? '');
          const cause = missing && refusedTables.get((missing[1] ?? missing[2]).toLowerCase());
          external.push({
            path: migration.path,
            span: statement.span,
            ...(point === null ? {} : { at: start + point }),
            detail: `${message ?? 'no reason given'}${cause ? ` (Kimberlite refused its CREATE TABLE, at ${cause})` : ''}`,
            stage: kind === 'parse' || kind === 'panic' ? 'parse' : 'execute',
            down,
          });
        }
      }
    }
  } finally {
    await session.close();
  }
  return external;
}

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
