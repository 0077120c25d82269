// Types of kimberlite-migration's Node entry: everything of the browser
// entry (index.d.ts), and where a project's parts are on disk.
export * from './index.js';
import type { Diagnostic, RuleSetting } from './index.js';

/** An error with a stable code and a help text: what `kmb` prints instead of a stack trace. */
export class KmbError extends Error {
  constructor(code: string, message: string, extra?: { help?: string; exitCode?: number; diagnostics?: Diagnostic[]; database?: unknown });
  code: string;
  help?: string;
  exitCode: number;
  diagnostics?: Diagnostic[];
  database?: { sqlstate?: string; message: string; detail?: string; hint?: string; context?: string; file?: string; line?: number; column?: number };
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
