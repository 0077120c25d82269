// Which folders of a workspace are Kimberlite projects, so the extension
// starts its server there and nowhere else. A golang-migrate, Flyway, sqlx
// or dbmate project is not one: their files are named differently.

/** A Kimberlite migration file name: `<4 digits>_<slug>.sql` (SPEC §3.1). */
const KIMBERLITE_FILE = /^\d{4}_[A-Za-z0-9_-]+\.sql$/;

/** What marks a project, as globs relative to a workspace folder (also the activation events). */
const MARKERS = [
  '**/kimberlite.toml',
  '**/.kimberlite/migrations/*',
  '**/migrations/[0-9][0-9][0-9][0-9]_*.sql',
];

/** Folders never searched: installed packages and build output. */
const EXCLUDE = '{**/node_modules/**,**/target/**,**/.git/**}';

/** The folder of a path (forward slashes). */
const folderOf = (path) => path.slice(0, path.lastIndexOf('/')) || '/';

/**
 * The project root a marker file stands for: the folder of `kimberlite.toml`,
 * the folder above `.kimberlite/`, or the folder above `migrations/` when the
 * file is named as Kimberlite names migrations; null for a file that only
 * looked like one (`0001_create.up.sql` of golang-migrate).
 */
function rootOf(path) {
  const name = path.slice(path.lastIndexOf('/') + 1);
  if (name === 'kimberlite.toml') return folderOf(path);
  const marker = path.lastIndexOf('/.kimberlite/migrations/');
  if (marker >= 0) return path.slice(0, marker) || '/';
  if (KIMBERLITE_FILE.test(name) && folderOf(path).endsWith('/migrations')) return folderOf(folderOf(path));
  return null;
}

/**
 * The Kimberlite project roots under the workspace, found with
 * `findFiles(glob, exclude, limit)` (vscode.workspace.findFiles, or a stand-in
 * in tests) that resolves to absolute paths. Nested roots are kept once, at
 * the outermost.
 */
async function findProjects(findFiles) {
  const roots = new Set();
  for (const glob of MARKERS) {
    for (const path of await findFiles(glob, EXCLUDE, 200)) {
      const root = rootOf(path.replace(/\\/g, '/'));
      if (root) roots.add(root);
    }
  }
  const sorted = [...roots].sort();
  return sorted.filter((root) => !sorted.some((other) => other !== root && root.startsWith(`${other}/`)));
}

/** The documents the server is given: SQL files on disk inside a project. */
function documentSelector(roots) {
  return roots.map((root) => ({ scheme: 'file', language: 'sql', pattern: `${root}/**/*.sql` }));
}

module.exports = { findProjects, documentSelector };
