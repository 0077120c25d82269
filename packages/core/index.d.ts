// Types of the kimberlite-migration package: the same API in Node and browsers.

/** How serious a finding is. */
export type Severity = 'error' | 'warning' | 'info' | 'hint';

/** Every diagnostic code. Stable: extended, never renamed. */
export type Code =
  | 'invalid-filename' | 'nonstandard-id-width' | 'invalid-utf8' | 'bom'
  | 'invalid-created' | 'metadata-key-case' | 'unknown-directive'
  | 'duplicate-marker' | 'misplaced-marker' | 'empty-migration' | 'empty-down'
  | 'missing-down' | 'unterminated-string' | 'unterminated-comment'
  | 'unterminated-dollar-quote' | 'not-a-file' | 'unreadable-file' | 'file-too-large'
  | 'invalid-squash'
  | 'duplicate-id' | 'sequence-gap' | 'out-of-order'
  | 'invalid-lock' | 'unsupported-lock-version' | 'duplicate-lock-entry'
  | 'checksum-mismatch' | 'locked-file-missing' | 'lock-name-mismatch' | 'unlocked'
  | 'invalid-tracker' | 'duplicate-applied' | 'applied-modified' | 'applied-missing'
  | 'tracker-lock-mismatch' | 'tracker-drift' | 'squash-not-adopted'
  | 'transaction-control' | 'non-transactional-statement'
  | 'no-transaction-multiple-statements' | 'destructive-statement'
  | 'missing-semicolon' | 'psql-meta-command' | 'invisible-character'
  | 'require-concurrent-index-creation' | 'require-concurrent-index-deletion'
  | 'constraint-missing-not-valid' | 'adding-field-with-default'
  | 'adding-foreign-key-constraint' | 'changing-column-type'
  | 'adding-not-nullable-field' | 'adding-serial-primary-key-field'
  | 'disallowed-unique-constraint' | 'adding-required-field'
  | 'require-concurrent-partition-detach' | 'require-concurrent-reindex'
  | 'renaming-column' | 'renaming-table' | 'renaming-object'
  | 'ban-drop-database' | 'ban-truncate-cascade'
  | 'ban-create-domain-with-constraint'
  | 'ban-alter-domain-with-add-constraint' | 'identifier-too-long'
  | 'ban-duplicate-column-assignments' | 'unused-ignore' | 'syntax-error'
  | 'require-lock-timeout' | 'require-statement-timeout' | 'prefer-robust-stmts' | 'prefer-bigint-over-int'
  | 'prefer-bigint-over-smallint' | 'prefer-identity' | 'prefer-text-field' | 'prefer-timestamptz' | 'ban-char-field'
  | 'lint-skipped' | 'kimberlite-unsupported' | 'kimberlite-not-checked'
  | 'invalid-config' | 'invalid-name' | 'invalid-target' | 'unknown-code' | 'ignore-not-allowed';

/** UTF-8 byte offsets `[start, end)` into the input as given. */
export interface Span { start: number; end: number }

/** 0-based line and UTF-16 code unit offset (LSP). */
export interface Position { line: number; character: number }

/** An LSP range. */
export interface Range { start: Position; end: Position }

/** Another place that explains a diagnostic. */
export interface Related { file: string; range?: Range; message: string }

/** One finding, from any stage. */
export interface Diagnostic {
  code: Code;
  severity: Severity;
  /** One sentence; names the migration by id and file. */
  message: string;
  /** The path the caller gave for that input. */
  file: string;
  span?: Span;
  range?: Range;
  /** What to do about it. */
  help?: string;
  related?: Related[];
  /** A change to the same file that fixes it, when one is known (squawk's rules). */
  fix?: Fix;
}

/** Edits to a finding's file that fix it. */
export interface Fix {
  /** What it does, as an editor offers it. */
  title: string;
  /** Non-overlapping edits: replace `span`/`range` (empty: insert) with `text`. */
  edits: { span: Span; range: Range; text: string }[];
}

/** One SQL statement. */
export interface Statement {
  text: string;
  span: Span;
  range: Range;
  /** The first (up to four) unquoted words, uppercased. */
  keywords: string[];
  /** Whether it ends with `;`. */
  terminated: boolean;
}

export interface Directives {
  noTransaction: boolean;
  ignoreFile: Code[];
  /** `-- kimberlite:squashes 1-N`: N (this file's id), the last migration it replaced; else null. */
  squashes: number | null;
}

/** One file's migration (`parseMigration`). */
export interface Migration {
  id: number | null;
  /** What the lock records: the `Migration:` title, else the slug. */
  name: string;
  slug: string | null;
  path: string | null;
  fileName: string | null;
  title: string | null;
  created: string | null;
  author: string | null;
  /** Lowercase hex SHA-256 (Kimberlite-compatible); null for invalid UTF-8. */
  checksum: string | null;
  transactional: boolean;
  directives: Directives;
  up: Statement[];
  /** null when there is no Down marker (irreversible). */
  down: Statement[] | null;
  diagnostics: Diagnostic[];
}

export type Status = 'applied' | 'pending' | 'modified' | 'missing' | 'out-of-order';

/**
 * One migration of a report. File fields are null when the file is missing
 * (then `up` is empty). `up` and `down` are made the first time either is
 * read, by parsing that file's contents as they were passed to `analyze`,
 * then kept: ordinary enumerable properties for JSON, spreading,
 * `structuredClone` and assignment, but a report of 10 000 migrations costs
 * nothing for statements nobody reads.
 */
export interface ProjectMigration extends Omit<Migration, 'id' | 'diagnostics'> {
  id: number;
  status: Status;
  lockedChecksum: string | null;
  appliedAt: string | null;
  appliedBy: string | null;
}

export interface Summary {
  total: number; applied: number; pending: number; modified: number;
  missing: number; outOfOrder: number;
  errors: number; warnings: number; infos: number; hints: number;
}

/** `analyze`'s result. */
export interface Report {
  /** No error among the diagnostics. */
  ok: boolean;
  migrations: ProjectMigration[];
  diagnostics: Diagnostic[];
  summary: Summary;
}

/** A file of the migrations folder. */
export interface SourceFile { path: string; contents: Uint8Array | string }

/** A row of applied history (the tracker's or the database's). */
export interface AppliedRecord {
  id: number;
  name: string;
  checksum: string;
  /** RFC 3339. */
  appliedAt: string;
  appliedBy?: string | null;
}

export type RuleSetting = 'off' | Severity;

export interface Options {
  allowOutOfOrder?: boolean;
  /** Per code: turn it off or change its severity. */
  rules?: Partial<Record<Code, RuleSetting>>;
  /** The PostgreSQL version the migrations run on (`"16"`, `"15.4"`), as squawk's `--pg-version`; default 15. */
  pgVersion?: string;
  /**
   * The paths (as in `files`) whose lint rules run; absent: every file's.
   * The other files are still read for the project's findings and for the
   * schema the later ones are linted against (the language server lints
   * only the file being typed in).
   */
  lintOnly?: string[];
  /**
   * `false`: only the token rules run, not the ones that need squawk's
   * PostgreSQL parser (`codes()` marks them `parser: true`). kmb-lsp uses it
   * per keystroke in large files and runs the rest once typing pauses.
   */
  parserRules?: boolean;
  /**
   * `true`: keep what was parsed of the files before the first `lintOnly`
   * file (their findings, checksums and the schema they build), and reuse
   * it in the next call whose files before that one are the same bytes
   * with the same settings. The report is the same either way; an editor
   * typing in one migration of a large project pays for that file only.
   * The module keeps the last four such prefixes.
   */
  reuse?: boolean;
  /**
   * What the project targets (kimberlite.toml's `[migrations] target`):
   * `kimberlite` adds a `kimberlite-not-checked` info to a report made
   * without Kimberlite's own verdicts (`external`), which need the native
   * helper kmb-kimberlite: the Studio and the wasm core cannot ask it.
   */
  target?: 'postgresql' | 'kimberlite';
}

/** A whole project in one call. */
export interface ProjectInput {
  files: SourceFile[];
  /** The `.lock` text; null or absent when there is none. */
  lock?: string | null;
  /** The `applied.toml` text; null or absent when there is none. */
  tracker?: string | null;
  /** Default `.kimberlite/migrations/.lock`. */
  lockPath?: string;
  /** Default `.kimberlite/migrations/applied.toml`. */
  trackerPath?: string;
  /** The database's history, which wins over the tracker (`tracker-drift`). */
  history?: AppliedRecord[];
  options?: Options;
  /** `analyze` only: false leaves `up`/`down` empty, for callers that want findings only. Default true. */
  statements?: boolean;
  /** `.sql` entries of the migrations folder that could not be read as files: each is an error (the report is not `ok`). */
  unreadable?: { path: string; code: 'not-a-file' | 'unreadable-file' | 'file-too-large'; detail?: string }[];
  /**
   * Statements Kimberlite refused, as the native helper `kmb-kimberlite`
   * reported them (`kmb migration lint --target kimberlite`): each becomes a
   * `kimberlite-unsupported` finding at `span` (the statement), worded and
   * placed by the core, and ignore comments and rule settings apply to it.
   * `at`: the byte offset in the file where Kimberlite stopped reading.
   * `accepted`: Kimberlite read (and ran) it: no finding, and squawk's
   * `syntax-error` inside it is dropped (Kimberlite's own SQL).
   */
  external?: { path: string; span: Span; at?: number; detail?: string; stage: 'parse' | 'execute' | 'accepted'; down?: boolean }[];
}

/** One migration of a plan. */
export interface Step {
  id: number;
  name: string;
  path: string;
  checksum: string;
  transactional: boolean;
  statements: Statement[];
}

export interface Plan { ok: boolean; steps: Step[]; diagnostics: Diagnostic[] }

/** A new document text, or the diagnostics that refused it. */
export interface DocumentResult { ok: boolean; text: string | null; diagnostics: Diagnostic[] }

export interface Created {
  ok: boolean;
  id: number | null;
  fileName: string | null;
  text: string | null;
  diagnostics: Diagnostic[];
}

export interface CodeInfo {
  code: Code;
  group: 'file' | 'folder' | 'lock' | 'tracker' | 'lint' | 'call';
  severity: Severity;
  /** Whether an ignore comment or a run option may silence it: lint rules and
   * style findings only; integrity findings never. */
  silenceable: boolean;
  /** Runs only when the project turns it on with a level (`[migrations.lint.rules]`, `--rule`, `options.rules`). */
  optIn: boolean;
  /** For a lint rule: whether it reads Down sections as well as Up (else null). */
  down: boolean | null;
  /** For a lint rule: whether it needs squawk's parser (left out by `parserRules: false`), else null. */
  parser: boolean | null;
  summary: string;
}

/** An Error thrown for misuse of the API (wrong argument types). */
export interface UsageError extends Error { code: 'invalid-argument' | 'not-ready' }

/**
 * Loads the WebAssembly modules (browsers): the core from `module_or_path`,
 * and the lint module (squawk's parser and rules) from `lint`, each by
 * default the file next to the package's script; `lint: false` leaves the
 * lint module out (squawk's rules are then reported as `lint-skipped`).
 * Resolves at once in Node, where the lint module is loaded when lint first needs it.
 */
export function ready(input?: { module_or_path?: BufferSource | URL | string | Response | WebAssembly.Module; lint?: BufferSource | URL | string | Response | WebAssembly.Module | false }): Promise<void>;

/** Loads the lint module alone, after `ready({ lint: false })` (browsers); resolves at once in Node. */
export function readyLint(input?: BufferSource | URL | string | Response | WebAssembly.Module): Promise<void>;
/** Parses every file, checks the folder, the lock and the tracker, in one call. */
export function analyze(input: ProjectInput): Report;
/** The Kimberlite-compatible checksum; null when the contents are not UTF-8. */
export function checksum(contents: Uint8Array | string): string | null;
export function parseMigration(path: string, contents: Uint8Array | string): Migration;
export function splitStatements(sql: string): Statement[];
/** One file's own findings: file checks and lint rules (no lock, tracker or folder checks). */
export function lint(path: string, contents: Uint8Array | string, options?: { pgVersion?: string; rules?: Options['rules']; parserRules?: boolean }): Diagnostic[];
/** A template for a new migration's text (`migrationTemplates()` lists them). */
export type TemplateName = 'blank' | 'table' | 'index' | 'column' | 'data';
/** The next migration; `template` (default `blank`) gives its text SQL that passes every default lint rule as created. */
/** `target: 'kimberlite'`: the template's SQL written for Kimberlite (no CONCURRENTLY, no DROP INDEX, a primary key on every table). */
export function createMigration(input: { existing: string[]; name: string; created: string; author?: string | null; template?: TemplateName; target?: 'postgresql' | 'kimberlite' }): Created;
/** The templates `createMigration` takes, with what each writes. */
export function migrationTemplates(): { name: TemplateName; description: string }[];
/** The lock with the unlocked migrations (or only `ids`) added; refused while there are errors. */
export function updateLock(input: ProjectInput & { ids?: number[] }): DocumentResult;
export function recordApplied(input: { tracker: string | null; trackerPath?: string; entry: AppliedRecord }): DocumentResult;
/** The tracker for a whole history in one call: the text `recordApplied` writes entry by entry into an empty tracker, each entry checked the same way. */
export function writeHistory(input: { trackerPath?: string; entries: AppliedRecord[] }): DocumentResult;

/**
 * The lock with `entries` added, reading the lock only (not the project):
 * an entry already locked with the same name and checksum is kept; one
 * locked with another is refused (`checksum-mismatch`).
 */
/**
 * One lock entry and one tracker entry, as the whole files are written:
 * appended to files in the form the core writes (the tracker's after a
 * blank line), they give what it would write for all of them.
 */
export function stateEntryTexts(input: { lock?: { id: number; name: string; checksum: string }; applied?: AppliedRecord }): { lock?: string; tracker?: string };

export function addToLock(input: { lock: string | null; lockPath?: string; entries: { id: number; name: string; checksum: string }[] }): DocumentResult;
/** The lock after a squash: entries 1..`squash.id` replaced by the squash's (`kmb migration squash`). */
export function squashLock(input: { lock: string | null; lockPath?: string; squash: { id: number; name: string; checksum: string } }): DocumentResult;
export function removeApplied(input: { tracker: string | null; trackerPath?: string; id: number }): DocumentResult;
export function planApply(input: ProjectInput & { to?: number }): Plan;
export function planRollback(input: ProjectInput & ({ steps?: number; to?: never } | { to: number; steps?: never })): Plan;
/**
 * Gives the core's WebAssembly memory back when it holds more than `above`
 * bytes (default 64 MiB): the memory only grows, so after one large input
 * it would stay that size. A fresh instance takes its place; false when
 * nothing was done (under the size, or inside a call). With `mostlyFree`,
 * only when at most a quarter of the memory is in use (what the core keeps
 * between calls, such as `reuse`'s parse of unchanged files, is then small):
 * a caller may ask after every large call.
 */
export function releaseMemory(above?: number, options?: { mostlyFree?: boolean }): boolean;
export function codes(): CodeInfo[];
export function version(): string;

/**
 * The extensions the embedded database (PGlite) ships, by the name
 * `CREATE EXTENSION` takes (`uuid-ossp`, `pgcrypto`, ...).
 */
export const PGLITE_EXTENSIONS: readonly string[];

/**
 * The extensions `texts` (migration SQL) create with `CREATE EXTENSION`,
 * sorted; the embedded database loads those PGlite ships.
 */
export function extensionsIn(texts: Iterable<string>): string[];

/** The extensions PGlite ships that the statements of a plan's steps create. */
export function pgliteExtensionsOf(steps: readonly Step[]): string[];
/** The extensions PGlite ships that `texts` (SQL) create. */
export function pgliteExtensionsIn(texts: readonly string[]): string[];
/** PGlite's contrib module (and export) for an extension: `uuid-ossp` is `uuid_ossp`. */
export function pgliteModuleOf(name: string): string;
/** The extension a database error says is missing, when PGlite does not ship it; else null. */
export function missingExtension(message: string | undefined): string | null;
/**
 * This tool's settings in a project file (`kimberlite.toml`, Kimberlite's
 * own): `[migrations] directory` and `[migrations.lint.rules]` (`code =
 * "off" | "error" | "warning" | "info" | "hint"`). `diagnostics` lists what
 * is wrong in them (`invalid-config`), each at its place; `path` names the
 * file in them.
 */
export function readConfig(path: string, text: string): { directory: string | null; rules: Record<string, string>; pgVersion: string | null; historyTable: { schema: string; table: string } | null; trackerDatabase: string | null; target: 'postgresql' | 'kimberlite' | null; bindAddress: string | null; diagnostics: Diagnostic[] };

/**
 * The edits that silence a finding of `code` at `position` with an ignore
 * comment: `statement` puts `-- kimberlite:ignore <code>` above the first
 * line of the statement the finding is in (moving a statement that shares
 * its line onto its own), `file` puts `-- kimberlite:ignore-file <code>` at
 * the top. Null when no comment silences `code`.
 */
export function ignoreFixes(text: string, code: Code, position: Position): { statement: Fix; file: Fix } | null;

/** A database as `runStep` needs it: statements, and transactions for transactional steps. */
export interface StepExecutor {
  query(sql: string, params?: unknown[]): Promise<unknown>;
  transaction<T>(fn: (tx: Pick<StepExecutor, 'query'>) => Promise<T>): Promise<T>;
}

/**
 * Runs one step of a plan: its statements in order, in one transaction when
 * the step is transactional. `after` runs after the last statement (in the
 * same transaction, for a transactional step), `before` first (for a step
 * that is not). A failing statement is attached to the error as `statement`.
 */
export function runStep<T = void>(db: StepExecutor, step: Step, hooks?: {
  statement?: (handle: Pick<StepExecutor, 'query'>, step: Step, statement: Statement) => Promise<void>;
  before?: (db: StepExecutor) => Promise<unknown>;
  after?: (handle: Pick<StepExecutor, 'query'>) => Promise<T>;
}): Promise<T | undefined>;
/** `handle.query(statement.text)`, the failing statement attached to the error. */
export function runStatement(handle: Pick<StepExecutor, 'query'>, step: Step, statement: Statement): Promise<void>;

/** The shallowest `kimberlite.toml` among relative paths, or null. */
export function projectFileIn(paths: readonly string[]): string | null;
/**
 * Where the project is among the relative paths of an opened folder (the
 * Studio's): its root, its migration files, its lock and tracker (or null).
 * `directory` is the project file's `[migrations] directory`, if any.
 */
export function layoutOfPaths(paths: readonly string[], directory?: string | null): { root: string; migrations: string[]; lock: string | null; tracker: string | null };
/** The project file's name, `kimberlite.toml`. */
export const PROJECT_FILE: 'kimberlite.toml';
/** The settings of a project without a project file (`readConfig`'s shape). */
export const NO_CONFIG: Readonly<{ directory: null; rules: Record<string, never>; pgVersion: null; historyTable: null; trackerDatabase: null; target: null; bindAddress: null; diagnostics: [] }>;

/** A table as read from a database's catalogs. */
export interface SchemaTable {
  /** `name`, or `schema.name` outside `public`. */
  name: string;
  columns: { name: string; type: string; nullable: boolean; default: string | null }[];
  /** Indexes other than those behind a primary key, unique or exclusion constraint. */
  indexes: { name: string; definition: string; unique: boolean; valid: boolean }[];
  constraints: { name: string; kind: 'primary key' | 'unique' | 'check' | 'foreign key' | 'exclusion'; definition: string; validated: boolean }[];
  /** Its triggers (not a constraint's own), each as pg_get_triggerdef writes it. */
  triggers: { name: string; definition: string }[];
}
/** A sequence (not an identity column's, not an extension's); numbers as text (they may pass 2^53). */
export interface SchemaSequence {
  name: string;
  type: 'smallint' | 'integer' | 'bigint';
  start: string;
  increment: string;
  min: string;
  max: string;
  cache: string;
  cycle: boolean;
  /** The column that owns it (a `serial`'s), dropped with it; else null. */
  ownedBy: { table: string; column: string } | null;
}
/** A function or procedure (not an aggregate, not an extension's). */
export interface SchemaRoutine {
  /** `name(argument types)`, `schema.` before it outside `public`. */
  name: string;
  kind: 'function' | 'procedure';
  /** Its CREATE OR REPLACE, as pg_get_functiondef writes it. */
  definition: string;
  /** Its signature names a table's row type, or its body is parsed when made (BEGIN ATOMIC): made after the tables. */
  afterTables: boolean;
  /** Its signature names a view's row type: made after the views. */
  afterViews: boolean;
}
/** A view or a materialized view. */
export interface SchemaView {
  name: string;
  /** Its SELECT, as pg_get_viewdef writes it. */
  definition: string;
  /** Its options (`security_barrier=true`, `check_option=local`, ...). */
  options: string[];
  materialized: boolean;
  /** False for a materialized view made WITH NO DATA and not refreshed since. */
  populated: boolean;
  /** A materialized view's indexes. */
  indexes: SchemaTable['indexes'];
}
export interface Schema {
  /** Extensions created (plpgsql aside). */
  extensions: string[];
  /** Enum types, with their labels in order. */
  enums: { name: string; labels: string[] }[];
  tables: SchemaTable[];
  sequences: SchemaSequence[];
  functions: SchemaRoutine[];
  /** In the order they were made. */
  views: SchemaView[];
}

/** What changed in one kind of object: added, removed, and changed (with both versions). */
export interface Changes<T extends { name: string }> { added: T[]; removed: T[]; changed: { name: string; from: T; to: T }[] }
export interface SchemaDiff {
  same: boolean;
  added: SchemaTable[];
  removed: SchemaTable[];
  changed: { name: string; columns: Changes<SchemaTable['columns'][number]>; indexes: Changes<SchemaTable['indexes'][number]>; constraints: Changes<SchemaTable['constraints'][number]>; triggers: Changes<SchemaTable['triggers'][number]> }[];
  sequences: Changes<SchemaSequence>;
  functions: Changes<SchemaRoutine>;
  views: Changes<SchemaView>;
}

/** The tables of the database `db` is connected to, from its catalogs; `exclude` leaves tables out (default: the history table). */
export function readSchema(db: { query(sql: string): Promise<{ rows: Record<string, unknown>[] }> }, options?: { exclude?: string[] }): Promise<Schema>;
/** A name as SQL writes it: bare when PostgreSQL reads it back the same (lower case, not a reserved word), else quoted. */
export function quoteIdent(name: string): string;
/** The schema after each migration of `ids`, from one database `steps` are run on once, as far as the highest id. */
export function schemasAfter(db: StepExecutor, steps: Step[], ids: number[], options?: Parameters<typeof runStep>[2]): Promise<Schema[]>;
/** What changed from schema `a` to schema `b`, object by object. */
export function diffSchemas(a: Schema, b: Schema): SchemaDiff;
/** One column as CREATE TABLE writes it: name, type, NOT NULL, DEFAULT. */
export function columnSql(column: SchemaTable['columns'][number]): string;
/** A constraint as a line (`primary key users_pkey: PRIMARY KEY (id)`), NOT VALID marked. */
export function constraintText(constraint: SchemaTable['constraints'][number]): string;
/** An index as a line: its definition, INVALID marked. */
export function indexText(index: SchemaTable['indexes'][number]): string;
/** A diff as lines (the wording the CLI and the Studio share); a changed table's lines carry its name in `table`. */
export function diffLines(diff: SchemaDiff): { sign: '+' | '-' | '~'; text: string; table: string | null }[];
/** A schema as SQL: types, sequences, functions defaults may call, CREATE TABLE with columns and constraints, indexes, foreign keys, then the other functions, views and triggers. */
export function schemaSql(schema: Schema, data?: SchemaRows | null): string;
/** Statements for one migration's Up and Down sections. */
export interface GeneratedPart { up: string[]; down: string[] }
/**
 * The migrations that make the changes of `diff` that are safe to write:
 * tables, nullable (or defaulted) columns, constraints NOT VALID then
 * validated, indexes CONCURRENTLY one per no-transaction migration; the
 * rest refused, each with its reason.
 */
export function migrationsFromDiff(diff: SchemaDiff): { main: GeneratedPart; indexes: GeneratedPart[]; validate: GeneratedPart; refused: { object: string; reason: string }[] };
/** The migration files `migrationsFromDiff(diff)` makes (`kmb migration diff --generate`, the Studio): each file's name and text, and what was refused. */
export function generatedMigrations(input: { diff: SchemaDiff; name: string; existing: string[]; created?: string | null; author?: string | null; create: typeof createMigration }): { files: { fileName: string; text: string }[]; refused: { object: string; reason: string }[]; error?: Diagnostic };
/** What `schemaSql` would not carry from this database (rows, materialized views, aggregates, policies, ...): `[{ object, reason }]`. */
export function squashBlockers(db: { query(sql: string): Promise<{ rows: Record<string, unknown>[] }> }, options?: { exclude?: string[] }): Promise<{ object: string; reason: string }[]>;
/** The text of a squash migration `id` standing for 1..id (`kmb migration squash`). */
export function squashText(input: { id: number; created?: string | null; author?: string | null; up: string; down?: string | null; noDown?: string | null; keptIn?: string }): string;
/** The most rows of one table a squash carries. */
export const SQUASH_ROWS: number;
/** The rows migrations left, table by table (as JSON, a row a line), and where the sequences column defaults draw from stand. */
export interface SchemaRows { tables: { name: string; count: number; rows: string }[]; sequences: { name: string; value: string }[] }
/** The rows in the tables of `schema` (those with at most SQUASH_ROWS), and the sequences' states. */
export function readRows(db: { query(sql: string): Promise<{ rows: Record<string, unknown>[] }> }, schema: Schema): Promise<SchemaRows>;
/** `readRows`' answer as statements: one INSERT ... json_populate_recordset a table, then setval a sequence. */
export function rowsSql(data: SchemaRows): string[];
/** `buildSquash`'s answer: the squash's text, or why there is none (nothing was written either way). */
export type SquashBuilt =
  | { ok: true; id: number; fileName: string; text: string; parsed: Migration; replaced: { id: number; fileName: string; path: string }[]; down: boolean; noDown: string | null }
  | { ok: false; code: 'refused' | 'unknown-migration' | 'invalid-target' | 'squash-refused'; message: string; help: string; blockers?: { object: string; reason: string }[]; diagnostics?: Diagnostic[] };
/**
 * Builds the squash of migrations 1..`to` and checks it on two new
 * databases from `open` (`kmb migration squash`, the Studio's download):
 * the same schema, and its Down leaves what the replaced Downs leave.
 */
export function buildSquash(input: {
  report: Report;
  steps: Step[];
  contents: Map<string, Uint8Array>;
  to: number;
  open(steps: Step[]): Promise<StepExecutor & { close(): Promise<void> }>;
  parse(path: string, contents: string): Migration;
  runOptions?(db: StepExecutor): Parameters<typeof runStep>[2];
  migrationsDir?: string;
  keptIn?: string;
  created?: string | null;
  author?: string | null;
}): Promise<SquashBuilt>;
