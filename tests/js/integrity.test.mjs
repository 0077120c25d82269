// Integrity under failure: kill -9 at random moments during apply, and four
// applies at once. Against a real PostgreSQL server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kmb, kmbAsync, readState } from './cli.mjs';
import { kmb as api } from './package.mjs';
import { startPostgres } from './postgres.mjs';

const RUNS = Number(process.env.KMB_CRASH_RUNS ?? 50);
const PGLITE_RUNS = Number(process.env.KMB_PGLITE_CRASH_RUNS ?? 10);
const MIGRATIONS = 20;

let server;
before(async () => {
  server = await startPostgres();
});
after(() => server?.stop());

/** A project of `count` migrations, each a table with rows and a short sleep. */
function makeProject(count, { sleep = 0.02 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'kmb-integrity-'));
  mkdirSync(join(dir, 'migrations'));
  for (let id = 1; id <= count; id++) {
    const name = `${String(id).padStart(4, '0')}_table_${id}.sql`;
    writeFileSync(join(dir, 'migrations', name),
      `-- Migration: Table ${id}\n-- Up Migration\nCREATE TABLE t${id} (id INT PRIMARY KEY);\nINSERT INTO t${id} SELECT generate_series(1, 200);\nSELECT pg_sleep(${sleep});\n\n-- Down Migration\nDROP TABLE t${id};\n`);
  }
  return dir;
}

const ids = (toml) => [...(toml ?? '').matchAll(/^id = (\d+)$/gm)].map((m) => Number(m[1]));

/** The state files parse (never torn) and are in the canonical shape. */
function assertStateFilesWhole(dir) {
  const lock = readState(dir, '.lock');
  const tracker = readState(dir, 'applied.toml');
  const report = api.analyze({ files: [], lock, tracker });
  const broken = report.diagnostics.filter((d) => d.code === 'invalid-lock' || d.code === 'invalid-tracker');
  assert.deepEqual(broken, [], `torn state file:\n${lock}\n---\n${tracker}`);
  for (const text of [lock, tracker]) if (text !== null) assert.ok(text.endsWith('\n'));
  return { lock: ids(lock), tracker: ids(tracker) };
}

/** What the database, its history and the state files say. */
async function agreement(kind, dir, database) {
  const historySql = 'SELECT id FROM kimberlite_migrations ORDER BY seq';
  const tablesSql = "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name ~ '^t[0-9]+$'";
  let query;
  let close = async () => {};
  if (kind === 'postgres') {
    query = (sql) => server.query(sql, database);
  } else {
    // Killed before the CLI made the database folder: nothing was applied.
    if (!existsSync(join(dir, '.kimberlite', 'dev-db'))) return { history: [], tables: [], counts: [], ...assertStateFilesWhole(dir) };
    const { PGlite } = await import('@electric-sql/pglite');
    const db = new PGlite(join(dir, '.kimberlite', 'dev-db'));
    query = async (sql) => (await db.query(sql)).rows;
    close = () => db.close();
  }
  try {
    const hasHistory = (await query("SELECT 1 FROM information_schema.tables WHERE table_name = 'kimberlite_migrations'")).length > 0;
    const history = hasHistory ? (await query(historySql)).map((r) => Number(r.id)) : [];
    const tables = (await query(tablesSql)).map((r) => Number(r.table_name.slice(1))).sort((a, b) => a - b);
    const counts = [];
    for (const id of tables) counts.push(Number((await query(`SELECT count(*) AS n FROM t${id}`))[0].n));
    return { history, tables, counts, ...assertStateFilesWhole(dir) };
  } finally {
    await close();
  }
}

/** Kills apply at random moments and checks that everything agrees. */
async function crashRuns(kind, runs) {
  const target = async (run) => {
    if (kind !== 'postgres') return [];
    await server.query(`CREATE DATABASE crash_${kind}_${run}`);
    return ['--database', server.urlFor(`crash_${kind}_${run}`)];
  };
  const outcomes = { beforeFirst: 0, midway: 0, afterLast: 0 };
  const all = Array.from({ length: MIGRATIONS }, (_, i) => i + 1);
  for (let run = 0; run < runs; run++) {
    const dir = makeProject(MIGRATIONS);
    const database = `crash_${kind}_${run}`;
    const args = await target(run);
    // applied.toml mirrors the server when the project names it.
    if (kind === 'postgres') writeFileSync(join(dir, 'kimberlite.toml'), `[migrations]\ntracker-database = "${server.urlFor(database)}"\n`);
    // Kill at a moment chosen by progress, not by the clock: after a random
    // number of migrations finished, a random few milliseconds into the next
    // one (inside its statements, its commit, or the state-file writes), and
    // now and then during start-up.
    const child = kmbAsync(['apply', ...args], { cwd: dir });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    const finishedBeforeKill = Math.floor(Math.random() * MIGRATIONS);
    let output = '';
    const moment = Math.random() < 0.1
      ? new Promise((resolve) => setTimeout(resolve, Math.random() * 300))
      : new Promise((resolve) => {
          child.stdout.on('data', (chunk) => {
            output += chunk;
            if ((output.match(/ \.\.\. ok/g) ?? []).length >= finishedBeforeKill && /Applying \d+ .*\.\.\. $/.test(output)) resolve();
          });
          exited.then(resolve);
        });
    await moment;
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 40));
    child.kill('SIGKILL');
    await exited;

    // Straight after the kill: no torn file; the schema and the history agree;
    // the tracker and the lock lag by at most the migration being recorded.
    const killed = await agreement(kind, dir, database);
    assert.deepEqual(killed.tables, killed.history, `run ${run}: tables and history differ right after the kill`);
    assert.ok(killed.counts.every((n) => n === 200), `run ${run}: a table is half filled`);
    assert.ok(killed.tracker.every((id) => killed.history.includes(id)), `run ${run}: the tracker lists an unapplied migration`);
    assert.ok(killed.lock.every((id) => killed.history.includes(id)), `run ${run}: the lock lists an unapplied migration`);
    if (killed.history.length === 0) outcomes.beforeFirst++;
    else if (killed.history.length === MIGRATIONS) outcomes.afterLast++;
    else outcomes.midway++;

    // status reports what the tracker lacks and writes nothing; the next
    // apply brings the tracker in line and finishes the job.
    const status = kmb(['status', '--json', ...args], { cwd: dir });
    assert.ok(status.code === 0 || status.code === 1, status.stderr);
    assert.deepEqual(ids(readState(dir, 'applied.toml')), killed.tracker, `run ${run}: status wrote the tracker`);
    const drift = JSON.parse(status.stdout).diagnostics.filter((d) => d.code === 'tracker-drift');
    assert.equal(drift.length, killed.history.length - killed.tracker.length, `run ${run}: ${JSON.stringify(drift)}`);
    const rerun = kmb(['apply', ...args], { cwd: dir });
    assert.equal(rerun.code, 0, `run ${run}: ${rerun.stdout}${rerun.stderr}`);
    const done = await agreement(kind, dir, database);
    assert.deepEqual(done.history, all);
    assert.deepEqual(done.tables, all);
    assert.deepEqual(done.tracker, all);
    assert.deepEqual(done.lock, all);
    assert.deepEqual(readdirSync(join(dir, '.kimberlite', 'migrations')).sort(), ['.lock', 'applied.toml']);
    rmSync(dir, { recursive: true, force: true });
    if (kind === 'postgres') await server.query(`DROP DATABASE ${database}`);
  }
  // The kills must land in the middle of applies, or the test proves little.
  console.log(`${kind}: kill moments ${JSON.stringify(outcomes)}`);
  assert.ok(outcomes.midway >= runs / 4, JSON.stringify(outcomes));
}

test(`kill -9 during apply on PostgreSQL, ${RUNS} times: schema, history, tracker and lock always agree`, () => crashRuns('postgres', RUNS));

test(`kill -9 during apply on PGlite, ${PGLITE_RUNS} times: its data folder survives and everything agrees`, () => crashRuns('pglite', PGLITE_RUNS));

test('four applies at once: each migration applied exactly once, losers told why', async () => {
  await server.query('CREATE DATABASE together');
  const target = ['--database', server.urlFor('together')];
  const first = makeProject(12, { sleep: 0.05 });
  const second = makeProject(12, { sleep: 0.05 }); // another checkout of the same project
  const runs = [first, first, second, second].map((dir) => {
    const child = kmbAsync(['apply', ...target], { cwd: dir });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
  });
  const results = await Promise.all(runs);
  const history = (await server.query('SELECT id, count(*) OVER (PARTITION BY id) AS n FROM kimberlite_migrations ORDER BY id', 'together'));
  assert.deepEqual(history.map((r) => Number(r.id)), Array.from({ length: 12 }, (_, i) => i + 1));
  assert.ok(history.every((r) => Number(r.n) === 1));
  const appliedLines = results.reduce((sum, r) => sum + (r.stdout.match(/ \.\.\. ok/g) ?? []).length, 0);
  assert.equal(appliedLines, 12);
  const losers = results.filter((r) => r.code !== 0);
  assert.ok(losers.length >= 1, 'no run lost the race');
  for (const loser of losers) {
    assert.equal(loser.code, 1);
    assert.match(loser.stderr, /error\[(run-locked|database-locked)\]: Another kmb run/);
    assert.match(loser.stderr, /help: Wait for/);
  }
  rmSync(first, { recursive: true, force: true });
  rmSync(second, { recursive: true, force: true });
});
