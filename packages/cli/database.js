// Databases for apply and rollback, behind one small executor interface:
//   query(sql, params?) -> { rows }      one statement
//   transaction(fn)     -> fn's result   commit on resolve, roll back on throw
//   tryLock(), unlock()                  optional: one run per database
//   close()
// PGlite (embedded, the default) and PostgreSQL (`pg`) are loaded lazily, so
// importing the package for validation never loads either.
import { mkdirSync, statfsSync } from 'node:fs';
import { KmbError, workerExecArgv } from './files.js';
export { PGLITE_EXTENSIONS, extensionsIn, missingExtension } from 'kimberlite-migration';

/** The advisory lock key: the first 8 bytes of sha256("kimberlite_migrations"). */
const LOCK_KEY = '7339406127934580521';

/**
 * The free space PGlite is opened with at least (64 MiB): a new database
 * takes about 40 MB, and PGlite does not come back from a disk that fills
 * up under it (it was seen to spin at full CPU for 15 minutes), so a disk
 * this full is refused before it is opened.
 */
const PGLITE_MIN_FREE = 64 * 1024 * 1024;

/** Free bytes on the file system that holds `dir`, or null when unknown. */
function freeBytes(dir) {
  try {
    const { bavail, bsize } = statfsSync(dir);
    return Number(bavail) * Number(bsize);
  } catch {
    return null;
  }
}

function pgliteDiskFull(dataDir, free) {
  return new KmbError('disk-full', `The disk that holds the embedded database (${dataDir}) has ${Math.floor(free / 1048576)} MiB free, less than the ${PGLITE_MIN_FREE / 1048576} MiB it is opened with; nothing was run.`, {
    help: `Free at least ${Math.ceil((PGLITE_MIN_FREE - free) / 1048576)} MiB on that disk (more if the migrations write much data), or use a server with \`--database postgres://...\`.`,
  });
}

/** How long PGlite may take to open (a new database runs initdb: a few seconds). */
const PGLITE_OPEN_TIMEOUT_MS = 120_000;

/**
 * How long a statement may run on a disk with less than this free before
 * PGlite is taken as stuck: on a full disk it was seen to spin at full CPU
 * for 15 minutes instead of failing.
 */
const PGLITE_STUCK_AFTER_MS = 10_000;
const PGLITE_STUCK_FREE = 1024 * 1024;

/**
 * Opens the embedded PGlite database in `dataDir`, in a worker thread (see
 * pglite-worker.js): this thread watches it, so Ctrl-C stops a long
 * statement (the worker is ended, and the database recovers on the next
 * open as after a crash) and a PGlite stuck on a full disk is ended with
 * `disk-full` rather than left spinning.
 */
export async function pglite(dataDir, extensions = []) {
  // `memory://`: a database in memory, gone when it is closed (a scratch one).
  if (dataDir !== MEMORY) {
    mkdirSync(dataDir, { recursive: true });
    const free = freeBytes(dataDir);
    if (free !== null && free < PGLITE_MIN_FREE) throw pgliteDiskFull(dataDir, free);
  }
  const { Worker } = await import('node:worker_threads');
  const worker = new Worker(new URL('./pglite-worker.js', import.meta.url), { workerData: { dataDir, extensions }, execArgv: workerExecArgv() });
  const pending = new Map();
  let nextId = 1;
  let ended = null;
  const end = (error) => {
    ended ??= error;
    for (const { reject } of pending.values()) reject(ended);
    pending.clear();
    clearInterval(watch);
    worker.terminate().catch(() => {});
  };
  worker.on('message', ({ id, error, ...answer }) => {
    const waiting = pending.get(id);
    if (!waiting) return;
    pending.delete(id);
    if (error) waiting.reject(Object.assign(new Error(error.message), error));
    else waiting.resolve(answer);
  });
  worker.on('error', (error) => end(new KmbError('database-unavailable', `The embedded database in ${dataDir} failed: ${error?.message ?? error}`, {
    help: `If a run was killed while it was writing, the embedded database may be damaged: restore ${dataDir} from a copy, or delete it to start again from an empty database.`,
  })));
  worker.on('exit', () => end(new KmbError('database-unavailable', `The embedded database in ${dataDir} stopped.`)));
  const watch = setInterval(() => {
    const now = Date.now();
    for (const [id, { since }] of pending) {
      if (id === 0 && now - since > PGLITE_OPEN_TIMEOUT_MS) {
        end(new KmbError('database-unavailable', `The embedded database in ${dataDir} did not open within ${PGLITE_OPEN_TIMEOUT_MS / 1000} s.`, {
          help: `Check that the disk that holds ${dataDir} answers; if the folder was damaged, restore it from a copy or delete it to start again.`,
        }));
        return;
      }
      if (now - since > PGLITE_STUCK_AFTER_MS) {
        const left = freeBytes(dataDir);
        if (left !== null && left < PGLITE_STUCK_FREE) {
          end(new KmbError('disk-full', `The embedded database stopped moving: the disk that holds ${dataDir} is full (${Math.floor(left / 1024)} KiB free), and the statement running was ended.`, {
            help: 'Free space on that disk, then run the command again: a migration that ran in a transaction was rolled back; one that did not may need `kmb migration repair`.',
          }));
          return;
        }
      }
    }
  }, 1000);
  watch.unref();
  const request = (message) => new Promise((resolve, reject) => {
    if (ended) {
      reject(ended);
      return;
    }
    const id = nextId++;
    pending.set(id, { resolve, reject, since: Date.now() });
    worker.postMessage({ id, ...message });
  });
  try {
    await new Promise((resolve, reject) => pending.set(0, { resolve, reject, since: Date.now() }));
  } catch (error) {
    end(error);
    const left = freeBytes(dataDir);
    if (left !== null && left < PGLITE_MIN_FREE) throw pgliteDiskFull(dataDir, left);
    if (error instanceof KmbError) throw error;
    throw new KmbError('database-unavailable', `The embedded database in ${dataDir} could not be opened: ${error?.message ?? String(error)}`, {
      help: `If a run was killed while it was writing, the embedded database may be damaged: restore ${dataDir} from a copy, or delete it to start again from an empty database.`,
    });
  }
  const query = async (sql, params) => ({ rows: (await request({ op: 'query', sql, params })).rows });
  return {
    kind: 'pglite',
    query,
    async transaction(fn) {
      await query('BEGIN');
      try {
        const result = await fn({ query, transaction: () => { throw new Error('nested transaction'); } });
        await query('COMMIT');
        return result;
      } catch (error) {
        if (!ended) await query('ROLLBACK').catch(() => {});
        throw error;
      }
    },
    // One process owns a PGlite folder at a time (the run lock sees to that).
    tryLock: async () => true,
    unlock: async () => {},
    /** Ends the statement running now by ending the worker; the database recovers on its next open. */
    async cancel() {
      end(new KmbError('cancelled', 'The run was cancelled.'));
    },
    async close() {
      if (ended) return;
      const closed = request({ op: 'close' }).catch(() => {});
      const late = new Promise((resolve) => setTimeout(resolve, 30_000).unref());
      await Promise.race([closed, late]);
      end(new KmbError('database-unavailable', `The embedded database in ${dataDir} is closed.`));
    },
  };
}

/**
 * How long kmb's own queries (the history table, the advisory lock) may
 * wait on a server: KMB_QUERY_TIMEOUT seconds, else 60; 0 waits forever.
 * The migrations' own statements have no such limit (see `postgres`).
 */
function queryTimeoutMs() {
  const asked = Number(process.env.KMB_QUERY_TIMEOUT);
  return process.env.KMB_QUERY_TIMEOUT !== undefined && process.env.KMB_QUERY_TIMEOUT !== '' && asked >= 0 ? asked * 1000 : 60_000;
}

/** The option that marks a query as kmb's own, so bounded in time. */
export const BOUNDED = { bounded: true };

/** How long a connection may take, in seconds, unless the URL or PGCONNECT_TIMEOUT says. */
const CONNECT_TIMEOUT = 10;

/**
 * Connects to a PostgreSQL server. The wait for a connection is bounded
 * (libpq's `connect_timeout=<seconds>` in the URL, else PGCONNECT_TIMEOUT,
 * else 10 s; 0 waits forever, as in libpq), and TCP keepalives find a
 * server that went away in the middle of a run. kmb's own queries (the
 * history table, the advisory lock) give up after KMB_QUERY_TIMEOUT (60 s)
 * and are cancelled. The migrations' statements have no time limit unless
 * the URL sets one (`statement_timeout=<ms>`, passed to the server as libpq
 * does): an index build may rightly take hours.
 */
export async function postgres(url) {
  const { default: pg } = await import('pg');
  const asked = new URL(url).searchParams.get('connect_timeout') ?? process.env.PGCONNECT_TIMEOUT;
  const seconds = asked === undefined || asked === null || asked === '' || !(Number(asked) >= 0) ? CONNECT_TIMEOUT : Number(asked);
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: seconds * 1000,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  });
  try {
    await client.connect();
  } catch (error) {
    const timedOut = /timeout/i.test(error.message);
    throw new KmbError('database-unavailable', `Could not connect to ${redact(url)}: ${timedOut ? `no answer within ${seconds} s` : error.message}`, {
      help: timedOut
        ? 'Check that the server runs and answers on that host and port (something accepted the connection but did not speak PostgreSQL); to wait longer, add `connect_timeout=<seconds>` to the URL.'
        : 'Check that the server runs and that the URL, user and password are right.',
    });
  }
  client.on('error', () => {});
  const cancel = async () => {
    const other = new pg.Client({ connectionString: url, connectionTimeoutMillis: seconds * 1000 });
    try {
      await other.connect();
      await other.query('SELECT pg_cancel_backend($1)', [client.processID]);
    } finally {
      await other.end().catch(() => {});
    }
  };
  const limit = queryTimeoutMs();
  const query = async (sql, params, { bounded = false } = {}) => {
    const running = client.query(sql, params);
    if (!bounded || limit === 0) return { rows: (await running).rows };
    let timer;
    const late = new Promise((_, reject) => {
      timer = setTimeout(() => {
        running.catch(() => {});
        cancel().catch(() => {});
        reject(new KmbError('database-unavailable', `The server did not answer kmb's own query within ${limit / 1000} s: ${sql.split(/\s+/).slice(0, 4).join(' ')} ... (another session may hold a lock on kimberlite_migrations, or the server is overloaded). The query was cancelled.`, {
          help: 'Find the session that holds the lock (SELECT pid, state, query FROM pg_stat_activity WHERE wait_event_type = \'Lock\' OR state = \'idle in transaction\'), end it or wait for it; to wait longer, set KMB_QUERY_TIMEOUT=<seconds> (0 waits forever).',
        }));
      }, limit);
    });
    try {
      return { rows: (await Promise.race([running, late])).rows };
    } finally {
      clearTimeout(timer);
    }
  };
  return {
    kind: 'postgres',
    query,
    async transaction(fn) {
      await client.query('BEGIN');
      try {
        const result = await fn({ query, transaction: () => { throw new Error('nested transaction'); } });
        await query('COMMIT', undefined, { bounded: true });
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      }
    },
    async tryLock() {
      const { rows } = await query(`SELECT pg_try_advisory_lock(${LOCK_KEY}) AS locked`, undefined, BOUNDED);
      return rows[0].locked === true;
    },
    async unlock() {
      await query(`SELECT pg_advisory_unlock(${LOCK_KEY})`).catch(() => {});
    },
    /** Asks the server, on a second connection, to cancel the statement running now. */
    cancel,
    close: () => client.end(),
  };
}

/**
 * A connection string with every password hidden, for messages and JSON:
 * the one in the user part (up to its last `@`, so a password with a
 * stray `#` or `@` is hidden whole) and `password=` parameters. It works on
 * the text, so a string no parser accepts is hidden too.
 */
export function redact(url) {
  return String(url)
    .replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/?#@]*:)[^]*@/i, '$1***@')
    .replace(/([?&](?:ssl)?password=)[^&]*/gi, '$1***');
}

/** The embedded database's name for one kept in memory only. */
export const MEMORY = 'memory://';

/** Whether `target` names a PostgreSQL server rather than a folder. */
export function isServerUrl(target) {
  return /^postgres(ql)?:\/\//i.test(target);
}

/** Opens what `--database` names: a postgres:// URL, else the embedded database folder. */
export async function openDatabase(target, { extensions = [] } = {}) {
  if (!isServerUrl(target)) return pglite(target, extensions);
  const { parse } = await import('pg-connection-string');
  try {
    parse(target);
    new URL(target);
  } catch {
    throw new KmbError('invalid-database-url', `The database URL ${redact(target)} cannot be read.`, {
      help: 'Write it as postgres://user:password@host:port/database, with the characters of the user and password that URLs reserve percent-encoded (`#` as %23, `@` as %40, `/` as %2F, `:` as %3A, `%` as %25).',
    });
  }
  return postgres(target);
}

const HISTORY_COLUMNS = 'id, name, checksum, applied_at, applied_by, execution_ms, state, seq';

/** Where the history lives unless `[migrations] history-table` says otherwise. */
export const DEFAULT_HISTORY_TABLE = Object.freeze({ schema: 'public', table: 'kimberlite_migrations' });

const quoteIdent = (name) => `"${String(name).replaceAll('"', '""')}"`;

/**
 * The history table `{ schema, table }` and every query on it. Each names
 * the table with its schema, and the functions it calls with theirs
 * (`pg_catalog.`), so no `search_path` (set by a migration, such as
 * `pg_dump`'s `set_config('search_path', '', false)`, or by a connection
 * option) can redirect them.
 */
export function historyTable({ schema, table } = DEFAULT_HISTORY_TABLE) {
  const name = `${quoteIdent(schema)}.${quoteIdent(table)}`;
  const label = `${schema}.${table}`;

  /** Whether the table exists. */
  async function present(db) {
    const { rows } = await db.query('SELECT pg_catalog.to_regclass($1) IS NOT NULL AS present', [name], BOUNDED);
    return Boolean(rows[0]?.present);
  }

  /**
   * When the table is absent: the error for a table of the same name in
   * another schema (an earlier kmb wrote it where the connection's
   * `search_path` pointed), or null. Running as if nothing were applied
   * would apply every migration a second time.
   */
  async function elsewhere(db) {
    const { rows } = await db.query(
      `SELECT n.nspname AS schema FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relname = $1 AND c.relkind IN ('r', 'p') AND n.nspname <> $2 ORDER BY 1`,
      [table, schema],
      BOUNDED,
    );
    if (rows.length === 0) return null;
    const found = rows.map((row) => `${row.schema}.${table}`);
    return new KmbError('history-table-elsewhere', `The history table ${label} does not exist, but ${found.join(' and ')} does: kmb's history kept where a search_path pointed. Nothing was run (as if nothing were applied, every migration would run again).`, {
      help: `If ${found[0]} is this project's history, name it in kimberlite.toml (\`[migrations]\` \`history-table = "${found[0]}"\`), or move it: \`ALTER TABLE ${found[0]} SET SCHEMA ${schema};\`.`,
    });
  }

  /** Checks that the table of that name is kmb's: another tool's is named, never written to. */
  async function checkColumns(db) {
    try {
      await db.query(`SELECT ${HISTORY_COLUMNS} FROM ${name} LIMIT 0`, undefined, BOUNDED);
    } catch (error) {
      if (error instanceof KmbError) throw error;
      throw new KmbError('foreign-history-table', `The database has a table ${label} that is not kmb's history (${error.message}).`, {
        help: `kmb keeps its history in ${label} with the columns ${HISTORY_COLUMNS}. Rename the other table, or name another one with \`[migrations] history-table\` in kimberlite.toml.`,
      });
    }
  }

  /** Creates the table (when `readRows` found it missing on a run). */
  async function create(db) {
    if (schema !== 'public') await db.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`, undefined, BOUNDED);
    await db.query(`CREATE TABLE IF NOT EXISTS ${name} (
  id pg_catalog.int8 PRIMARY KEY,
  name pg_catalog.text NOT NULL,
  checksum pg_catalog.text NOT NULL,
  applied_at pg_catalog.text NOT NULL,
  applied_by pg_catalog.text,
  execution_ms pg_catalog.int4 NOT NULL DEFAULT 0,
  state pg_catalog.text NOT NULL DEFAULT 'applied',
  seq pg_catalog.int8 NOT NULL
)`, undefined, BOUNDED);
  }

  /**
   * Every row, as `readHistoryRows` below. An absent table is an empty
   * history; with `create` (a run) it is created, otherwise (a read)
   * nothing is.
   */
  async function readRows(db, { create: make = false } = {}) {
    if (!(await present(db))) {
      const other = await elsewhere(db);
      if (other) throw other;
      if (!make) return { rows: [], odd: [] };
      await create(db);
    }
    await checkColumns(db);
    return readHistoryRows(db, name);
  }

  return {
    name,
    label,
    readRows,
    async read(db) {
      const { rows, odd } = await readRows(db);
      if (odd.length > 0) throw oddRowError(odd[0], label);
      return rows;
    },
    oddRowError: (odd) => oddRowError(odd, label),
    /** Settles a row kmb cannot use: removes it, or keeps it as applied now. */
    async settleOddRow(db, id, as, appliedAt) {
      if (as === 'pending') {
        await db.query(`DELETE FROM ${name} WHERE id::pg_catalog.text = $1`, [id], BOUNDED);
      } else {
        await db.query(`UPDATE ${name} SET applied_at = $2, state = 'applied' WHERE id::pg_catalog.text = $1`, [id, appliedAt], BOUNDED);
      }
    },
    /** Adds a history row (inside the migration's transaction when it has one). */
    async insert(db, step, { appliedAt, appliedBy, executionMs, state }) {
      await db.query(
        `INSERT INTO ${name} (id, name, checksum, applied_at, applied_by, execution_ms, state, seq)
         VALUES ($1, $2, $3, $4, $5, $6, $7, (SELECT COALESCE(pg_catalog.max(seq), 0) + 1 FROM ${name}))`,
        [step.id, step.name, step.checksum, appliedAt, appliedBy, executionMs, state],
        BOUNDED,
      );
    },
    async setState(db, id, state, executionMs) {
      await db.query(`UPDATE ${name} SET state = $2, execution_ms = $3 WHERE id = $1`, [id, state, executionMs], BOUNDED);
    },
    async remove(db, id) {
      await db.query(`DELETE FROM ${name} WHERE id = $1`, [id], BOUNDED);
    },
    /** Gives row `id` another name and checksum (a squash adopted: `kmb migration squash --adopt`). */
    async rewrite(db, id, { name: migrationName, checksum }) {
      await db.query(`UPDATE ${name} SET name = $2, checksum = $3 WHERE id = $1`, [id, migrationName, checksum], BOUNDED);
    },
  };
}

const RFC3339 = /^\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)$/;

/** Why a history row cannot be used, or null. */
function oddity(row) {
  const id = Number(row.id);
  if (!Number.isInteger(id) || id < 1 || id > 4294967295) return `its id ${row.id} is not from 1 to 4294967295`;
  if (typeof row.checksum !== 'string' || row.checksum === '') return 'it has no checksum';
  if (typeof row.applied_at !== 'string' || !RFC3339.test(row.applied_at)) return `its applied_at ${JSON.stringify(row.applied_at)} is not an RFC 3339 time`;
  if (!['applied', 'running', 'failed'].includes(row.state)) return `its state ${JSON.stringify(row.state)} is not applied, running or failed`;
  return null;
}

/**
 * Every history row in order of application, as `{ rows, odd }`: `rows` the
 * usable ones, `odd` each row kmb cannot use as `{ id, why, keepable }`
 * (`id` as the database wrote it; `keepable` when its id and checksum are
 * sound, so `repair --applied` can settle its other fields).
 */
async function readHistoryRows(db, name) {
  const { rows } = await db.query(
    `SELECT id::pg_catalog.text AS id, name, checksum, applied_at, applied_by, execution_ms, state FROM ${name} ORDER BY seq`,
    undefined,
    BOUNDED,
  );
  return historyRows(rows);
}

/**
 * History rows as read (`id, name, checksum, applied_at, applied_by,
 * execution_ms, state`, in order of application) split into `{ rows, odd }`
 * as `readHistoryRows` gives them: the history store of any database.
 */
export function historyRows(rows) {
  const usable = [];
  const odd = [];
  for (const row of rows) {
    const why = oddity(row);
    if (why) {
      const id = Number(row.id);
      odd.push({ id: String(row.id), why, keepable: Number.isInteger(id) && id >= 1 && id <= 4294967295 && typeof row.checksum === 'string' && row.checksum !== '' });
      continue;
    }
    usable.push({
      id: Number(row.id),
      name: row.name,
      checksum: row.checksum,
      appliedAt: row.applied_at,
      appliedBy: row.applied_by ?? null,
      executionMs: Number(row.execution_ms),
      state: row.state,
    });
  }
  return { rows: usable, odd };
}

/** The odd-history-row error for the first row kmb cannot use. */
export function oddRowError({ id, why, keepable }, label) {
  const keep = keepable ? `, or \`kmb migration repair ${id} --applied\` to keep it as applied` : '';
  return new KmbError('odd-history-row', `The history table ${label} has a row kmb cannot use: ${why}.`, {
    help: `It was written by hand or by another tool. Run \`kmb migration repair ${id} --pending\` to remove it if that migration is not applied${keep}; or correct it by hand (to remove it: DELETE FROM ${label} WHERE id = ${id};).`,
  });
}
