// Apply of 1,000 small migrations (issue 14): kmb's whole run against the
// same SQL run directly, on PGlite and on a PostgreSQL server, side by side.
//
// The SQL baseline does what a run must do in the database and nothing
// else: open the database, then per migration BEGIN, its statements, one
// history row, COMMIT. kmb's overhead per migration is its step time minus
// the baseline's for the same migration; "flat" compares the first hundred
// with the last hundred.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const COUNT = 1000;

function project(dir) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'migrations'), { recursive: true });
  const migrations = [];
  for (let id = 1; id <= COUNT; id++) {
    const up = [`CREATE TABLE t${id} (id integer PRIMARY KEY, note text)`, `INSERT INTO t${id} VALUES (1, 'x')`];
    migrations.push(up);
    writeFileSync(join(dir, 'migrations', `${String(id).padStart(4, '0')}_table_${id}.sql`),
      `-- Migration: Table ${id}\n-- Up Migration\n${up.join(';\n')};\n-- Down Migration\nDROP TABLE t${id};\n`);
  }
  return migrations;
}

const HISTORY = 'CREATE TABLE public.h (id int8 PRIMARY KEY, name text, checksum text, applied_at text, seq int8)';

/** Runs the baseline on `db` (query(sql, params)); per-migration ms. */
async function baseline(db, migrations) {
  await db.query(HISTORY);
  const steps = [];
  for (const [index, up] of migrations.entries()) {
    const started = performance.now();
    await db.query('BEGIN');
    for (const statement of up) await db.query(statement);
    await db.query('INSERT INTO public.h VALUES ($1, $2, $3, $4, $1)', [index + 1, `Table ${index + 1}`, 'c', new Date().toISOString()]);
    await db.query('COMMIT');
    steps.push(performance.now() - started);
  }
  return steps;
}

const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;

/** Adds the rows for one database to `row`. */
function report(row, label, kmbMs, kmbSteps, sqlMs, sqlSteps) {
  const overhead = kmbSteps.map((ms, i) => ms - sqlSteps[i]);
  const first = mean(overhead.slice(0, 100));
  const last = mean(overhead.slice(-100));
  row(`apply ${COUNT} small migrations, ${label}: kmb ÷ SQL`, `${(kmbMs / sqlMs).toFixed(2)} (${(kmbMs / 1000).toFixed(1)} ÷ ${(sqlMs / 1000).toFixed(1)} s)`, '<= 1.2', kmbMs / sqlMs <= 1.2);
  // Flat: the last hundred cost at most 1 ms more each than the first (the
  // tracker and lock grow to 1,000 entries; a quadratic run grew by tens of ms).
  row(`— overhead per migration, first 100 → last 100`, `${first.toFixed(2)} → ${last.toFixed(2)} ms (${last - first >= 0 ? '+' : ''}${(last - first).toFixed(2)})`, 'flat (<= +1 ms)', last - first <= 1);
}

/** Runs kmb apply --json in `dir`; { ms, steps }. */
function kmbApply(cli, dir, args = []) {
  const started = performance.now();
  const run = spawnSync(process.execPath, [cli, 'migration', 'apply', '--json', ...args], { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 30 });
  const ms = performance.now() - started;
  if (run.status !== 0) throw new Error(`kmb apply failed: ${run.stderr.slice(0, 500)}`);
  const result = JSON.parse(run.stdout);
  return { ms, steps: result.applied.map((step) => step.ms) };
}

export async function applyRows(row, { root, cli }) {
  const dir = join(root, 'target', 'bench', 'apply1000');
  // PGlite: a new database folder each (initdb included on both sides).
  const migrations = project(dir);
  const { PGlite } = await import('@electric-sql/pglite');
  const sqlDir = join(dir, '.baseline-db');
  let started = performance.now();
  const lite = new PGlite(sqlDir);
  await lite.waitReady;
  const liteSteps = await baseline({ query: (sql, params) => lite.query(sql, params) }, migrations);
  await lite.close();
  const liteSql = performance.now() - started;
  rmSync(sqlDir, { recursive: true, force: true });
  const lite2 = kmbApply(cli, dir);
  report(row, 'PGlite', lite2.ms, lite2.steps, liteSql, liteSteps);

  // PostgreSQL: a throwaway server, one new database for each side.
  let server;
  try {
    const { startPostgres } = await import('../tests/js/postgres.mjs');
    server = await startPostgres();
  } catch (error) {
    row(`apply ${COUNT} small migrations, PostgreSQL`, `skipped: ${error.message.split('\n')[0]}`, '<= 1.2', undefined);
    return;
  }
  try {
    await server.query('CREATE DATABASE base');
    await server.query('CREATE DATABASE kmb');
    const { default: pg } = await import('pg');
    started = performance.now();
    const client = new pg.Client({ connectionString: server.urlFor('base') });
    await client.connect();
    const pgSteps = await baseline({ query: (sql, params) => client.query(sql, params) }, migrations);
    await client.end();
    const pgSql = performance.now() - started;
    project(dir);
    const run = kmbApply(cli, dir, ['--database', server.urlFor('kmb')]);
    report(row, 'PostgreSQL', run.ms, run.steps, pgSql, pgSteps);
  } finally {
    server.stop();
  }
}

// `node bench/apply.mjs`: these rows alone.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const row = (name, value, goal, met) => console.log(`  ${name.padEnd(52)} ${value.padEnd(30)} ${goal.padEnd(16)} ${met === undefined ? '' : met ? 'met' : 'MISSED'}`);
  await applyRows(row, { root, cli: join(root, 'packages', 'cli', 'cli.js') });
}
