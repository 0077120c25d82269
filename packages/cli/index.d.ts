// Types of kimberlite-migration-cli: projects on disk and their databases.
// The core's types (reports, diagnostics, plans) are kimberlite-migration's.
import type { AppliedRecord, Diagnostic, DocumentResult, Options, Plan, Report, Step, TemplateName, Schema, SchemaDiff } from 'kimberlite-migration';


/** What a database must offer for apply and rollback. PGlite and PostgreSQL are built in. */
export interface Executor {
  /** Runs one SQL statement. */
  query(sql: string, params?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
  /** Runs `fn` in a transaction: commit when it resolves, roll back when it throws. */
  transaction<T>(fn: (tx: Pick<Executor, 'query'>) => Promise<T>): Promise<T>;
  /** Takes a database-wide lock for the run; false when another run holds it. */
  tryLock?(): Promise<boolean>;
  unlock?(): Promise<void>;
  /** Cancels the statement running now, when the run is cancelled (optional). */
  cancel?(): Promise<void>;
  close(): Promise<void>;
  /** `false`: the database has no transactions (Kimberlite): every migration runs statement by statement, with a `running` history row first. */
  transactions?: boolean;
  /** Keeps the history itself (Kimberlite's executor), instead of kmb's PostgreSQL history table. */
  historyStore?: unknown;
}

/**
 * A database: a `postgres://` URL, a folder for the embedded PGlite database,
 * `kimberlite://host:port`, `kimberlite` (kimberlite.toml's `[database]
 * bind_address`), `kimberlite:<new folder>`, `kimberlite:memory`, or an executor.
 */
export type DatabaseTarget = string | Executor;

/**
 * Opens a Kimberlite target as an executor, through the native helper
 * kmb-kimberlite. Held open, one embedded folder serves several calls
 * (`apply`, then `rollback`) in one process, which Kimberlite 0.9.1 cannot
 * do across processes (docs/kimberlite.md).
 */
export function kimberliteDatabase(target: string, options?: { helper?: string; historyTable?: string }): Promise<Executor & { kind: 'kimberlite'; target: string; transactions: false }>;

export interface ProgressEvent { phase: 'start' | 'done' | 'failed'; step: Step; ms?: number; error?: Error }

export interface ApplyResult extends Plan {
  applied: { id: number; name: string; ms: number }[];
  trackerRewritten: boolean;
}

export interface RollbackResult extends Plan {
  rolledBack: { id: number; name: string; ms: number }[];
  trackerRewritten: boolean;
}

export interface Project {
  root: string;
  migrationsDir: string;
  stateDir: string;
  /** The target PostgreSQL version (`pgVersion` of the options, else `[migrations.lint] pg-version`), or null. */
  pgVersion: string | null;
  /** The rule levels: `[migrations.lint.rules]` of kimberlite.toml, then the options' (which win). */
  rules: Options['rules'];
  /** What the SQL is for: `[migrations] target` of kimberlite.toml (or the options'), `postgresql` by default. */
  target: 'postgresql' | 'kimberlite';
  /** The project's Kimberlite server, `kimberlite://` + kimberlite.toml's `[database] bind_address` (127.0.0.1:5432 by default). */
  kimberliteServer: string;
  /** `report()` with Kimberlite's own verdicts (`lint --target kimberlite`); needs the native helper kmb-kimberlite. */
  kimberliteReport(extra?: { lintOnly?: string[] }): Promise<Report>;
  /** The report from the files (and `history`, when given), every lint rule included. */
  analyze(extra?: { history?: AppliedRecord[]; lintOnly?: string[]; parserRules?: boolean }): Report;
  /** The report without statements, every lint rule included (what `kmb migration lint` prints). */
  report(extra?: { history?: AppliedRecord[]; lintOnly?: string[]; parserRules?: boolean }): Report;
  /** `report()` for the whole project, its lint rules spread over worker threads on a large project: the same report. */
  lintReport(options?: { threads?: number }): Promise<Report>;
  /**
   * The report checked against the database (the embedded one when it
   * exists): what status and validate print. Its lint findings are the token
   * rules' (the ones that decide whether a migration can run); squawk's lock
   * rules are `report()`'s and `kmb migration lint`'s. A no-transaction run
   * that did not finish is one of its errors, code `migration-unfinished`
   * (`report.ok` is then false).
   */
  status(options?: { database?: DatabaseTarget; statements?: boolean }): Promise<{ report: Report; database: string | null; trackerRewritten: boolean }>;
  /** Writes the next migration file. Throws (code `invalid-name`) for a bad name. */
  create(name: string, options?: { author?: string | null; now?: Date; template?: TemplateName }): { id: number; path: string; fileName: string };
  /** The schema after migration `at` (a scratch database), or of `database` (else the embedded one) as it is now. */
  schema(options?: { at?: number; database?: DatabaseTarget }): Promise<Schema>;
  /** What changed in the schema from after `from` to after `to` (or the database as it is now). */
  diff(from: number, to: number | 'database', options?: { database?: DatabaseTarget }): Promise<{ from: Schema; to: Schema; diff: SchemaDiff }>;
  /** Writes the next migrations for the safe part of `diff` (`migrationsFromDiff`); lists what it refused. */
  generate(name: string, diff: SchemaDiff, options?: { author?: string | null; now?: Date }): { written: { path: string; fileName: string }[]; refused: { object: string; reason: string }[] };
  /** Adds every unlocked migration to the lock file; refused while there are errors. */
  lock(): DocumentResult;
  /** Applies pending migrations, each in its own transaction together with its history row. */
  /** `signal`: aborting it cancels the statement running now (PostgreSQL) and stops before the next migration (error code `cancelled`). */
  apply(options?: { database?: DatabaseTarget; to?: number; dryRun?: boolean; appliedBy?: string | null; onProgress?: (event: ProgressEvent) => void; signal?: AbortSignal }): Promise<ApplyResult>;
  /** Rolls back applied migrations, most recent first. */
  rollback(options?: { database?: DatabaseTarget; steps?: number; to?: number; dryRun?: boolean; onProgress?: (event: ProgressEvent) => void; signal?: AbortSignal }): Promise<RollbackResult>;
  /**
   * Settles a no-transaction migration that did not finish, or a history row
   * kmb cannot use (`odd-history-row`: an id out of range, a bad `applied_at`
   * or state). `applied` keeps it as applied; `pending` removes it. A row's id
   * that is no migration id is given as a string (`'-4'`). `remaining` lists
   * the rows kmb still cannot use.
   */
  repair(id: number | string, options: { database?: DatabaseTarget; as: 'applied' | 'pending' }): Promise<{ id: string; as: 'applied' | 'pending'; remaining: string[] }>;
}

/** Opens a project folder (Node only). */
export function openProject(dir?: string, options?: { migrationsDir?: string; stateDir?: string; allowOutOfOrder?: boolean; rules?: Options['rules']; pgVersion?: string; target?: 'postgresql' | 'kimberlite' }): Project;

export { KmbError } from 'kimberlite-migration';
