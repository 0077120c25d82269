// Tries `kmb migration squash` on the real projects scripts/corpus converted
// into target/corpus (issue 16): for each, a copy in target/squash-corpus,
// a squash of every migration (--to the last), and when that is refused,
// what blocked it, by kind; then a squash up to the migration before the
// first blocking one, applied to a new database and compared with the
// schema the replaced migrations build (`kmb migration diff`).
// With --postgres, each written squash is also applied to a new database
// on a throwaway PostgreSQL server, whose schema must equal PGlite's.
// Usage: node scripts/squash-corpus.mjs [--postgres] [project...]
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const cli = join(root, 'packages', 'cli', 'cli.js');
const corpus = join(root, 'target', 'corpus');
const work = join(root, 'target', 'squash-corpus');
const kmb = (dir, ...args) => {
  const run = spawnSync(process.execPath, [cli, 'migration', ...args, '--json', '--project', dir], { encoding: 'utf8', maxBuffer: 1 << 28 });
  let value = null;
  try {
    value = JSON.parse(run.stdout);
  } catch {
    // Reported below with stderr.
  }
  return { code: run.status, value, stderr: run.stderr };
};
const args = process.argv.slice(2).filter((arg) => arg !== '--postgres');
const server = process.argv.includes('--postgres') ? await (await import('../tests/js/postgres.mjs')).startPostgres() : null;
/** The written squash applied to a new PostgreSQL database too: its schema against the PGlite one's. */
async function onPostgres(name, dir) {
  if (!server) return '';
  const database = `squash_${name.replace(/\W/g, '_')}`;
  await server.query(`CREATE DATABASE ${database}`);
  const applied = kmb(dir, 'apply', '--database', server.urlFor(database));
  const pg = kmb(dir, 'schema', '--database', server.urlFor(database)).value;
  const lite = kmb(dir, 'schema', '--database', join(dir, 'fresh-db')).value;
  const same = pg && JSON.stringify(pg) === JSON.stringify(lite);
  return `; on PostgreSQL ${applied.value?.applied?.length ?? `nothing (${applied.value?.error?.message})`} applied, schema ${same ? 'equal to' : 'DIFFERENT from'} PGlite's`;
}
const names = args.length ? args : existsSync(corpus) ? readdirSync(corpus).sort() : [];
if (names.length === 0) console.log('No projects: run scripts/corpus first.');
for (const name of names) {
  const dir = join(work, name);
  rmSync(dir, { recursive: true, force: true });
  cpSync(join(corpus, name), dir, { recursive: true });
  rmSync(join(dir, '.kimberlite'), { recursive: true, force: true });
  const ids = readdirSync(join(dir, 'migrations')).filter((f) => f.endsWith('.sql')).map((f) => Number(f.split('_')[0])).sort((a, b) => a - b);
  const last = ids[ids.length - 1];
  const started = Date.now();
  const all = kmb(dir, 'squash', '--to', String(last), '--dry-run');
  const ms = Date.now() - started;
  if (all.code === 0) {
    console.log(`${name}: ${ids.length} migrations squash into one (${all.value.text.length} bytes, Down: ${all.value.down ? 'yes' : `no, ${all.value.noDown}`}) in ${ms} ms`);
    // Checked apart from the squash's own checks: the schema the old files build, against a new database built from the squash.
    const before = kmb(dir, 'schema', '--at', String(last)).value;
    kmb(dir, 'squash', '--to', String(last));
    const applied = kmb(dir, 'apply', '--database', join(dir, 'fresh-db'));
    const after = kmb(dir, 'schema', '--database', join(dir, 'fresh-db')).value;
    const same = JSON.stringify(before) === JSON.stringify(after);
    console.log(`    written; a new database applied ${applied.value?.applied?.length ?? 'nothing'} migration(s); its schema ${same ? 'equals' : 'DIFFERS from'} the one the ${ids.length} files build (${before?.tables?.length} tables)${await onPostgres(name, dir)}`);
    continue;
  }
  const error = all.value?.error;
  if (!error?.blockers) {
    console.log(`${name}: refused (${error?.code ?? 'no JSON'}): ${error?.message ?? all.stderr.slice(0, 300)}`);
    // A migration that fails on the scratch database: squash below it.
    if (error?.code !== 'migration-failed') continue;
  } else {
    const kinds = {};
    for (const b of error.blockers) {
      const kind = b.reason.startsWith('it holds') ? 'rows' : b.object.split(' ')[0];
      kinds[kind] = (kinds[kind] ?? 0) + 1;
    }
    console.log(`${name}: ${ids.length} migrations, squash of all refused in ${ms} ms: ${error.blockers.length} blockers (${Object.entries(kinds).map(([k, n]) => `${k} ${n}`).join(', ')})`);
    for (const b of error.blockers.slice(0, 4)) console.log(`    ${b.object}: ${b.reason}`);
  }
  // The longest squash that works: the largest N below the first blocker, found by bisection.
  let low = ids[1];
  let high = last;
  let best = null;
  if (kmb(dir, 'squash', '--to', String(low), '--dry-run').code !== 0) {
    console.log('    no squash works, not even of the first two migrations');
    continue;
  }
  best = low;
  let why = null;
  while (ids.indexOf(high) - ids.indexOf(low) > 1) {
    const mid = ids[Math.floor((ids.indexOf(low) + ids.indexOf(high)) / 2)];
    const tried = kmb(dir, 'squash', '--to', String(mid), '--dry-run');
    if (tried.code === 0) low = best = mid;
    else {
      high = mid;
      const e = tried.value?.error;
      why = `--to ${mid}: ${e?.message ?? tried.stderr.slice(0, 200)}${e?.blockers ? ` (${e.blockers.slice(0, 3).map((b) => `${b.object}: ${b.reason}`).join('; ')})` : e?.help ? ` (${e.help.slice(0, 300)})` : ''}`;
    }
  }
  if (why) console.log(`    refused ${why}`);
  const written = kmb(dir, 'squash', '--to', String(best));
  if (written.code !== 0) {
    console.log(`    squash --to ${best} failed: ${written.value?.error?.message ?? written.stderr.slice(0, 300)}`);
    continue;
  }
  const applied = kmb(dir, 'apply', '--database', join(dir, 'fresh-db'));
  const count = applied.value?.applied?.length;
  console.log(`    squash --to ${best} (${ids.indexOf(best) + 1} of ${ids.length} migrations) written; a new database then applied ${count ?? `nothing (${applied.value?.error?.message ?? applied.stderr.slice(0, 300)})`}${count ? ` migrations, the squash first` : ''}${await onPostgres(name, dir)}`);
}
server?.stop();
