// The Node API: a project folder on disk, its state files and its database.
// The core (wasm) does all the reasoning; this layer reads and writes files
// and talks to the database.
import { readdirSync, readFileSync, statSync, writeFileSync, existsSync, mkdirSync, renameSync, unlinkSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { availableParallelism } from 'node:os';
import * as core from 'kimberlite-migration';
import { projectLayout, runStep, readSchema, schemasAfter, quoteIdent, diffSchemas, generatedMigrations, pgliteExtensionsOf, pgliteExtensionsIn, buildSquash } from 'kimberlite-migration';
import { KmbError, readText, readRegularFile, withMutex, withRunLock, writeAtomic, workerExecArgv } from './files.js';
import { BOUNDED, MEMORY, openDatabase, isServerUrl, historyTable, missingExtension, PGLITE_EXTENSIONS } from './database.js';
import { convert, IMPORT_FORMATS } from './import.js';
import { isKimberliteServer, isKimberliteTarget, kimberliteDatabase, kimberliteFindings, requireHelper } from './kimberlite.js';

/** `lintReport` spreads the lint rules over threads from this many bytes of SQL a thread: below it a thread cost more than it saved (docs/decisions.md, "Lint over threads"). */
const PARALLEL_BYTES = 4 * 1024 * 1024;
/** At most this many threads. */
const PARALLEL_MAX = 4;

/** The largest migration file read (larger ones are `file-too-large`). */
const MAX_FILE_BYTES = 512 * 1024 * 1024;

const toHistory = (rows) =>
  rows.filter((row) => row.state === 'applied').map(({ id, name, checksum, appliedAt, appliedBy }) => ({ id, name, checksum, appliedAt, appliedBy }));

/**
 * Whether two postgres:// URLs name the same database: host, port and
 * database name (user, password and options aside).
 */
function sameDatabase(a, b) {
  try {
    const [x, y] = [new URL(a), new URL(b)];
    const database = (url) => decodeURIComponent(url.pathname.replace(/^\//, ''));
    return x.hostname.toLowerCase() === y.hostname.toLowerCase() && (x.port || '5432') === (y.port || '5432') && database(x) === database(y);
  } catch {
    return false;
  }
}

/** Opens a project folder. Nothing is read until a method is called. */
export function openProject(dir = '.', options = {}) {
  const layout = projectLayout(dir, options);
  const { root, config, migrationsDir, stateDir, lockPath, trackerPath, squashedDir } = layout;
  // `--rule` flags win over the project file's rules.
  options = { ...options, rules: { ...config.rules, ...(options.rules ?? {}) } };
  const pgVersion = options.pgVersion ?? config.pgVersion ?? null;
  // What `lint` checks the SQL for: `kimberlite` adds Kimberlite's own parser (`--target`, `[migrations] target`).
  const target = options.target ?? config.target ?? 'postgresql';
  // The project's Kimberlite server (kimberlite.toml's `[database] bind_address`, as Kimberlite's CLI reads it).
  const kimberliteServer = `kimberlite://${config.bindAddress ?? '127.0.0.1:5432'}`;
  // A project that targets Kimberlite applies to its server; any other to PGlite in .kimberlite/dev-db.
  const defaultDatabase = target === 'kimberlite' ? kimberliteServer : join(root, '.kimberlite', 'dev-db');
  // Always schema-qualified (`[migrations] history-table`, default public.kimberlite_migrations).
  const historyStore = historyTable(options.historyTable ?? config.historyTable ?? undefined);
  // The database applied.toml mirrors (`[migrations] tracker-database`).
  const trackerDatabase = options.trackerDatabase ?? config.trackerDatabase ?? 'embedded';
  // Whether the session open now is on that database: other databases are
  // compared against their own history, and applied.toml is left alone.
  let tracking = true;

  /** Whether `target` (as `connect` takes it) is the database applied.toml mirrors. */
  function tracks(target) {
    if (trackerDatabase === 'none') return false;
    // An executor handed in by a caller of the API stands for the project's database.
    if (target && typeof target === 'object') return true;
    const where = target ?? defaultDatabase;
    // A Kimberlite server is the project's database when the project targets
    // Kimberlite (its own CLI writes applied.toml for the server it applies
    // to); a Kimberlite folder or memory is a one-run check, never mirrored.
    if (isKimberliteTarget(where)) return isKimberliteServer(where) && config.target === 'kimberlite';
    // `embedded`: the project's PGlite databases (a folder named by --database too).
    if (trackerDatabase === 'embedded') return !isServerUrl(where);
    return isServerUrl(where) && sameDatabase(where, trackerDatabase);
  }
  const rel = (path) => relative(root, path) || '.';
  /** The history table's name on Kimberlite, which has no schemas: `[migrations] history-table`'s table. */
  const historyTableName = () => (options.historyTable ?? config.historyTable)?.table ?? 'kimberlite_migrations';
  /** The history store of `db`: its own (Kimberlite's), else the PostgreSQL table. */
  const storeOf = (db) => db.historyStore ?? historyStore;

  /** A file system error in a few words. */
  function describeError(error) {
    return error.code === 'EACCES' || error.code === 'EPERM' ? 'permission denied' : `${error.code ?? 'error'}: ${error.message}`;
  }

  /**
   * The core's input for the project. `parserRules` (off unless asked):
   * squawk's rules about locks and rewrites, which need its parser and cost
   * about 0.65 ms a KB, run for `lint`, `report` and `analyze`; status,
   * validate, apply, rollback, lock and repair need only what decides
   * whether migrations can run (file, project and token-rule findings).
   */
  function readInput({ lintOnly, parserRules = false, ...extra } = {}) {
    let entries = [];
    try {
      entries = readdirSync(migrationsDir, { withFileTypes: true })
        .filter((entry) => entry.name.endsWith('.sql'))
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    } catch (error) {
      if (error.code !== 'ENOENT') {
        throw new KmbError('unreadable-folder', `The migrations folder ${migrationsDir} cannot be read (${error.code === 'ENOTDIR' ? 'it is a file' : describeError(error)}).`, {
          help: 'Check that it is a folder you may read, or name the right project folder with --project.',
        });
      }
    }
    const files = [];
    const unreadable = [];
    for (const entry of entries) {
      const path = join(migrationsDir, entry.name);
      const problem = (code, detail) => unreadable.push({ path: rel(path), code, detail });
      // A regular file (the folder says so) is opened and read; a link or
      // anything else is looked at first: only regular files are read, as
      // a FIFO would block and a device never end.
      if (!entry.isFile()) {
        let stats;
        try {
          stats = statSync(path);
        } catch (error) {
          problem('unreadable-file', error.code === 'ENOENT' ? 'a link to a file that does not exist' : describeError(error));
          continue;
        }
        if (!stats.isFile()) {
          problem('not-a-file', stats.isDirectory() ? 'a folder' : stats.isFIFO() ? 'a FIFO' : stats.isSocket() ? 'a socket' : 'a device');
          continue;
        }
      }
      try {
        const read = readRegularFile(path, MAX_FILE_BYTES);
        if (read.tooLarge !== undefined) problem('file-too-large', `${read.tooLarge} bytes`);
        else files.push({ path: rel(path), contents: read.contents });
      } catch (error) {
        problem('unreadable-file', describeError(error));
      }
    }
    return {
      files,
      unreadable,
      lock: readText(lockPath),
      // With a database's history, the core compares applied.toml with it
      // only when given text ('' for no file): null for a database the file
      // does not mirror.
      tracker: tracking ? readText(trackerPath) ?? '' : null,
      lockPath: rel(lockPath),
      trackerPath: rel(trackerPath),
      // `target`: a Kimberlite project's defaults (PostgreSQL's rules off, docs/lint.md).
      options: { allowOutOfOrder: Boolean(options.allowOutOfOrder), rules: options.rules, ...(pgVersion ? { pgVersion } : {}), ...(lintOnly ? { lintOnly } : {}), parserRules, ...(target === 'kimberlite' ? { target } : {}) },
      ...extra,
    };
  }

  /**
   * The schema after each migration of `ids` (`undefined`: the last), from
   * one new in-memory database the migrations run on once.
   */
  async function scratchSchemas(ids) {
    for (const at of ids) {
      if (at !== undefined && (!Number.isInteger(at) || at < 1)) {
        throw new KmbError('usage', `A migration id is a whole number from 1, not \`${at}\`.`, { exitCode: 2 });
      }
    }
    const plan = core.planApply(readInput({ history: [], tracker: null }));
    if (!plan.ok) {
      throw new KmbError('refused', 'The schema cannot be built while the project has errors; nothing was run.', {
        help: 'Fix the errors listed (`kmb migration validate` shows them), then ask again.',
        diagnostics: plan.diagnostics.filter((d) => d.severity === 'error'),
      });
    }
    const unknown = ids.find((at) => at !== undefined && !plan.steps.some((step) => step.id === at));
    if (unknown !== undefined) {
      throw new KmbError('unknown-migration', `There is no migration ${unknown} in ${rel(migrationsDir)}.`, {
        help: 'Name the id of one of the project\'s migrations (`kmb migration status` lists them).',
        exitCode: 2,
      });
    }
    // No migration at all: the empty schema of a new database.
    const last = plan.steps.at(-1)?.id ?? 0;
    const wanted = ids.map((at) => at ?? last);
    const highest = Math.max(...wanted);
    const steps = plan.steps.filter((step) => step.id <= highest);
    return onScratch([], (db) => (highest === 0 ? Promise.all(wanted.map(() => readSchema(db))) : schemasAfter(db, steps, wanted, { statement: statementsOn(db) })), steps);
  }

  /**
   * Runs `steps` on a new database in memory (PGlite, with the extensions
   * `extensionsOf` need), then `read(db)`; the database is closed either way.
   */
  async function onScratch(steps, read, extensionsOf = steps) {
    const db = await openDatabase(MEMORY, { extensions: pgliteExtensionsOf(extensionsOf) });
    try {
      for (const step of steps) await runStep(db, step, { statement: statementsOn(db) });
      return await read(db);
    } finally {
      await db.close().catch(() => {});
    }
  }

  async function connect(database) {
    if (database && typeof database === 'object') return { db: database, owned: false };
    // `--database kimberlite`: the project's Kimberlite server.
    const target = database === 'kimberlite' ? kimberliteServer : database ?? defaultDatabase;
    if (isKimberliteTarget(target)) {
      return { db: await kimberliteDatabase(target, { historyTable: historyTableName() }), owned: true };
    }
    // The embedded database loads the PGlite extensions the migrations create.
    const extensions = isServerUrl(target) ? [] : pgliteExtensionsIn(migrationTexts());
    return { db: await openDatabase(target, { extensions }), owned: true };
  }

  /** The text of every migration file that can be read (for the extensions they create). */
  function migrationTexts() {
    let names = [];
    try {
      names = readdirSync(migrationsDir).filter((name) => name.endsWith('.sql'));
    } catch {
      return [];
    }
    const texts = [];
    for (const name of names) {
      try {
        const path = join(migrationsDir, name);
        if (statSync(path).isFile()) texts.push(readFileSync(path, 'utf8'));
      } catch {
        // Unreadable files are findings of their own (readInput).
      }
    }
    return texts;
  }

  /** Rewrites applied.toml from the database's history; returns whether it changed. */
  function syncTracker(rows) {
    if (!tracking) return false;
    const applied = toHistory(rows);
    // One call for the whole history (issue 14: entry by entry, applying n
    // migrations read n² entries).
    const written = core.writeHistory({ trackerPath: rel(trackerPath), entries: applied });
    if (!written.ok) throw new KmbError(written.diagnostics[0].code, written.diagnostics[0].message, { help: written.diagnostics[0].help });
    const text = written.text;
    const now = readText(trackerPath);
    if (applied.length === 0 && now === null) return false;
    if (now === text) {
      lastWritten.tracker = text;
      return false;
    }
    writeAtomic(trackerPath, text);
    lastWritten.tracker = text;
    return true;
  }

  // The state files as this process last wrote them: while they are still
  // so on disk, a run appends each migration's entry (rendered by the core,
  // as the whole file would be) instead of rendering or parsing everything,
  // so every step costs the same.
  const lastWritten = { tracker: null, lock: null, lockMaxId: 0 };

  /**
   * Removes migration `id` (just rolled back, last in the history) from
   * applied.toml: its entry is cut from the end of a file this process
   * wrote, else the file is written from `rows`.
   */
  function dropApplied(id, rows) {
    if (!tracking) return;
    const now = readText(trackerPath);
    const at = now === null ? -1 : now.lastIndexOf('[[migrations]]\n');
    if (now === null || now !== lastWritten.tracker || at < 0 || !now.startsWith(`[[migrations]]\nid = ${id}\n`, at)) {
      syncTracker(rows);
      return;
    }
    // Entries are separated by one blank line; the first has none before it.
    const text = at === 0 ? 'migrations = []\n' : now.slice(0, at - 1);
    writeAtomic(trackerPath, text);
    lastWritten.tracker = text;
  }

  /** Adds `entry` (just applied, last in the history) to applied.toml. */
  function appendApplied(entry, rows) {
    if (!tracking) return;
    const now = readText(trackerPath);
    if (now === null || now !== lastWritten.tracker || now === 'migrations = []\n') {
      syncTracker(rows);
      return;
    }
    const { tracker } = core.stateEntryTexts({ applied: entry });
    const text = `${now}\n${tracker}`;
    // The lock is written next, in the same folder, and syncs it for both.
    writeAtomic(trackerPath, text, { syncFolder: false });
    lastWritten.tracker = text;
  }

  /**
   * Adds applied migrations (all, or `ids`) that the lock lacks, as when a
   * run was killed between a commit and the lock write.
   */
  /**
   * Adds applied migrations to the lock. Before a run, a project with errors
   * is left as it is (the plan then refuses, saying why); after a migration
   * ran (`strict`), not being able to lock it is an error.
   */
  function lockApplied(history, ids = history.map((entry) => entry.id), { strict = false } = {}) {
    // The lock needs checksums, not lint findings: no lint rule runs.
    const locked = core.updateLock(readInput({ history, ids, lintOnly: [] }));
    if (locked.ok) {
      if (readText(lockPath) !== locked.text) writeAtomic(lockPath, locked.text);
      return;
    }
    if (!strict) return;
    // Applied, but not lockable: say so, never leave it silently unlocked.
    const [first] = locked.diagnostics;
    throw new KmbError('lock-not-updated', `Applied migrations could not be added to the lock: ${first?.message ?? 'the project has errors'}`, {
      help: 'Fix what it says (a file edited during the run: restore what was applied, which the database\'s history records), then run `kmb migration lock`.',
      diagnostics: locked.diagnostics,
    });
  }

  /**
   * Adds a migration this run applied to the lock, reading the lock and that
   * one file only. Its file must still be what ran: one edited while it ran
   * is refused out loud (`lock-not-updated`), never locked with other text.
   */
  function lockStep(step) {
    let now = null;
    try {
      now = core.checksum(readFileSync(resolve(root, step.path)));
    } catch {
      // Gone or unreadable: not what ran either.
    }
    const refuse = (why) => new KmbError('lock-not-updated', `Applied migrations could not be added to the lock: ${why}`, {
      help: 'Fix what it says (a file edited during the run: restore what was applied, which the database\'s history records), then run `kmb migration lock`.',
    });
    if (now !== step.checksum) {
      throw refuse(`Migration ${step.id} (${step.path}) was edited after it was applied (checksum ${step.checksum.slice(0, 8)} applied, ${now ? now.slice(0, 8) : 'unreadable'} on disk now).`);
    }
    const lock = readText(lockPath);
    const entry = { id: step.id, name: step.name, checksum: step.checksum };
    if (lock !== null && lock === lastWritten.lock && step.id > lastWritten.lockMaxId) {
      const text = lock + core.stateEntryTexts({ lock: entry }).lock;
      writeAtomic(lockPath, text);
      Object.assign(lastWritten, { lock: text, lockMaxId: step.id });
      return;
    }
    const added = core.addToLock({ lock, lockPath: rel(lockPath), entries: [entry] });
    if (!added.ok) throw Object.assign(refuse(added.diagnostics[0]?.message ?? 'the lock has errors'), { diagnostics: added.diagnostics });
    if (lock !== added.text) writeAtomic(lockPath, added.text);
    // Appending is safe on a lock in the canonical form, which ends with its highest id.
    const ids = [...added.text.matchAll(/^id = (\d+)$/gm)].map((m) => Number(m[1]));
    const canonical = /^version = 1\n(\n\[\[migration\]\]\nid = \d+\nname = "[^\n]*"\nchecksum = "[0-9a-f]+"\n)*$/.test(added.text);
    Object.assign(lastWritten, canonical && ids.length > 0 ? { lock: added.text, lockMaxId: Math.max(...ids) } : { lock: null, lockMaxId: 0 });
  }

  /** Refuses to run a step whose file changed since the plan read it. */
  function checkUnchanged(step) {
    let now = null;
    try {
      now = core.checksum(readFileSync(resolve(root, step.path)));
    } catch {
      // Gone or unreadable: not what was planned either.
    }
    if (now === step.checksum) return;
    throw new KmbError('migration-changed', `Migration ${step.id} (${step.path}) changed on disk after this run read it (checksum ${step.checksum.slice(0, 8)}, now ${now ? now.slice(0, 8) : 'unreadable'}); it was not run.`, {
      help: 'Run the command again once the file is as it should be: it is checked again, and runs then.',
    });
  }

  /**
   * After a migration that names `search_path` (pg_dump output starts with
   * `set_config('search_path', '', false)`), gives the session back its own
   * value, the one it connected with (`RESET` returns to it, connection
   * options included): the next migration runs as it would in a run of its
   * own. The others cost no query.
   */
  async function restoreSearchPath(db, step) {
    if (db.kind === 'kimberlite') return;
    if (step.statements.some((statement) => /search_path/i.test(statement.text))) await db.query('RESET search_path', undefined, BOUNDED);
  }

  /**
   * Refuses what reads PostgreSQL's catalogs (`schema`, `diff`, `squash`)
   * on a Kimberlite database, or on the scratch PostgreSQL database for a
   * project written for Kimberlite, whose SQL PostgreSQL does not run.
   */
  function postgresOnly(what, database) {
    const onKimberlite = database === 'kimberlite' || isKimberliteTarget(database);
    if (!onKimberlite && target !== 'kimberlite') return;
    throw new KmbError('kimberlite-not-supported', onKimberlite
      ? `${what} reads PostgreSQL's catalogs, and does not read a Kimberlite database; nothing was run.`
      : `${what} builds the schema by running the migrations on PostgreSQL (PGlite), and this project targets Kimberlite (kimberlite.toml: [migrations] target = "kimberlite"), whose SQL PostgreSQL does not run; nothing was run.`, {
      help: 'For what is applied on Kimberlite, use `kmb migration status --database kimberlite`; for its schema, Kimberlite\'s own `SHOW TABLES` and `SHOW COLUMNS FROM <table>`.',
    });
  }

  /**
   * A Kimberlite database with no history while applied.toml records
   * migrations applied to it: most likely a server that restarted, which in
   * Kimberlite 0.9.1 forgets its catalog (its rows stay on disk, so running
   * the migrations again would meet them). Refused before anything runs.
   */
  function refuseLostCatalog(db) {
    const text = readText(trackerPath);
    const applied = text ? (text.match(/^\[\[migrations\]\]/gm) ?? []).length : 0;
    if (applied === 0) return;
    throw new KmbError('kimberlite-catalog-lost', `The Kimberlite database at ${db.target} has no history, but ${rel(trackerPath)} records ${applied} migration${applied === 1 ? '' : 's'} applied to it. Kimberlite 0.9.1 keeps its catalog (tables, indexes, the history table) in memory only, so a server that restarted has forgotten them while their rows stay on disk; nothing was run.`, {
      help: `If this is a new database, move ${rel(trackerPath)} aside and run the command again: it then applies every migration. If it is the same server restarted, its tables are gone from its catalog (see docs/kimberlite.md, "Reopening"): rebuild it in a new data folder.`,
    });
  }

  /** The database session of a run: locks, history, tracker in step with it. */
  async function session(database, fn, { sync = true, signal, oddRows = 'refuse', write = true } = {}) {
    return withRunLock(stateDir, async () => {
      const { db, owned } = await connect(database);
      tracking = tracks(database);
      let locked = false;
      // Cancelling cancels the statement running now, where the database
      // can (PostgreSQL); the run then stops before the next migration.
      const cancel = () => db.cancel?.().catch(() => {});
      signal?.addEventListener('abort', cancel);
      try {
        if (db.tryLock) {
          locked = await db.tryLock();
          if (!locked) {
            throw new KmbError('database-locked', 'Another kmb run holds this database\'s migration lock.', {
              help: 'Wait for the other run to finish, then try again.',
            });
          }
        }
        // A read (status, validate) creates nothing: no table means nothing applied.
        // A run creates the table when it is missing; a read (status,
        // validate) creates nothing: no table means nothing applied.
        const { rows, odd } = await storeOf(db).readRows(db, { create: write });
        if (db.kind === 'kimberlite' && tracking && rows.length === 0 && odd.length === 0) refuseLostCatalog(db);
        // Only repair reads past rows kmb cannot use: it is how they are settled.
        if (odd.length > 0 && oddRows === 'refuse') throw storeOf(db).oddRowError(odd[0]);
        if (odd.length > 0) return await fn(db, rows, false, odd);
        // A run on the tracked database: where applied.toml disagrees with
        // the history (tracker-drift), the database wins and the file is
        // rewritten. A read reports the drift and writes nothing.
        const rewrite = write && sync && tracking;
        const drift = rewrite
          ? core
            .analyze(readInput({ history: toHistory(rows), statements: false }))
            .diagnostics.filter((d) => d.code === 'tracker-drift')
            .map((d) => ({ ...d, severity: 'warning', help: 'applied.toml was rewritten from the database\'s history (the database wins); commit the new file.' }))
          : [];
        const drifted = rewrite ? syncTracker(rows) : false;
        const result = await fn(db, rows, drifted);
        return { ...result, drift: drifted ? drift : [] };
      } finally {
        tracking = true;
        signal?.removeEventListener('abort', cancel);
        if (locked && db.unlock) await db.unlock();
        if (owned) await db.close();
      }
    });
  }

  /**
   * The report when a run holds the project or the state folder cannot be
   * written: a server's history is read without locks and without writing
   * applied.toml; the embedded database, which one process opens at a time,
   * is not read at all. `note` says which.
   */
  async function readWithoutRunning(target, statements, why) {
    if (typeof target === 'string' && !isServerUrl(target) && !isKimberliteServer(target)) {
      return { report: core.analyze(readInput({ statements })), database: null, trackerRewritten: false, note: `files only: ${why}, and the embedded database opens in one process at a time` };
    }
    const { db, owned } = await connect(target);
    tracking = tracks(target);
    try {
      const rows = await storeOf(db).read(db);
      return {
        report: withUnfinished(core.analyze(readInput({ history: toHistory(rows), statements })), rows),
        database: db.kind ?? 'custom',
        trackerRewritten: false,
        ...(why ? { note: `${why}: the database was read as it is now` } : {}),
      };
    } finally {
      tracking = true;
      if (owned) await db.close();
    }
  }

  /** Stops a run between migrations once `signal` is aborted. */
  /** A step of apply or rollback failed: said to `onProgress`; a cancel is what the caller gets, else the error. */
  function stepFailed(step, error, onProgress, signal) {
    onProgress({ phase: 'failed', step, error });
    stopIfCancelled(signal);
    throw error;
  }

  function stopIfCancelled(signal) {
    if (signal?.aborted) {
      throw new KmbError('cancelled', 'The run was cancelled (Ctrl-C); the migrations before this point stay applied, the one running was rolled back.', {
        help: 'Run the command again to go on.',
        exitCode: 130,
      });
    }
  }

  /** What to say of a no-transaction run that did not finish (a history row not `applied`). */
  function unfinishedText(row) {
    return {
      message: `Migration ${row.id} ("${row.name}") runs outside a transaction and did not finish (${row.state}); it may be half applied, or half rolled back.`,
      help: `Inspect the database and finish or undo what migration ${row.id} did by hand, then run \`kmb migration repair ${row.id} --applied\` (it is complete now) or \`kmb migration repair ${row.id} --pending\` (it left nothing behind; apply runs it again). A rollback cut short is settled the same way: --pending once its Down is finished, --applied once what it undid is back.`,
    };
  }

  function blockOnUnfinished(rows) {
    const stuck = rows.find((row) => row.state !== 'applied');
    if (stuck) {
      const { message, help } = unfinishedText(stuck);
      throw new KmbError('migration-unfinished', message, { help });
    }
  }

  /**
   * The report with each unfinished run as an error (`migration-unfinished`,
   * on the migration's file, else on applied.toml), so that status and
   * validate fail on it in every output form, `--json` and the CI formats
   * included, and `report.ok` says so to a caller of `status()`.
   */
  function withUnfinished(report, rows) {
    const stuck = rows.filter((row) => row.state !== 'applied');
    if (stuck.length === 0) return report;
    const fileOf = new Map(report.migrations.map((m) => [m.id, m.path]));
    const found = stuck.map((row) => ({
      code: 'migration-unfinished',
      severity: 'error',
      file: fileOf.get(row.id) ?? rel(trackerPath),
      ...unfinishedText(row),
    }));
    const errors = report.summary.errors + found.length;
    return { ...report, ok: false, diagnostics: [...found, ...report.diagnostics], summary: { ...report.summary, errors } };
  }

  return {
    root,
    migrationsDir,
    stateDir,
    /** The target PostgreSQL version from kimberlite.toml (or the options), for `lint`. */
    pgVersion,
    /** The rule levels: kimberlite.toml's, then the options' (which win), for `lint`. */
    rules: options.rules,
    /** What `lint` checks the SQL for: `postgresql` or `kimberlite` (the options', else kimberlite.toml's). */
    target,
    /** The project's Kimberlite server (`--database kimberlite`, and the default database of a project that targets Kimberlite). */
    kimberliteServer,

    /** The report from files only (plus `history` when given). */
    analyze(extra = {}) {
      return core.analyze(readInput({ parserRules: true, ...extra }));
    },

    /**
     * The report for lint: every finding (squawk's rules included) and
     * statuses, without statements. `extra.lintOnly` (paths as the report
     * names them) limits the lint rules to those files.
     */
    report(extra = {}) {
      return core.analyze(readInput({ statements: false, parserRules: true, ...extra }));
    },

    /**
     * `report()` with Kimberlite's own check as well (`lint --target
     * kimberlite`): every Up statement parsed and run in order on an empty
     * Kimberlite database in memory, every Down statement parsed, by the
     * native helper; each refusal is a `kimberlite-unsupported` finding.
     * `lintOnly` as in `report()`. Throws `kimberlite-helper-missing` when
     * the helper cannot be found.
     */
    async kimberliteReport({ lintOnly } = {}) {
      const helper = requireHelper('Checking the migrations with Kimberlite\'s parser (--target kimberlite)');
      const input = readInput({ parserRules: true, ...(lintOnly ? { lintOnly } : {}) });
      // The statements only: the lint rules run once, in the report below.
      const statements = core.analyze({ ...input, options: { ...input.options, lintOnly: [], parserRules: false } });
      const external = await kimberliteFindings(statements, { helper, only: lintOnly });
      return core.analyze({ ...input, statements: false, external });
    },

    /**
     * `report()`, with the lint rules (squawk's parser, most of the time on
     * a large project) spread over worker threads: the files in contiguous
     * parts of about equal size, each part linted by one thread that reads
     * the whole project (the schema before a file is the files before it),
     * this thread taking the first part. A file's findings are taken whole
     * from the part that linted it, the rest from the first part, then put
     * in the core's order (file, then position). The same report as
     * `report()`; on a small project or one core, it is `report()`.
     * `threads` overrides the count (tests).
     */
    async lintReport({ threads: asked } = {}) {
      const input = readInput({ statements: false, parserRules: true });
      const bytes = input.files.reduce((sum, file) => sum + file.contents.length, 0);
      const threads = Math.min(input.files.length, asked ?? Math.min(availableParallelism(), PARALLEL_MAX, Math.floor(bytes / PARALLEL_BYTES)));
      if (threads < 2) return core.analyze(input);
      const parts = [];
      let part = [];
      let size = 0;
      for (const file of input.files) {
        part.push(file.path);
        size += file.contents.length;
        if (size >= (bytes * (parts.length + 1)) / threads && parts.length < threads - 1) {
          parts.push(part);
          part = [];
        }
      }
      parts.push(part);
      const { Worker } = await import('node:worker_threads');
      const others = parts.slice(1).map((paths) => new Promise((resolveAnswer, reject) => {
        const worker = new Worker(new URL('./lint-worker.js', import.meta.url), { workerData: { input: { ...input, options: { ...input.options, lintOnly: paths } } }, execArgv: workerExecArgv() });
        worker.once('message', (answer) => {
          worker.terminate();
          if (answer.error) reject(new KmbError(answer.error.code ?? 'internal-error', answer.error.message));
          else resolveAnswer(answer.diagnostics);
        });
        worker.once('error', reject);
      }));
      const first = core.analyze({ ...input, options: { ...input.options, lintOnly: parts[0] } });
      const answers = await Promise.all(others);
      const owner = new Map(parts.slice(1).flatMap((paths, at) => paths.map((path) => [path, at])));
      const order = new Map(first.migrations.map((m, at) => [m.path, at]));
      const diagnostics = [
        ...first.diagnostics.filter((d) => !owner.has(d.file)),
        ...answers.flatMap((found, at) => found.filter((d) => owner.get(d.file) === at)),
      ];
      const place = (d) => [order.get(d.file) ?? -1, d.range?.start.line ?? -1, d.range?.start.character ?? -1];
      const sorted = diagnostics
        .map((d, at) => ({ d, at, key: place(d) }))
        .sort((x, y) => x.key[0] - y.key[0] || x.key[1] - y.key[1] || x.key[2] - y.key[2] || x.at - y.at)
        .map((item) => item.d);
      const count = (severity) => sorted.filter((d) => d.severity === severity).length;
      const summary = { ...first.summary, errors: count('error'), warnings: count('warning'), infos: count('info'), hints: count('hint') };
      return { ...first, ok: summary.errors === 0, diagnostics: sorted, summary };
    },

    /**
     * The report checked against the database: with `database` (a target or
     * an executor), or the embedded one when its folder exists; else files only.
     */
    async status({ database, statements = true } = {}) {
      // A Kimberlite server is asked only when named (`--database kimberlite`): one that does not run is no error here.
      const target = database === 'kimberlite' ? kimberliteServer : database ?? (!isKimberliteTarget(defaultDatabase) && existsSync(defaultDatabase) ? defaultDatabase : null);
      if (target === null) return { report: core.analyze(readInput({ statements })), database: null, trackerRewritten: false };
      // A server is read as it is: no run lock, no advisory lock, nothing written.
      if (typeof target === 'string' && (isServerUrl(target) || isKimberliteServer(target))) return readWithoutRunning(target, statements, null);
      try {
        return await session(target, async (db, rows, drifted) => ({
          report: withUnfinished(core.analyze(readInput({ history: toHistory(rows), statements })), rows),
          database: db.kind ?? 'custom',
          trackerRewritten: drifted,
          }), { write: false });
      } catch (error) {
        // A read does not wait for a run, and needs no write access.
        const busy = error.code === 'run-locked' || error.code === 'database-locked';
        const readOnly = error.code === 'read-only-state' || (error.code === 'state-write-failed' && /EROFS|EACCES|EPERM/.test(error.message));
        if (!busy && !readOnly) throw error;
        const why = busy ? 'another kmb run is applying or rolling back' : 'the state folder is read-only';
        return readWithoutRunning(target, statements, why);
      }
    },

    /** Writes the next migration file; returns its path. */
    create(name, { author = null, now = new Date(), template } = {}) {
      // One create at a time per project: the next id is read and its file
      // written under a mutex, so two at once cannot take one id.
      return withMutex(join(stateDir, '.create.lock'), () => {
        const existing = existsSync(migrationsDir) ? readdirSync(migrationsDir) : [];
        // A Kimberlite project's templates are written in Kimberlite's SQL.
        const created = core.createMigration({ existing, name, created: now.toISOString().replace(/\.\d{3}Z$/, 'Z'), author, ...(template ? { template } : {}), ...(target === 'kimberlite' ? { target } : {}) });
        if (!created.ok) {
          const [first] = created.diagnostics;
          throw new KmbError(first.code, first.message, { help: first.help, exitCode: 2 });
        }
        mkdirSync(migrationsDir, { recursive: true });
        const path = join(migrationsDir, created.fileName);
        writeFileSync(path, created.text, { flag: 'wx' });
        return { id: created.id, path, fileName: created.fileName };
      });
    },

    /** Adds every unlocked migration to the lock; refuses on errors. */
    lock() {
      const result = core.updateLock(readInput());
      if (!result.ok) return result;
      if (readText(lockPath) !== result.text) writeAtomic(lockPath, result.text);
      return result;
    },

    /**
     * The schema (`readSchema`'s shape) as it stood after migration `at`
     * (default: the last one): every migration up to it applied, in order,
     * to a new database in memory, and its catalogs read. Nothing of the
     * project's databases or files is touched. Without `at`: the schema of
     * `database` (else the embedded database, when it exists) as it is now,
     * the history table left out; with neither, the schema after the last
     * migration.
     */
    async schema({ at, database } = {}) {
      postgresOnly('`kmb migration schema`', database);
      // Without `at`: the database as it is now, when there is one.
      const live = at === undefined ? database ?? (existsSync(defaultDatabase) ? defaultDatabase : undefined) : undefined;
      if (live !== undefined) {
        const { db, owned } = await connect(live);
        try {
          return await readSchema(db, { exclude: [historyStore.label] });
        } finally {
          if (owned) await db.close().catch(() => {});
        }
      }
      return (await scratchSchemas([at]))[0];
    },

    /**
     * What changed in the schema from after migration `from` to after
     * migration `to` (`diffSchemas`'s shape, with both schemas); `to` may
     * be `'database'`: the schema of `database` as it is now.
     */
    async diff(from, to, { database } = {}) {
      postgresOnly('`kmb migration diff`', to === 'database' ? database : undefined);
      const [before, after] = to === 'database'
        ? [(await scratchSchemas([from]))[0], await this.schema({ database: database ?? defaultDatabase })]
        : await scratchSchemas([from, to]);
      return { from: before, to: after, diff: diffSchemas(before, after) };
    },

    /**
     * Writes the next migrations for what `migrationsFromDiff` could write
     * of `diff`: the main one (tables, columns, constraints NOT VALID), one
     * no-transaction migration per index (CONCURRENTLY), and one that
     * validates the constraints. Returns `{ written: [{ path, fileName }],
     * refused }`; nothing is written when nothing is safe to write.
     */
    generate(name, diff, { author = null, now = new Date() } = {}) {
      return withMutex(join(stateDir, '.create.lock'), () => {
        const existing = existsSync(migrationsDir) ? readdirSync(migrationsDir) : [];
        const made = generatedMigrations({ diff, name, existing, created: now.toISOString().replace(/\.\d{3}Z$/, 'Z'), author, create: core.createMigration });
        if (made.error) throw new KmbError(made.error.code, made.error.message, { help: made.error.help, exitCode: 2 });
        if (made.files.length === 0) return { written: [], refused: made.refused };
        mkdirSync(migrationsDir, { recursive: true });
        const written = [];
        for (const file of made.files) {
          const path = join(migrationsDir, file.fileName);
          writeFileSync(path, file.text, { flag: 'wx' });
          written.push({ path, fileName: file.fileName });
        }
        return { written, refused: made.refused };
      });
    },

    /**
     * Replaces migrations 1..`to` with one squash (issue 16): its Up is the
     * schema after `to` (built in a scratch database and written by
     * `schemaSql`), its Down the replaced migrations' Down sections, last
     * first. Refused, with the reasons, when the scratch database holds
     * what the SQL does not carry (`squashBlockers`), or when the squash,
     * built in a second scratch database, does not make the same schema,
     * or its Down does not undo it as the replaced ones do. Then the
     * replaced files are copied to `.kimberlite/migrations/squashed/`, the
     * squash written as migration `to`, the replaced files removed, and the
     * lock's entries 1..`to` replaced by the squash's. `dryRun` checks and
     * returns the text without writing. Databases that applied the replaced
     * migrations adopt it with `adoptSquash`.
     */
    async squash(to, { dryRun = false, author = null, now = new Date() } = {}) {
      postgresOnly('`kmb migration squash`');
      const input = readInput({ history: [], tracker: null });
      const report = core.analyze(input);
      const clash = report.migrations.find((m) => m.id <= to && existsSync(join(squashedDir, m.fileName)));
      if (clash && report.migrations.some((m) => m.id === to)) {
        throw new KmbError('invalid-target', `${rel(join(squashedDir, clash.fileName))} already exists; nothing was squashed.`, { help: 'Move the older squashed files elsewhere (they are in version control) and squash again.' });
      }
      const contents = new Map(input.files.map((file) => [file.path, file.contents]));
      const built = await buildSquash({
        report,
        steps: core.planApply(input).steps,
        contents,
        to,
        open: (steps) => openDatabase(MEMORY, { extensions: pgliteExtensionsOf(steps) }),
        parse: core.parseMigration,
        runOptions: (db) => ({ statement: statementsOn(db) }),
        migrationsDir: rel(migrationsDir),
        keptIn: rel(squashedDir),
        created: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
        author,
      });
      if (!built.ok) {
        const error = new KmbError(built.code, built.message, { help: built.help, diagnostics: built.diagnostics, exitCode: built.code === 'unknown-migration' ? 2 : 1 });
        throw Object.assign(error, built.blockers ? { blockers: built.blockers } : {});
      }
      const { fileName, text, parsed, replaced, noDown } = built;
      const result = { id: to, fileName, path: join(migrationsDir, fileName), text, replaced: replaced.map(({ id, fileName }) => ({ id, fileName })), down: built.down, noDown, squashedDir, written: false };
      if (dryRun) return result;
      return withMutex(join(stateDir, '.create.lock'), () => {
        // The replaced files are copied first: whatever stops the run, nothing is lost.
        mkdirSync(squashedDir, { recursive: true });
        for (const m of replaced) writeFileSync(join(squashedDir, m.fileName), contents.get(m.path), { flag: 'wx' });
        const staged = join(stateDir, `.squash-${process.pid}.sql`);
        writeFileSync(staged, text);
        for (const m of replaced) unlinkSync(join(root, m.path));
        renameSync(staged, result.path);
        const lockText = readText(lockPath);
        if (lockText !== null) {
          const locked = core.squashLock({ lock: lockText, lockPath: rel(lockPath), squash: { id: to, name: parsed.name, checksum: parsed.checksum } });
          if (!locked.ok) throw new KmbError(locked.diagnostics[0].code, locked.diagnostics[0].message, { help: locked.diagnostics[0].help });
          writeAtomic(lockPath, locked.text);
        }
        return { ...result, written: true, lockUpdated: lockText !== null };
      });
    },

    /**
     * Rewrites a database's history to a squash it applied the replaced
     * migrations of: after checking that its rows 1..N have exactly the
     * checksums of the files kept in `.kimberlite/migrations/squashed/`,
     * rows 1..N-1 are removed and row N takes the squash's name and
     * checksum, in one transaction; applied.toml follows.
     */
    async adoptSquash({ database } = {}) {
      return session(database, async (db, rows) => {
        blockOnUnfinished(rows);
        const report = core.analyze(readInput({ history: [], tracker: null, statements: false }));
        const squash = report.migrations.find((m) => m.directives?.squashes);
        if (!squash) {
          throw new KmbError('invalid-target', `No migration in ${rel(migrationsDir)} is a squash; there is nothing to adopt.`, { help: 'Squash first: `kmb migration squash --to <id>`.' });
        }
        const n = squash.id;
        const before = rows.filter((row) => row.id <= n);
        if (before.length === 0) return { id: n, adopted: false, why: 'nothing of it is applied here: apply runs the squash' };
        if (before.length === 1 && before[0].id === n && before[0].checksum === squash.checksum) return { id: n, adopted: false, why: 'this database has adopted it already' };
        const kept = new Map();
        for (const name of existsSync(squashedDir) ? readdirSync(squashedDir) : []) {
          const id = /^(\d+)_.*\.sql$/.exec(name)?.[1];
          if (id) kept.set(Number(id), { name, checksum: core.checksum(readFileSync(join(squashedDir, name))) });
        }
        for (let id = 1; id <= n; id += 1) {
          const row = rows.find((r) => r.id === id);
          const file = kept.get(id);
          if (!row) {
            throw new KmbError('invalid-target', `This database has not applied migration ${id}, which the squash replaced; its history was left as it is.`, {
              help: `Apply migrations up to ${n} with the project as it was before the squash (check out the commit before it), then adopt.`,
            });
          }
          if (!file) {
            throw new KmbError('invalid-target', `${rel(squashedDir)} has no file for migration ${id}, so what this database applied cannot be checked; its history was left as it is.`, {
              help: 'Restore the squashed files from version control, then adopt.',
            });
          }
          if (file.checksum !== row.checksum) {
            throw new KmbError('invalid-target', `This database applied migration ${id} with checksum ${row.checksum.slice(0, 12)}, but ${rel(join(squashedDir, file.name))} has ${String(file.checksum).slice(0, 12)}; its history was left as it is.`, {
              help: 'The database did not apply what the squash replaced: compare its schema with `kmb migration diff` before anything else.',
            });
          }
        }
        await db.transaction(async (tx) => {
          for (const row of before) if (row.id !== n) await storeOf(db).remove(tx, row.id);
          await storeOf(db).rewrite(tx, n, { name: squash.name, checksum: squash.checksum });
        });
        const after = await storeOf(db).read(db);
        syncTracker(after);
        return { id: n, adopted: true, removed: before.length - 1 };
      });
    },

    /** Applies the pending migrations, each in its own transaction with its history row. */
    async apply({ database, to, dryRun = false, onProgress = () => {}, appliedBy = null, signal } = {}) {
      return session(database, async (db, rows, drifted) => {
        blockOnUnfinished(rows);
        const history = toHistory(rows);
        lockApplied(history);
        const plan = withoutTransactions(db, core.planApply(readInput({ history, to })));
        if (!plan.ok || dryRun) return { ...plan, applied: [], trackerRewritten: drifted };
        const applied = [];
        const current = [...rows];
        await reportingDone('applied', applied, async () => {
          for (const step of plan.steps) {
            stopIfCancelled(signal);
            checkUnchanged(step);
            onProgress({ phase: 'start', step });
            const started = performance.now();
            const appliedAt = new Date().toISOString();
            const record = { appliedAt, appliedBy, executionMs: 0 };
            const indexes = step.transactional ? [] : indexesCreatedBy(step.statements.map((statement) => statement.text));
            const elapsed = () => Math.round(performance.now() - started);
            try {
              await runStep(db, step, {
                statement: statementsOn(db),
                // Outside a transaction the history says `running` until the last statement.
                before: (handle) => storeOf(db).insert(handle, step, { ...record, state: 'running' }),
                after: async (handle) => {
                  record.executionMs = elapsed();
                  if (step.transactional) return storeOf(db).insert(handle, step, { ...record, state: 'applied' });
                  // An INVALID index of the same name makes `IF NOT EXISTS` skip the build.
                  const invalid = await invalidIndexes(handle, indexes);
                  if (invalid.length > 0) {
                    await storeOf(db).setState(handle, step.id, 'failed', elapsed());
                    throw Object.assign(invalidIndexError(step.id, step.path, invalid), { recorded: true });
                  }
                  return storeOf(db).setState(handle, step.id, 'applied', elapsed());
                },
              }).catch(async (error) => {
                if (step.transactional || error?.recorded) throw error;
                await storeOf(db).setState(db, step.id, 'failed', elapsed()).catch(() => {});
                // A failed CREATE INDEX CONCURRENTLY leaves its index behind, INVALID.
                const left = await invalidIndexes(db, indexes).catch(() => []);
                if (left.length > 0 && error instanceof KmbError) {
                  error.help = `${error.help} It left ${left.length === 1 ? 'an INVALID index' : 'INVALID indexes'} behind, which \`IF NOT EXISTS\` would skip next time: drop ${left.length === 1 ? 'it' : 'them'} first (${left.map((name) => `DROP INDEX CONCURRENTLY IF EXISTS ${name};`).join(' ')}).`;
                  error.invalidIndexes = left;
                }
                throw error;
              });
            } catch (error) {
              stepFailed(step, error, onProgress, signal);
            }
            await restoreSearchPath(db, step);
            // The history as it is now, without reading it back (this run
            // holds the database's lock): each step costs the same, the
            // first as the thousandth.
            current.push({ id: step.id, name: step.name, checksum: step.checksum, appliedAt, appliedBy, executionMs: record.executionMs, state: 'applied' });
            appendApplied({ id: step.id, name: step.name, checksum: step.checksum, appliedAt, appliedBy }, current);
            lockStep(step);
            const ms = Math.round(performance.now() - started);
            applied.push({ id: step.id, name: step.name, ms });
            onProgress({ phase: 'done', step, ms });
          }
        });
        return { ...plan, applied, trackerRewritten: drifted };
      }, { signal });
    },

    /** Rolls back applied migrations, most recent first, with their Down statements. */
    async rollback({ database, steps, to, dryRun = false, onProgress = () => {}, signal } = {}) {
      return session(database, async (db, rows, drifted) => {
        blockOnUnfinished(rows);
        const target = to === undefined ? { steps: steps ?? 1 } : { to };
        const plan = withoutTransactions(db, core.planRollback(readInput({ history: toHistory(rows), ...target })));
        if (!plan.ok || dryRun) return { ...plan, rolledBack: [], trackerRewritten: drifted };
        let current = [...rows];
        const rolledBack = [];
        await reportingDone('rolledBack', rolledBack, async () => {
          for (const step of plan.steps) {
            stopIfCancelled(signal);
            checkUnchanged(step);
            onProgress({ phase: 'start', step });
            const started = performance.now();
            const row = rows.find((r) => r.id === step.id);
            const elapsed = () => Math.round(performance.now() - started);
            try {
              await runStep(db, step, {
                statement: statementsOn(db),
                // Outside a transaction the history says `running` until the
                // Down's last statement: a stop half way blocks the next run.
                before: (handle) => storeOf(db).setState(handle, step.id, 'running', row?.executionMs ?? 0),
                after: (handle) => storeOf(db).remove(handle, step.id),
              }).catch(async (error) => {
                if (!step.transactional) await storeOf(db).setState(db, step.id, 'failed', elapsed()).catch(() => {});
                throw error;
              });
            } catch (error) {
              stepFailed(step, error, onProgress, signal);
            }
            await restoreSearchPath(db, step);
            current = current.filter((row) => row.id !== step.id);
            dropApplied(step.id, current);
            const ms = Math.round(performance.now() - started);
            rolledBack.push({ id: step.id, name: step.name, ms });
            onProgress({ phase: 'done', step, ms });
          }
        });
        return { ...plan, rolledBack, trackerRewritten: drifted };
      }, { signal });
    },

    /**
     * Settles a no-transaction migration that did not finish, or a history
     * row kmb cannot use (an id out of range, a bad `applied_at` or state):
     * `as` is `applied` (kept, marked applied) or `pending` (removed). `id`
     * may be a string, for rows whose id is no migration id (`-4`).
     */
    async baseline(id, { database, appliedBy = null } = {}) {
      return session(database, async (db, rows) => {
        if (rows.length > 0) {
          throw new KmbError('invalid-target', `The database already has a history (${rows.length} migration${rows.length === 1 ? '' : 's'} recorded); baseline is for a database built before kmb managed it.`, {
            help: 'See `kmb migration status`. To settle one unfinished migration, use `kmb migration repair`.',
          });
        }
        const report = core.analyze(readInput({ statements: false }));
        const errors = report.diagnostics.filter((d) => d.severity === 'error');
        if (errors.length > 0) {
          throw new KmbError('invalid-target', `The project has ${errors.length} error${errors.length === 1 ? '' : 's'}; nothing was marked applied.`, {
            help: 'Fix them first (`kmb migration validate` lists them).',
            diagnostics: errors,
          });
        }
        const marked = report.migrations.filter((m) => m.id <= id);
        if (marked.length === 0 || marked[marked.length - 1].id !== id) {
          throw new KmbError('invalid-target', `There is no migration ${id}; baseline marks migrations 1 to ${id} applied.`, {
            help: `Name the id of the last migration the database already has (the project has ${report.migrations.length}).`,
          });
        }
        const appliedAt = new Date().toISOString();
        await db.transaction(async (tx) => {
          for (const m of marked) await storeOf(db).insert(tx, { id: m.id, name: m.name, checksum: m.checksum }, { appliedAt, appliedBy, executionMs: 0, state: 'applied' });
        });
        const after = await storeOf(db).read(db);
        syncTracker(after);
        lockApplied(toHistory(after), marked.map((m) => m.id), { strict: true });
        return { baselined: marked.map((m) => ({ id: m.id, name: m.name })) };
      });
    },

    /**
     * Converts another tool's migrations folder (`dir`, in `tool`'s layout:
     * golang-migrate, dbmate, sqlx, diesel, flyway) into Kimberlite-format
     * files in this project's empty migrations folder. Returns `{
     * migrations: [{ fileName, source }], problems: [{ path, message }],
     * report }`.
     */
    importFrom(tool, dir) {
      if (!IMPORT_FORMATS.includes(tool)) {
        throw new KmbError('usage', `import reads ${IMPORT_FORMATS.join(', ')}; not \`${tool}\`.`, { exitCode: 2 });
      }
      const kind = statSync(dir, { throwIfNoEntry: false });
      if (!kind?.isDirectory()) {
        throw new KmbError('usage', `${dir} is not a folder of ${tool} migrations.`, { exitCode: 2 });
      }
      const files = [];
      for (const name of readdirSync(dir).sort()) {
        const path = join(dir, name);
        const stats = statSync(path, { throwIfNoEntry: false });
        if (stats?.isFile()) files.push({ path: name, text: readFileSync(path, 'utf8') });
        else if (stats?.isDirectory()) {
          for (const inner of readdirSync(path).sort()) {
            if (statSync(join(path, inner), { throwIfNoEntry: false })?.isFile()) files.push({ path: `${name}/${inner}`, text: readFileSync(join(path, inner), 'utf8') });
          }
        }
      }
      const existing = existsSync(migrationsDir) ? readdirSync(migrationsDir).filter((name) => name.endsWith('.sql')) : [];
      if (existing.length > 0) {
        throw new KmbError('invalid-target', `The migrations folder ${migrationsDir} already has ${existing.length} migration${existing.length === 1 ? '' : 's'}; import writes into an empty one, nothing was written.`, {
          help: 'Import into a new project folder (`--project <new folder>`), then move what you need.',
        });
      }
      const { migrations, problems } = convert(tool, files);
      if (migrations.length === 0) {
        throw new KmbError('invalid-target', `${dir} holds no ${tool} migrations${problems.length ? ` (${problems.length} file${problems.length === 1 ? '' : 's'} not converted)` : ''}; nothing was written.`, {
          help: `Check the folder and the format: ${IMPORT_FORMATS.join(', ')}.`,
        });
      }
      mkdirSync(migrationsDir, { recursive: true });
      for (const migration of migrations) writeFileSync(join(migrationsDir, migration.fileName), migration.text, { flag: 'wx' });
      return {
        migrations: migrations.map(({ fileName, source }) => ({ fileName, source })),
        problems,
        report: core.analyze(readInput({ statements: false })),
      };
    },

    async repair(id, { database, as } = {}) {
      if (as !== 'applied' && as !== 'pending') {
        throw new KmbError('usage', 'repair needs --applied or --pending.', { exitCode: 2 });
      }
      const key = String(id);
      return session(database, async (db, rows, _drifted, odd = []) => {
        let invalid = [];
        const oddRow = odd.find((r) => r.id === key);
        if (oddRow) {
          if (as === 'applied' && !oddRow.keepable) {
            throw new KmbError('invalid-target', `The history row ${key} cannot be kept as applied: ${oddRow.why}.`, {
              help: `Remove it with \`kmb migration repair ${key} --pending\` if that migration is not applied, or correct it by hand.`,
            });
          }
          await storeOf(db).settleOddRow(db, key, as, new Date().toISOString());
        } else {
          const row = rows.find((r) => String(r.id) === key);
          if (!row || row.state === 'applied') {
            throw new KmbError('invalid-target', `Migration ${key} has no unfinished run or odd history row to repair.`, { help: 'See `kmb migration status`.' });
          }
          // INVALID indexes the migration's failed run left (CREATE INDEX CONCURRENTLY).
          const file = readInput({ lintOnly: [] }).files.find((f) => new RegExp(`(^|/)0*${row.id}_[^/]*\\.sql$`).test(f.path));
          invalid = file ? await invalidIndexes(db, indexesCreatedBy([file.contents.toString('utf8')])) : [];
          if (as === 'applied' && invalid.length > 0) throw invalidIndexError(row.id, file.path, invalid);
          if (as === 'applied') await storeOf(db).setState(db, row.id, 'applied', row.executionMs);
          else await storeOf(db).remove(db, row.id);
        }
        const after = await storeOf(db).readRows(db);
        // applied.toml follows the history once every row can be read.
        if (after.odd.length === 0) syncTracker(after.rows);
        return { id: key, as, remaining: after.odd.map((r) => r.id), invalidIndexes: invalid };
      }, { oddRows: 'settle' });
    },
  };
}

/**
 * The names of the indexes `texts` (SQL) create, as the catalog holds them
 * (unquoted names folded to lower case).
 */
function indexesCreatedBy(texts) {
  const names = new Set();
  const pattern = /\bcreate\s+(?:unique\s+)?index\s+(?:concurrently\s+)?(?:if\s+not\s+exists\s+)?(?:"((?:[^"]|"")+)"|([A-Za-z_][A-Za-z0-9_$]*))/gi;
  for (const text of texts) {
    for (const match of text.matchAll(pattern)) {
      const name = match[1] !== undefined ? match[1].replaceAll('""', '"') : match[2].toLowerCase();
      if (!['on', 'concurrently', 'if'].includes(name)) names.add(name);
    }
  }
  return [...names];
}

/**
 * `plan` for `db`: on a database without transactions (Kimberlite) every
 * step runs statement by statement, with a `running` history row first and
 * `applied` after the last, as a `no-transaction` migration does.
 */
function withoutTransactions(db, plan) {
  if (db.transactions !== false) return plan;
  return { ...plan, steps: plan.steps.map((step) => ({ ...step, transactional: false })) };
}

/** Which of the indexes `names` exist and are INVALID (pg_index.indisvalid), as schema.name. */
async function invalidIndexes(db, names) {
  // Kimberlite builds no index concurrently, so leaves none INVALID.
  if (names.length === 0 || db.kind === 'kimberlite') return [];
  const { rows } = await db.query(
    `SELECT n.nspname AS schema, c.relname AS name FROM pg_catalog.pg_index i
       JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE NOT i.indisvalid AND c.relname IN (SELECT pg_catalog.json_array_elements_text($1::pg_catalog.json)) ORDER BY 1, 2`,
    [JSON.stringify(names)],
    BOUNDED,
  );
  return rows.map((row) => `${quoteIdent(row.schema)}.${quoteIdent(row.name)}`);
}

function invalidIndexError(id, path, invalid) {
  const them = invalid.length === 1 ? 'it' : 'them';
  return new KmbError('invalid-index', `Migration ${id} (${path}) creates ${invalid.length === 1 ? 'an index that is' : 'indexes that are'} INVALID in the database: ${invalid.join(', ')} (left by a failed CREATE INDEX CONCURRENTLY; \`IF NOT EXISTS\` then skips the build). It is not recorded as applied.`, {
    help: `Drop ${them} (${invalid.map((name) => `DROP INDEX CONCURRENTLY IF EXISTS ${name};`).join(' ')}), then \`kmb migration repair ${id} --pending\` and apply again: the index is built anew.`,
  });
}

/** Runs one statement; a database error names the migration, file, line and column. */
/**
 * Whether an error means the connection ended rather than the SQL failing:
 * a SQLSTATE of class 08 (connection exception) or 57P (operator
 * intervention: shutdown, crash, termination), or a network error with no
 * SQLSTATE at all.
 */
function connectionLost(error) {
  const code = String(error?.code ?? '');
  if (/^08|^57P/.test(code)) return true;
  return !/^[0-9A-Z]{5}$/.test(code) && /terminated|ECONNRESET|EPIPE|ETIMEDOUT|closed|Connection/i.test(`${code} ${error?.message}`);
}

/**
 * Where in the file a statement failed, as { line, character } (0-based,
 * UTF-16): at the database's `position` in the statement; inside a body
 * (a `DO` block, a function), at the failing query's `internalPosition`
 * when the database names the query, else at the body's line that its
 * context names ("PL/pgSQL function ... line 3 at RAISE"); else at the
 * statement's start.
 */
/**
 * `run()`, with what it finished (`done`, as `key`) attached to an error
 * that stops it (a failure, Ctrl-C): `--json` and the API's callers see it
 * with the error, as they do with a success.
 */
async function reportingDone(key, done, run) {
  try {
    return await run();
  } catch (error) {
    if (error instanceof KmbError) error[key] = done;
    throw error;
  }
}

function failedAt(statement, error) {
  const { text } = statement;
  const start = statement.range.start;
  const at = (offset) => {
    const lines = text.slice(0, offset).split(/\r\n|\r|\n/);
    return lines.length > 1 ? { line: start.line + lines.length - 1, character: lines.at(-1).length } : { line: start.line, character: start.character + lines[0].length };
  };
  // Positions count characters (code points) from 1.
  const offsetOf = (characters, within = text, from = 0) => from + [...within].slice(0, characters - 1).join('').length;
  const position = Number(error?.position);
  if (Number.isInteger(position) && position > 0) return at(offsetOf(position));
  const internal = Number(error?.internalPosition);
  const query = typeof error?.internalQuery === 'string' ? error.internalQuery : null;
  const found = query ? text.indexOf(query) : -1;
  if (found >= 0) return at(Number.isInteger(internal) && internal > 0 ? offsetOf(internal, query, found) : found);
  const bodyLine = /\bline (\d+)\b/.exec(typeof error?.where === 'string' ? error.where : '');
  const body = /\$([A-Za-z_][A-Za-z_0-9]*)?\$/.exec(text);
  if (bodyLine && body) {
    // PL/pgSQL counts the body's lines from the one its opening quote is on.
    const opened = body.index + body[0].length;
    const rest = text.slice(opened).split(/\r\n|\r|\n/);
    const n = Number(bodyLine[1]);
    if (n >= 1 && n <= rest.length) {
      const offset = opened + rest.slice(0, n - 1).reduce((sum, l) => sum + l.length + 1, 0);
      const indent = /^[ \t]*/.exec(rest[n - 1])[0].length;
      return at(n === 1 ? offset : offset + indent);
    }
  }
  return { line: start.line, character: start.character };
}

/** runStep's `statement` hook for `db`: runStatement with the database's kind for its errors. */
const statementsOn = (db) => (handle, step, statement) => runStatement(handle, step, statement, db.kind);

async function runStatement(db, step, statement, kind = db.kind) {
  try {
    await db.query(statement.text);
  } catch (error) {
    // The database layer's own verdicts (a stuck or ended embedded database) stand as they are.
    if (error instanceof KmbError) throw error;
    if (error?.kimberlite ? error.kimberlite === 'connection' : connectionLost(error)) {
      throw new KmbError('connection-lost', `The connection to the database ended while migration ${step.id} (${step.path}) ran: ${error.message}`, {
        help: step.transactional
          ? 'Nothing of this migration was applied: the database rolls back a transaction whose connection ends. Run apply again once the server answers.'
          : `This migration runs outside a transaction, so the statements before this one may stay applied. Once the server answers, check the database, then run \`kmb migration repair ${step.id} --applied\` or \`--pending\`.`,
      });
    }
    // SQLSTATE class 53: the server ran out of disk, memory or connections.
    if (String(error?.code ?? '').startsWith('53') || /No space left on device/.test(error?.message ?? '')) {
      const disk = error.code === '53100' || /No space left/.test(error.message);
      throw new KmbError(disk ? 'disk-full' : 'database-unavailable', `The database ran out of ${disk ? 'disk space' : 'resources'} while migration ${step.id} (${step.path}) ran: ${error.message}`, {
        help: (disk
          ? 'Free space on the disk that holds the database (for the embedded one, the disk of its folder), then run apply again. '
          : 'Check the server\'s limits (memory, connections), then run apply again. ')
          + (step.transactional
            ? 'Nothing of this migration was applied (it ran in a transaction).'
            : `This migration runs outside a transaction, so the statements before this one may stay applied: check the database, then run \`kmb migration repair ${step.id} --applied\` or \`--pending\`.`),
      });
    }
    // PGlite ships a fixed set of extensions; a server has what its administrator installed.
    const missing = kind === 'pglite' ? missingExtension(error?.message) : null;
    if (missing) {
      throw new KmbError('extension-unavailable', `Migration ${step.id} (${step.path}) creates the extension ${missing}, which the embedded database (PGlite) does not ship; ${step.transactional ? 'nothing of this migration was applied' : 'the statements before this one stay applied (it runs outside a transaction)'}.`, {
        help: `Apply on a PostgreSQL server that has ${missing} installed: \`--database postgres://...\`. PGlite ships ${PGLITE_EXTENSIONS.join(', ')}.`,
      });
    }
    const at = failedAt(statement, error);
    const database = {
      sqlstate: typeof error?.code === 'string' ? error.code : null,
      message: error?.message ?? String(error),
      detail: error?.detail ?? null,
      hint: error?.hint ?? null,
      context: error?.where ?? null,
      file: step.path,
      line: at.line + 1,
      column: at.character + 1,
    };
    const lines = [`Migration ${step.id} (${step.path}) failed at ${step.path}:${at.line + 1}:${at.character + 1}: ${database.message}${database.sqlstate ? ` (SQLSTATE ${database.sqlstate})` : ''}`];
    for (const [label, value] of [['detail', database.detail], ['hint', database.hint], ['context', database.context]]) {
      if (value) lines.push(`  ${label}: ${String(value).replaceAll('\n', '\n    ')}`);
    }
    throw new KmbError('migration-failed', lines.join('\n'), {
      database,
      help: kind === 'kimberlite'
        ? `Kimberlite has no transactions, so the statements of this migration before this one stay applied. Fix the SQL (\`kmb migration lint --target kimberlite\` finds what Kimberlite refuses), undo what it did by hand, then run \`kmb migration repair ${step.id} --pending\` (or \`--applied\` once it is complete).`
        : step.transactional
        ? 'Nothing of this migration was applied (it ran in a transaction). Fix the SQL and run apply again.'
        : `This migration runs outside a transaction, so the statements before this one stay applied. Fix the database by hand, then run \`kmb migration repair ${step.id} --applied\` or \`--pending\`.`,
    });
  }
}
