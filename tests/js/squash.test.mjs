// `kmb migration squash` (issue 16): migrations 1..N replaced by one
// written from the schema they build, checked on scratch databases; the
// replaced files kept; the lock rewritten; databases that applied the
// replaced migrations adopt it; a new database applies it. On the
// embedded PGlite database and a PostgreSQL server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { kmb, jsonOf, projectOf } from './cli.mjs';
import { startPostgres } from './postgres.mjs';

let server;
before(async () => {
  server = await startPostgres();
});
after(() => server?.stop());

const MIGRATIONS = [
  ['0001_users.sql', "CREATE TYPE mood AS ENUM ('ok', 'sad');\nCREATE TABLE users (id BIGSERIAL PRIMARY KEY, email TEXT NOT NULL, feeling mood);", 'DROP TABLE users;\nDROP TYPE mood;'],
  ['0002_posts.sql', 'CREATE TABLE posts (id BIGINT PRIMARY KEY, author BIGINT NOT NULL REFERENCES users (id), body TEXT);\nCREATE INDEX posts_author ON posts (author);', 'DROP TABLE posts;'],
  ['0003_users_name.sql', "ALTER TABLE users ADD COLUMN name TEXT NOT NULL DEFAULT '';\nALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);", 'ALTER TABLE users DROP CONSTRAINT users_email_key;\nALTER TABLE users DROP COLUMN name;'],
  ['0004_posts_title.sql', 'ALTER TABLE posts ADD COLUMN title TEXT;', 'ALTER TABLE posts DROP COLUMN title;'],
];

const project = (migrations = MIGRATIONS) => projectOf(migrations, 'kmb-squash-');
const json = jsonOf;

for (const kind of ['pglite', 'postgres']) {
  test(`${kind}: squash --to 3, adopt on the database that applied 1..3, a new database applies the squash; both end with the same schema`, async () => {
    const dir = project();
    let old = [];
    let fresh = ['--database', join(dir, 'fresh-db')];
    if (kind === 'postgres') {
      await server.query('CREATE DATABASE squash_old');
      await server.query('CREATE DATABASE squash_new');
      old = ['--database', server.urlFor('squash_old')];
      fresh = ['--database', server.urlFor('squash_new')];
    }
    assert.equal(json(kmb(['apply', '--json', ...old, '--project', dir])).applied.length, 4);
    const before = json(kmb(['schema', '--json', ...old, '--project', dir]));

    // --dry-run writes nothing.
    const dry = kmb(['squash', '--to', '3', '--dry-run', '--project', dir]);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /^-- Migration: Squash of 1 to 3\n/);
    assert.match(dry.stdout, /-- kimberlite:squashes 1-3\n/);
    assert.equal(readdirSync(join(dir, 'migrations')).length, 4);

    const done = kmb(['squash', '--to', '3', '--project', dir]);
    assert.equal(done.code, 0, done.stderr);
    assert.match(done.stdout, /Migrations 1 to 3 squashed into .*0003_squash\.sql \(checked on two scratch databases: the same schema, and its Down undoes it as theirs do\)/);
    assert.deepEqual(readdirSync(join(dir, 'migrations')).sort(), ['0003_squash.sql', '0004_posts_title.sql']);
    const kept = join(dir, '.kimberlite', 'migrations', 'squashed');
    assert.deepEqual(readdirSync(kept).sort(), MIGRATIONS.slice(0, 3).map(([name]) => name));
    const text = readFileSync(join(dir, 'migrations', '0003_squash.sql'), 'utf8');
    // Its Down: the replaced Downs, last first.
    assert.ok(text.indexOf('From 0003_users_name.sql') < text.indexOf('From 0001_users.sql'), text);
    // The lock: the squash in place of 1..3.
    const lock = readFileSync(join(dir, '.kimberlite', 'migrations', '.lock'), 'utf8');
    assert.deepEqual([...lock.matchAll(/^id = (\d+)$/gm)].map((m) => Number(m[1])), [3, 4]);
    // The squash passes the default lint rules' errors.
    const lint = json(kmb(['lint', '--format', 'json', '--project', dir]));
    assert.deepEqual((lint.diagnostics ?? lint).filter((d) => d.severity === 'error'), []);

    // The database that applied 1..3 one by one: one finding, then adopt.
    const stale = kmb(['status', '--json', ...old, '--project', dir]);
    assert.equal(stale.code, 1);
    const staleReport = JSON.parse(stale.stdout);
    assert.deepEqual(staleReport.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code), ['squash-not-adopted']);
    assert.equal(kmb(['apply', ...old, '--project', dir]).code, 1);
    const { drift, ...adopted } = json(kmb(['squash', '--adopt', '--json', ...old, '--project', dir]));
    assert.deepEqual(adopted, { id: 3, adopted: true, removed: 2 });
    assert.deepEqual(drift, []);
    const status = json(kmb(['status', '--json', ...old, '--project', dir]));
    assert.deepEqual(status.migrations.map((m) => [m.id, m.status]), [[3, 'applied'], [4, 'applied']]);
    assert.equal(status.ok, true);
    // Adopting again changes nothing.
    assert.equal(json(kmb(['squash', '--adopt', '--json', ...old, '--project', dir])).adopted, false);
    // Nothing was run on it: the schema is as it was.
    assert.deepEqual(json(kmb(['schema', '--json', ...old, '--project', dir])), before);

    // A new database applies the squash and 4, and gets the same schema.
    assert.deepEqual(json(kmb(['apply', '--json', ...fresh, '--project', dir])).applied.map((m) => m.id), [3, 4]);
    assert.deepEqual(json(kmb(['schema', '--json', ...fresh, '--project', dir])), before);
    // And rolls the squash back to nothing.
    assert.equal(json(kmb(['rollback', '--steps', '2', '--json', ...fresh, '--project', dir])).rolledBack.length, 2);
    assert.deepEqual(json(kmb(['schema', '--json', ...fresh, '--project', dir])).tables, []);
  });
}

test('squash refuses, writing nothing, what its SQL cannot carry: rows, views, functions', () => {
  const dir = project([
    ...MIGRATIONS.slice(0, 2),
    ['0003_seed.sql', "INSERT INTO users (email) VALUES ('a@example.com');", "DELETE FROM users WHERE email = 'a@example.com';"],
    ['0004_view.sql', 'CREATE VIEW user_emails AS SELECT email FROM users;\nCREATE FUNCTION one() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;', 'DROP VIEW user_emails;\nDROP FUNCTION one();'],
  ]);
  const refused = kmb(['squash', '--to', '4', '--json', '--project', dir]);
  assert.equal(refused.code, 1);
  const { error } = JSON.parse(refused.stdout);
  assert.equal(error.code, 'squash-refused');
  assert.deepEqual(error.blockers.map((b) => b.object).sort(), ['function one', 'table users', 'view user_emails']);
  assert.match(error.blockers.find((b) => b.object === 'table users').reason, /holds 1 row the migrations inserted/);
  assert.equal(readdirSync(join(dir, 'migrations')).length, 4);
  assert.equal(existsSync(join(dir, '.kimberlite', 'migrations', 'squashed')), false);
  // Up to 2, before them: fine.
  assert.equal(kmb(['squash', '--to', '2', '--project', dir]).code, 0);
  assert.deepEqual(readdirSync(join(dir, 'migrations')).sort(), ['0002_squash.sql', '0003_seed.sql', '0004_view.sql']);
});

test('squash: a replaced migration without a Down makes a squash without one, and says why; usage errors', () => {
  const dir = project([MIGRATIONS[0], ['0002_posts.sql', MIGRATIONS[1][1], null], MIGRATIONS[2]]);
  const done = kmb(['squash', '--to', '3', '--project', dir]);
  assert.equal(done.code, 0, done.stderr);
  assert.match(done.stdout, /No Down section: migration 2 \(0002_posts\.sql\) cannot be rolled back/);
  const text = readFileSync(join(dir, 'migrations', '0003_squash.sql'), 'utf8');
  assert.doesNotMatch(text, /-- Down Migration/);
  assert.equal(json(kmb(['validate', '--json', '--project', dir])).ok, true);
  for (const args of [['squash'], ['squash', '--to', '3', '--adopt'], ['squash', '--to', 'x'], ['squash', '7', '--to', '3']]) {
    const wrong = kmb([...args, '--project', dir]);
    assert.equal(wrong.code, 2, args.join(' '));
  }
  const unknown = kmb(['squash', '--to', '9', '--project', dir]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /error\[unknown-migration\]: There is no migration 9/);
  const first = kmb(['squash', '--to', '3', '--project', dir]);
  assert.match(first.stderr, /error\[invalid-target\]: Migration 3 is the first one/);
});

test('squash --adopt refuses a database whose history does not match the squashed files, and one that stopped part way', () => {
  const dir = project();
  assert.equal(kmb(['apply', '--to', '2', '--project', dir]).code, 0);
  assert.equal(kmb(['squash', '--to', '3', '--project', dir]).code, 0);
  const partial = kmb(['squash', '--adopt', '--project', dir]);
  assert.equal(partial.code, 1);
  assert.match(partial.stderr, /has not applied migration 3, which the squash replaced; its history was left as it is/);
  const status = JSON.parse(kmb(['status', '--json', '--project', dir]).stdout);
  assert.match(status.diagnostics.find((d) => d.code === 'squash-not-adopted').help, /Apply the rest of them first/);
  // A squashed file edited after the fact no longer matches what was applied.
  const kept = join(dir, '.kimberlite', 'migrations', 'squashed', '0001_users.sql');
  writeFileSync(kept, readFileSync(kept, 'utf8').replace('TEXT NOT NULL', 'TEXT'));
  const other = project();
  assert.equal(kmb(['apply', '--to', '3', '--project', other]).code, 0);
  assert.equal(kmb(['squash', '--to', '3', '--project', other]).code, 0);
  const keptOther = join(other, '.kimberlite', 'migrations', 'squashed', '0002_posts.sql');
  writeFileSync(keptOther, readFileSync(keptOther, 'utf8').replace('body TEXT', 'body VARCHAR'));
  const mismatch = kmb(['squash', '--adopt', '--project', other]);
  assert.equal(mismatch.code, 1);
  assert.match(mismatch.stderr, /applied migration 2 with checksum [0-9a-f]{12}, but .*0002_posts\.sql has [0-9a-f]{12}; its history was left as it is/);
});
