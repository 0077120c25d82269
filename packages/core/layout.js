// Where a project's parts are on disk (Node only): the one answer the CLI,
// the language server and the Node API share. A project is a folder; its
// migrations are in `[migrations] directory` of its `kimberlite.toml`
// (Kimberlite's own project file), `migrations` by default; its lock and
// tracker in `.kimberlite/migrations/`.
import { readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { readConfig } from './core.js';
import { LOCK_FILE, MIGRATIONS_DIR, NO_CONFIG, PROJECT_FILE, STATE_DIR, TRACKER_FILE } from './paths.js';

export { PROJECT_FILE, STATE_DIR };

/**
 * An error with a stable code, a one-line message and a `help` that says
 * what to do: what the CLI prints instead of a stack trace.
 */
export class KmbError extends Error {
  constructor(code, message, { help, exitCode = 1, diagnostics, database } = {}) {
    super(message);
    this.code = code;
    this.help = help;
    this.exitCode = exitCode;
    this.diagnostics = diagnostics;
    /** The database's own error: { sqlstate, message, detail, hint, context, file, line, column }. */
    this.database = database;
  }
}

/** The text of a file, or null when it does not exist. */
export function readText(path) {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if (error.code === 'ENOENT') return null;
    throw error;
  }
}

/**
 * The settings of `kimberlite.toml` in `root`, as `readConfig` gives them;
 * the empty settings when there is no such file. A file that cannot be read,
 * or anything wrong in this tool's part of it, is `invalid-config`, with
 * each place in `diagnostics`.
 */
export function projectConfig(root) {
  const path = join(root, PROJECT_FILE);
  let text;
  try {
    if (!statSync(path).isFile()) throw Object.assign(new Error('not a regular file'), { code: 'EISDIR' });
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return NO_CONFIG;
    throw new KmbError('invalid-config', `The project file ${path} cannot be read (${error.code === 'EACCES' ? 'permission denied' : error.message}).`, {
      help: 'Make it a file you may read, or remove it.',
    });
  }
  const config = readConfig(PROJECT_FILE, text);
  if (config.diagnostics.length > 0) {
    const errors = config.diagnostics.length;
    throw new KmbError('invalid-config', `The project file ${PROJECT_FILE} has ${errors} problem${errors === 1 ? '' : 's'}; nothing was done.`, {
      help: 'Fix the settings it names (see docs/decisions.md, "Project file").',
      diagnostics: config.diagnostics,
    });
  }
  return config;
}

/**
 * The places of the project in `root`: `{ root, config, migrationsDir,
 * stateDir, lockPath, trackerPath, squashedDir }` (`squashedDir`: where
 * `kmb migration squash` keeps the files a squash replaced). `options.migrationsDir` and
 * `options.stateDir` override the project file and the defaults.
 */
export function projectLayout(root, options = {}) {
  root = resolve(root);
  const config = options.config ?? projectConfig(root);
  const migrationsDir = resolve(root, options.migrationsDir ?? config.directory ?? MIGRATIONS_DIR);
  const stateDir = resolve(root, options.stateDir ?? STATE_DIR);
  return { root, config, migrationsDir, stateDir, lockPath: join(stateDir, LOCK_FILE), trackerPath: join(stateDir, TRACKER_FILE), squashedDir: join(stateDir, 'squashed') };
}

/**
 * The project whose migrations folder holds the file at `path`, as
 * `projectLayout` gives it, or null when the file is not a migration:
 * the nearest folder above it with a `kimberlite.toml` whose migrations
 * folder is the file's; else, for a file in a folder named `migrations`, the
 * folder above it. A project file that cannot be used counts as absent
 * here (an editor shows its problems on the file itself).
 */
export function projectOfFile(path) {
  const folder = dirname(resolve(path));
  for (let dir = folder; ; dir = dirname(dir)) {
    let config;
    try {
      config = projectConfig(dir);
    } catch {
      break;
    }
    if (config !== NO_CONFIG) {
      const layout = projectLayout(dir, { config });
      return layout.migrationsDir === folder ? layout : null;
    }
    if (dirname(dir) === dir) break;
  }
  if (basename(folder) !== MIGRATIONS_DIR) return null;
  return projectLayout(dirname(folder), { config: NO_CONFIG });
}
