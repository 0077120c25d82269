// A project's layout as relative paths, without a file system: the names
// (the defaults of SPEC §2 and kimberlite.toml), and where the migrations
// folder, the lock and the tracker are among the paths of a folder someone
// opened (the Studio's). layout.js gives the same answer from the disk.

/** The project file, Kimberlite's own. */
export const PROJECT_FILE = 'kimberlite.toml';
/** The migrations folder when the project file does not name one. */
export const MIGRATIONS_DIR = 'migrations';
/** The state folder, with the lock and the tracker. */
export const STATE_DIR = '.kimberlite/migrations';
export const LOCK_FILE = '.lock';
export const TRACKER_FILE = 'applied.toml';
/** The settings of a project without a project file. */
export const NO_CONFIG = Object.freeze({ directory: null, rules: {}, pgVersion: null, historyTable: null, trackerDatabase: null, target: null, bindAddress: null, diagnostics: [] });

const segments = (path) => path.split('/').filter(Boolean);
const folderOf = (path) => segments(path).slice(0, -1).join('/');
const join = (...parts) => segments(parts.filter(Boolean).join('/')).join('/');

/** The shallowest `kimberlite.toml` among `paths`, or null: the one whose settings apply. */
export function projectFileIn(paths) {
  const found = paths.filter((path) => segments(path).at(-1) === PROJECT_FILE);
  if (found.length === 0) return null;
  return found.reduce((best, path) => (segments(path).length < segments(best).length ? path : best));
}

/**
 * Where the project is among `paths` (relative, `/`-separated): `{ root,
 * migrations, lock, tracker }`, `migrations` being the paths of its
 * migration files and `lock`/`tracker` the paths of its state files (or
 * null). `directory` is the project file's `[migrations] directory`, if
 * any (the project file is `projectFileIn(paths)`). Without one, the
 * shallowest folder named `migrations` holds the migrations; without that,
 * the shallowest `.sql` files do. `.sql` files under `.kimberlite/` are
 * never migrations.
 */
export function layoutOfPaths(paths, directory = null) {
  const sql = paths.filter((path) => path.endsWith('.sql') && !segments(path).includes('.kimberlite'));
  const projectFile = projectFileIn(paths);
  let root = '';
  let folder = null;
  if (projectFile !== null && directory) {
    root = folderOf(projectFile);
    folder = join(root, directory);
  } else {
    const named = sql.filter((path) => segments(path).at(-2) === MIGRATIONS_DIR);
    const pool = named.length > 0 ? named : sql;
    if (pool.length > 0) {
      const shallowest = pool.reduce((best, path) => (segments(path).length < segments(best).length ? path : best));
      folder = folderOf(shallowest);
      root = named.length > 0 ? folderOf(folder) : folder;
    } else if (projectFile !== null) {
      root = folderOf(projectFile);
    }
  }
  const migrations = folder === null ? [] : sql.filter((path) => folderOf(path) === folder);
  const state = (name) => paths.find((path) => join(path) === join(root, STATE_DIR, name))
    ?? paths.find((path) => segments(path).at(-1) === name)
    ?? null;
  return { root, migrations, lock: state(LOCK_FILE), tracker: state(TRACKER_FILE) };
}
