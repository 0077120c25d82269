// Types of kimberlite-migration's Node entry: everything of the browser
// entry (index.d.ts), and where a project's parts are on disk.
export * from './index.js';
import type { Diagnostic, RuleSetting, Span, Report, ProjectInput } from './index.js';

/** An error with a stable code and a help text: what `kmb` prints instead of a stack trace. */
export class KmbError extends Error {
  constructor(code: string, message: string, extra?: { help?: string; exitCode?: number; diagnostics?: Diagnostic[]; database?: unknown });
  code: string;
  help?: string;
  exitCode: number;
  diagnostics?: Diagnostic[];
  database?: { sqlstate?: string; message: string; detail?: string; hint?: string; context?: string; file?: string; line?: number; column?: number };
  /** From `apply`: the migrations this run applied before it stopped. */
  applied?: { id: number; name: string; ms: number }[];
  /** From `rollback`: the migrations this run rolled back before it stopped. */
  rolledBack?: { id: number; name: string; ms: number }[];
}

/** The text of a file, or null when it does not exist. */
export function readText(path: string): string | null;

/** `.kimberlite/migrations`, where the lock and the tracker are. */
export const STATE_DIR: string;

/** This tool's settings in a project file. */
export interface ProjectConfig {
  directory: string | null;
  rules: Record<string, RuleSetting>;
  pgVersion: string | null;
  /** `[migrations] target`: what `lint` checks the SQL for. */
  target?: 'postgresql' | 'kimberlite' | null;
  /** `[database] bind_address` (Kimberlite's key): where its server listens. */
  bindAddress?: string | null;
  diagnostics: Diagnostic[];
}

/** The places of a project on disk. */
export interface ProjectLayout {
  root: string;
  config: ProjectConfig;
  migrationsDir: string;
  stateDir: string;
  lockPath: string;
  trackerPath: string;
  /** Where `kmb migration squash` keeps the files a squash replaced. */
  squashedDir: string;
}

/** The settings of `kimberlite.toml` in `root`; throws `KmbError` (`invalid-config`) when it cannot be used. */
export function projectConfig(root: string): ProjectConfig;
/** The places of the project in `root`; `migrationsDir` and `stateDir` override the project file and the defaults. */
export function projectLayout(root: string, options?: { migrationsDir?: string; stateDir?: string }): ProjectLayout;
/** The project whose migrations folder holds the file at `path`, or null when it is not a migration. */
export function projectOfFile(path: string): ProjectLayout | null;

/** The variable that names the native helper kmb-kimberlite's path. */
export const HELPER_ENV: 'KMB_KIMBERLITE_HELPER';
/** The helper's path ($KMB_KIMBERLITE_HELPER, else kmb-kimberlite on the PATH) when it runs, else null. */
export function findHelper(env?: Record<string, string | undefined>): string | null;
/** `findHelper()`, or a `KmbError` (`kimberlite-helper-missing`) that says `why` needs it and how to build it. */
export function requireHelper(why: string, env?: Record<string, string | undefined>): string;

/** A refusal from Kimberlite: its message, and where in the statement when it says. */
export interface HelperError {
  kind: 'parse' | 'execute' | 'connection' | 'panic' | 'request';
  message: string;
  line?: number;
  column?: number;
}
/** The helper's answer to one request. */
export type HelperAnswer = { ok: true; kind?: string; rowsAffected?: number; columns?: string[]; rows?: unknown[][] } | { ok: false; error: HelperError };
/** A running helper. */
export interface HelperSession {
  /** The Kimberlite release it was built against. */
  kimberlite: string;
  request(op: 'parse' | 'run' | 'execute' | 'query' | 'sync' | 'close', sql?: string): Promise<HelperAnswer>;
  close(): Promise<void>;
}
/** Starts the helper on `['--memory']`, `['--data', dir]`, `['--server', 'host:port']` or `['--parse-only']`. */
export function openHelper(helper: string, args: string[]): Promise<HelperSession>;
/** A statement as Kimberlite is sent it (without the comments before it), and the byte offset where that text starts. */
export function kimberliteText(statement: { text: string; span: Span }): { sql: string; start: number };
/**
 * Kimberlite's verdicts on the report's migrations, as `analyze`'s
 * `external` input: each Up statement parsed and run in order on an empty
 * database in memory, each Down statement parsed. `only`: the paths whose
 * verdicts are kept.
 */
export function kimberliteFindings(report: Report, options: { helper: string; only?: string[] }): Promise<NonNullable<ProjectInput['external']>>;
