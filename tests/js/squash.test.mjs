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

test('squash refuses, writing nothing, what its SQL cannot carry: rules, aggregates', () => {
  const dir = project([
    ...MIGRATIONS.slice(0, 2),
    ['0003_seed.sql', "INSERT INTO users (email) VALUES ('a@example.com');", "DELETE FROM users WHERE email = 'a@example.com';"],
    ['0004_view.sql', 'CREATE RULE users_kept AS ON DELETE TO users DO INSTEAD NOTHING;\nCREATE AGGREGATE longest (text) (SFUNC = textcat, STYPE = text);', 'DROP RULE users_kept ON users;\nDROP AGGREGATE longest (text);'],
  ]);
  const refused = kmb(['squash', '--to', '4', '--json', '--project', dir]);
  assert.equal(refused.code, 1, refused.stderr);
  const { error } = JSON.parse(refused.stdout);
  assert.equal(error.code, 'squash-refused');
  assert.deepEqual(error.blockers.map((b) => b.object).sort(), ['aggregate longest', 'rule users_kept on users']);
  assert.equal(readdirSync(join(dir, 'migrations')).length, 4);
  assert.equal(existsSync(join(dir, '.kimberlite', 'migrations', 'squashed')), false);
  // Up to 2, before them: fine.
  assert.equal(kmb(['squash', '--to', '2', '--project', dir]).code, 0);
  assert.deepEqual(readdirSync(join(dir, 'migrations')).sort(), ['0002_squash.sql', '0003_seed.sql', '0004_view.sql']);
});

for (const kind of ['pglite', 'postgres']) {
  test(`${kind}: squash carries rows, sequences (where they stand, their settings, their owner), views and materialized views (with their indexes), functions (one a default calls, one whose body is parsed when made), procedures and triggers; a new database built from it behaves the same`, async () => {
    const dir = project([
      ...MIGRATIONS.slice(0, 2),
      ['0003_code.sql', [
        'CREATE FUNCTION new_code() RETURNS text LANGUAGE sql AS $$ SELECT md5(random()::text) $$;',
        "ALTER TABLE users ADD COLUMN code TEXT NOT NULL DEFAULT new_code();",
        'CREATE FUNCTION post_count(u BIGINT) RETURNS BIGINT LANGUAGE sql STABLE BEGIN ATOMIC SELECT count(*) FROM posts WHERE author = u; END;',
        'CREATE FUNCTION authors() RETURNS SETOF users LANGUAGE sql AS $$ SELECT * FROM users WHERE id IN (SELECT author FROM posts) $$;',
        'CREATE PROCEDURE forget(u BIGINT) LANGUAGE plpgsql AS $$ BEGIN DELETE FROM posts WHERE author = u; END $$;',
        'CREATE FUNCTION shout() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.body := upper(NEW.body); RETURN NEW; END $$;',
        'CREATE TRIGGER posts_shout BEFORE INSERT ON posts FOR EACH ROW EXECUTE FUNCTION shout();',
        'CREATE VIEW "user" WITH (security_barrier) AS SELECT id, email FROM users;',
        'CREATE VIEW busy AS SELECT id, post_count(id) AS posts FROM "user";',
        'CREATE MATERIALIZED VIEW post_counts AS SELECT author, count(*) AS n FROM posts GROUP BY author;',
        'CREATE UNIQUE INDEX post_counts_author ON post_counts (author);',
        'CREATE MATERIALIZED VIEW later AS SELECT 1 AS one WITH NO DATA;',
        "INSERT INTO users (email, feeling) VALUES ('a@example.com', 'ok'), ('it''s $rows$ \\ \u00e9', NULL);",
        "INSERT INTO posts (id, author, body) VALUES (1, 1, 'hi');",
        "CREATE SEQUENCE tickets AS integer INCREMENT BY 5 START WITH 100;",
        "SELECT nextval('tickets');",
      ].join('\n'), 'DROP SEQUENCE tickets;\nDELETE FROM posts WHERE id = 1;\nDELETE FROM users WHERE id IN (1, 2);\nDROP MATERIALIZED VIEW later;\nDROP MATERIALIZED VIEW post_counts;\nDROP VIEW busy;\nDROP VIEW "user";\nDROP TRIGGER posts_shout ON posts;\nDROP FUNCTION shout();\nDROP PROCEDURE forget(BIGINT);\nDROP FUNCTION authors();\nDROP FUNCTION post_count(BIGINT);\nALTER TABLE users DROP COLUMN code;\nDROP FUNCTION new_code();'],
    ]);
    let fresh = ['--database', join(dir, 'fresh-db')];
    // The schema the replaced migrations build, on the same kind of server
    // (PostgreSQL versions write a view's text differently).
    let before = json(kmb(['schema', '--json', '--at', '3', '--project', dir]));
    if (kind === 'postgres') {
      await server.query('CREATE DATABASE squash_code');
      await server.query('CREATE DATABASE squash_code_old');
      fresh = ['--database', server.urlFor('squash_code')];
      const old = ['--database', server.urlFor('squash_code_old')];
      assert.equal(kmb(['apply', ...old, '--project', dir]).code, 0);
      before = json(kmb(['schema', '--json', ...old, '--project', dir]));
    }
    assert.deepEqual(before.views.map((v) => [v.name, v.materialized, v.populated, v.indexes.map((i) => i.name)]), [['user', false, true, []], ['busy', false, true, []], ['post_counts', true, true, ['post_counts_author']], ['later', true, false, []]]);
    assert.deepEqual(before.functions.map((f) => f.name).sort(), ['authors()', 'forget(IN u bigint)', 'new_code()', 'post_count(u bigint)', 'shout()']);
    assert.deepEqual(before.tables.find((t) => t.name === 'posts').triggers.map((t) => t.name), ['posts_shout']);
    const done = kmb(['squash', '--to', '3', '--project', dir]);
    assert.equal(done.code, 0, done.stderr + done.stdout);
    assert.equal(json(kmb(['validate', '--json', '--project', dir])).ok, true);
    assert.equal(kmb(['apply', ...fresh, '--project', dir]).code, 0);
    const after = json(kmb(['schema', '--json', ...fresh, '--project', dir]));
    // The same objects (a view's and a function's text as the catalogs give it).
    assert.deepEqual(after, before);
    // The trigger and the functions work on the new database.
    // The rows came along (the post as the trigger left it), the sequence where it stood.
    const text = readFileSync(join(dir, 'migrations', '0003_squash.sql'), 'utf8');
    assert.match(text, /-- 2 rows the replaced migrations left in users\nINSERT INTO users SELECT \* FROM json_populate_recordset\(NULL::users, \$rows1\$\[/);
    assert.match(text, /SELECT setval\('users_id_seq', 2\);/);
    assert.match(text, /CREATE SEQUENCE tickets AS integer INCREMENT BY 5 START WITH 100;/);
    assert.match(text, /SELECT setval\('tickets', 100\);/);
    assert.match(text, /ALTER SEQUENCE users_id_seq OWNED BY users\.id;/);
    if (kind === 'postgres') {
      await server.query("INSERT INTO users (email) VALUES ('b@example.com'); INSERT INTO posts (id, author, body) VALUES (2, 3, 'yo');", 'squash_code');
      const rows = await server.query('SELECT p.body, u.id AS author, u.email, post_count(u.id) AS n, (SELECT count(*) FROM authors()) AS a FROM posts p JOIN users u ON u.id = p.author ORDER BY p.id', 'squash_code');
      assert.deepEqual(rows.map((r) => [r.body, Number(r.author), r.email, Number(r.n), Number(r.a)]), [['HI', 1, 'a@example.com', 1, 2], ['YO', 3, 'b@example.com', 1, 2]]);
      assert.deepEqual((await server.query("SELECT email FROM users WHERE id = 2", 'squash_code')).map((r) => r.email), ["it's $rows$ \\ \u00e9"]);
    }
    // And it rolls back to nothing.
    assert.equal(kmb(['rollback', '--to', '0', ...fresh, '--project', dir]).code, 0);
    assert.deepEqual(json(kmb(['schema', '--json', ...fresh, '--project', dir])).functions, []);
  });
}

test('squash carries a column named like the row alias, a NOT VALID check its rows break, functions over an array of rows and over the rows of a view; SQL that fails to rebuild is a refusal, not a crash', () => {
  const dir = project([
    ['0001_points.sql', 'CREATE TABLE points (x INT, r INT, y INT);\nINSERT INTO points VALUES (1, 2, 3);\nALTER TABLE points ADD CONSTRAINT positive CHECK (x > 5) NOT VALID;', 'DROP TABLE points;'],
    ['0002_sum.sql', 'CREATE FUNCTION total(ps points[]) RETURNS int LANGUAGE sql AS $$ SELECT sum(p.x) FROM unnest(ps) p $$;\nCREATE VIEW xs AS SELECT x FROM points;\nCREATE FUNCTION all_xs() RETURNS SETOF xs LANGUAGE sql BEGIN ATOMIC SELECT * FROM xs; END;', 'DROP FUNCTION all_xs();\nDROP VIEW xs;\nDROP FUNCTION total(points[]);'],
  ]);
  const done = kmb(['squash', '--to', '2', '--project', dir]);
  assert.equal(done.code, 0, done.stdout + done.stderr);
  const text = readFileSync(join(dir, 'migrations', '0002_squash.sql'), 'utf8');
  assert.match(text, /\{"x":1,"r":2,"y":3\}/);
  assert.match(text, /ALTER TABLE points ADD CONSTRAINT positive CHECK \(\(x > 5\)\) NOT VALID;/);
  const fresh = ['--database', join(dir, 'fresh-db')];
  assert.equal(kmb(['apply', ...fresh, '--project', dir]).code, 0);
  const constraint = json(kmb(['schema', '--json', ...fresh, '--project', dir])).tables[0].constraints[0];
  assert.equal(constraint.validated, false);

  // A view replaced to read a view made after it is written first (views go in the order they were made):
  // the squash fails to rebuild, and says so.
  const broken = project([
    ['0001_t.sql', 'CREATE TABLE t (id INT);\nCREATE VIEW v1 AS SELECT id FROM t;\nCREATE VIEW v2 AS SELECT id FROM t;', 'DROP VIEW v2;\nDROP VIEW v1;\nDROP TABLE t;'],
    ['0002_f.sql', 'CREATE OR REPLACE VIEW v1 AS SELECT id FROM v2;\nCREATE FUNCTION all_v() RETURNS SETOF v2 LANGUAGE sql AS $$ SELECT * FROM v2 $$;', 'DROP FUNCTION all_v();\nCREATE OR REPLACE VIEW v1 AS SELECT id FROM t;'],
  ]);
  const refused = kmb(['squash', '--to', '2', '--json', '--project', broken]);
  assert.equal(refused.code, 1);
  const { error } = JSON.parse(refused.stdout);
  assert.equal(error.code, 'squash-refused');
  assert.match(error.message, /^The squash fails on a new database, unlike migrations 1 to 2; nothing was written\.$/);
  assert.match(error.help, /relation "v2" does not exist/);
  assert.equal(readdirSync(join(broken, 'migrations')).length, 2);
});

test('squash: a replaced migration without a Down makes a squash without one, and says why; usage errors', () => {
  const dir = project([MIGRATIONS[0], ['0002_posts.sql', MIGRATIONS[1][1], null], MIGRATIONS[2]]);
  const done = kmb(['squash', '--to', '3', '--project', dir]);
  assert.equal(done.code, 0, done.stderr);
  assert.match(done.stdout, /No Down section: migration 2 \(0002_posts\.sql\) cannot be rolled back/);
  const text = readFileSync(join(dir, 'migrations', '0003_squash.sql'), 'utf8');
  assert.doesNotMatch(text, /-- Down Migration/);
  assert.equal(json(kmb(['validate', '--json', '--project', dir])).ok, true);
  // Downs that fail on the database their Ups build: a squash without a Down, and why.
  const broken = project([MIGRATIONS[0], [MIGRATIONS[1][0], MIGRATIONS[1][1], 'DROP TABLE posts_gone;'], MIGRATIONS[2]]);
  const squashed = kmb(['squash', '--to', '3', '--project', broken]);
  assert.equal(squashed.code, 0, squashed.stderr);
  assert.match(readFileSync(join(broken, 'migrations', '0003_squash.sql'), 'utf8'), /-- No Down section: the replaced Down sections do not roll back what migrations 1 to 3 build \(.*posts_gone.* does not exist.*\)\.\n/);
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
