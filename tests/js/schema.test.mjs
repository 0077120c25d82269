// `kmb migration schema` and `diff`: the schema as it stood after a
// migration, read from a scratch database's catalogs, and what changed
// between two migrations or against a live database (the embedded PGlite
// one and a PostgreSQL server).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kmb, jsonOf, projectOf } from './cli.mjs';
import { startPostgres } from './postgres.mjs';

let server;
before(async () => {
  server = await startPostgres();
});
after(() => server?.stop());

const MIGRATIONS = [
  ['0001_users.sql', 'CREATE TABLE users (id BIGINT PRIMARY KEY, email TEXT NOT NULL);', 'DROP TABLE users;'],
  ['0002_posts.sql', 'CREATE TABLE posts (id BIGINT PRIMARY KEY, author BIGINT NOT NULL REFERENCES users (id), body TEXT);\nCREATE INDEX posts_author ON posts (author);', 'DROP TABLE posts;'],
  ['0003_users_name.sql', "ALTER TABLE users ADD COLUMN name TEXT NOT NULL DEFAULT '';\nALTER TABLE users ALTER COLUMN email TYPE VARCHAR(320);\nALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);", 'ALTER TABLE users DROP COLUMN name;'],
  ['0004_drop_posts_body.sql', 'ALTER TABLE posts DROP COLUMN body;\nDROP INDEX posts_author;', 'ALTER TABLE posts ADD COLUMN body TEXT;'],
];

const project = () => projectOf(MIGRATIONS, 'kmb-schema-');
const json = jsonOf;

test('schema --at: the tables as they stood after that migration, from the catalogs; nothing of the project is touched', () => {
  const dir = project();
  const first = json(kmb(['schema', '--at', '1', '--json', '--project', dir]));
  assert.deepEqual(first.tables.map((t) => t.name), ['users']);
  assert.deepEqual(first.tables[0].columns, [
    { name: 'id', type: 'bigint', nullable: false, default: null },
    { name: 'email', type: 'text', nullable: false, default: null },
  ]);
  assert.deepEqual(first.tables[0].constraints.map((k) => [k.kind, k.name]), [['primary key', 'users_pkey']]);

  const second = json(kmb(['schema', '--at', '2', '--json', '--project', dir]));
  const posts = second.tables.find((t) => t.name === 'posts');
  assert.deepEqual(posts.indexes.map((i) => i.definition), ['CREATE INDEX posts_author ON public.posts USING btree (author)']);
  assert.deepEqual(posts.constraints.find((k) => k.kind === 'foreign key').definition, 'FOREIGN KEY (author) REFERENCES users(id)');

  const last = json(kmb(['schema', '--json', '--project', dir]));
  const users = last.tables.find((t) => t.name === 'users');
  assert.deepEqual(users.columns.find((c) => c.name === 'email').type, 'character varying(320)');
  assert.deepEqual(users.columns.find((c) => c.name === 'name'), { name: 'name', type: 'text', nullable: false, default: "''::text" });
  assert.deepEqual(last.tables.find((t) => t.name === 'posts').indexes, []);
  // No database, lock or tracker was written.
  assert.equal(existsSync(join(dir, '.kimberlite')), false);

  const text = kmb(['schema', '--at', '2', '--project', dir]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^table posts\n {2}id bigint NOT NULL\n/m);
  assert.match(text.stdout, /2 tables$/m);
});

test('schema --format sql builds the same schema when run on a new database', () => {
  const dir = project();
  const sql = kmb(['schema', '--format', 'sql', '--project', dir]);
  assert.equal(sql.code, 0, sql.stderr);
  assert.match(sql.stdout, /CREATE TABLE users \(\n {2}id bigint NOT NULL,/);
  // The dump as the one migration of another project: the same schema.
  const other = mkdtempSync(join(tmpdir(), 'kmb-schema-sql-'));
  mkdirSync(join(other, 'migrations'));
  writeFileSync(join(other, 'migrations', '0001_all.sql'), `-- Migration: all\n-- Up Migration\n${sql.stdout}\n-- Down Migration\nDROP TABLE posts;\nDROP TABLE users;\n`);
  assert.deepEqual(json(kmb(['schema', '--json', '--project', other])), json(kmb(['schema', '--json', '--project', dir])));
});

test('schema --format sql quotes names that are PostgreSQL keywords or not lower case, so the SQL runs', () => {
  const dir = projectOf([
    ['0001_order.sql', 'CREATE TABLE "order" ("user" TEXT, "select" INT PRIMARY KEY, "Mixed" TEXT, "both" INT CHECK ("both" > 0));\nCREATE INDEX "order_user" ON "order" ("user");', 'DROP TABLE "order";'],
    ['0002_line.sql', 'CREATE TABLE line ("order" INT REFERENCES "order" ("select"), "limit" INT);', 'DROP TABLE line;'],
  ], 'kmb-schema-keywords-');
  const sql = kmb(['schema', '--format', 'sql', '--project', dir]);
  assert.equal(sql.code, 0, sql.stderr);
  assert.match(sql.stdout, /CREATE TABLE "order" \(\n {2}"user" text,\n {2}"select" integer NOT NULL,\n {2}"Mixed" text,/);
  const other = projectOf([['0001_all.sql', sql.stdout, 'DROP TABLE line;\nDROP TABLE "order";']], 'kmb-schema-keywords-sql-');
  assert.deepEqual(json(kmb(['schema', '--json', '--project', other])), json(kmb(['schema', '--json', '--project', dir])));
});

test('diff between two migrations, object by object', () => {
  const dir = project();
  const diff = json(kmb(['diff', '2', '4', '--json', '--project', dir]));
  assert.equal(diff.same, false);
  assert.deepEqual(diff.added, []);
  assert.deepEqual(diff.removed, []);
  const byName = Object.fromEntries(diff.changed.map((t) => [t.name, t]));
  assert.deepEqual(byName.users.columns.added.map((c) => c.name), ['name']);
  assert.deepEqual(byName.users.columns.changed.map((c) => [c.name, c.from.type, c.to.type]), [['email', 'text', 'character varying(320)']]);
  assert.deepEqual(byName.users.constraints.added.map((k) => k.name), ['users_email_key']);
  assert.deepEqual(byName.posts.columns.removed.map((c) => c.name), ['body']);
  assert.deepEqual(byName.posts.indexes.removed.map((i) => i.name), ['posts_author']);
  const text = kmb(['diff', '1', '2', '--project', dir]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /\+ table posts \(3 columns\)/);
  assert.match(kmb(['diff', '3', '3', '--project', dir]).stdout, /no change/);
  // Bad ids are usage errors with a way out.
  const unknown = kmb(['diff', '1', '9', '--project', dir]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /error\[unknown-migration\]: There is no migration 9/);
  assert.equal(kmb(['schema', '--at', 'x', '--project', dir]).code, 2);
});

for (const kind of ['pglite', 'postgres']) {
  test(`${kind}: diff against the live database, and its schema without the history table`, async () => {
    const dir = project();
    let database = [];
    if (kind === 'postgres') {
      await server.query('CREATE DATABASE schema_live');
      database = ['--database', server.urlFor('schema_live')];
    }
    assert.equal(kmb(['apply', '--to', '3', ...database, '--project', dir]).code, 0);
    const live = json(kmb(['schema', '--json', ...database, '--project', dir]));
    assert.deepEqual(live.tables.map((t) => t.name), ['posts', 'users']);
    assert.deepEqual(live, json(kmb(['schema', '--at', '3', '--json', '--project', dir])));
    // The database is migration 3's schema: the same as it, and behind 4.
    assert.equal(json(kmb(['diff', '3', 'database', '--json', ...database, '--project', dir])).same, true);
    const behind = json(kmb(['diff', '4', 'database', '--json', ...database, '--project', dir]));
    assert.deepEqual(behind.changed.find((t) => t.name === 'posts').columns.added.map((c) => c.name), ['body']);
  });
}

for (const kind of ['pglite', 'postgres']) {
  test(`${kind}: create --template table|index|column|data: no finding of any default rule, and they apply and roll back`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kmb-templates-'));
    let database = [];
    if (kind === 'postgres') {
      await server.query('CREATE DATABASE templates_live');
      database = ['--database', server.urlFor('templates_live')];
    }
    for (const template of ['table', 'index', 'column', 'data']) {
      const made = kmb(['create', 'users', '--template', template, '--project', dir]);
      assert.equal(made.code, 0, made.stderr);
    }
    const lint = json(kmb(['lint', '--format', 'json', '--project', dir]));
    assert.deepEqual(lint.diagnostics ?? lint, []);
    assert.equal(json(kmb(['apply', '--json', ...database, '--project', dir])).applied.length, 4);
    const users = json(kmb(['schema', '--json', ...database, '--project', dir])).tables.find((t) => t.name === 'users');
    assert.deepEqual(users.columns.map((c) => c.name), ['id', 'name', 'created_at', 'note']);
    assert.deepEqual(users.indexes.map((i) => i.name), ['users_name_idx']);
    assert.equal(json(kmb(['rollback', '--steps', '4', '--json', ...database, '--project', dir])).rolledBack.length, 4);
    assert.deepEqual(json(kmb(['schema', '--json', ...database, '--project', dir])).tables, []);
    const wrong = kmb(['create', 'x', '--template', 'view', '--project', dir]);
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /--template is one of blank, table, index, column, data/);
  });
}

test('postgres: diff --generate writes migrations for hand-made changes that lint clean and rebuild the same schema; the rest is refused with a reason', async () => {
  const dir = project();
  await server.query('CREATE DATABASE drift_live');
  await server.query('CREATE DATABASE drift_fresh');
  const live = ['--database', server.urlFor('drift_live')];
  assert.equal(kmb(['apply', ...live, '--project', dir]).code, 0);
  // Changes made by hand on the live database, outside any migration.
  await server.query(`CREATE TABLE tags (id BIGINT PRIMARY KEY, post BIGINT NOT NULL REFERENCES posts (id), label TEXT NOT NULL);
    ALTER TABLE users ADD COLUMN bio TEXT;
    ALTER TABLE users ADD COLUMN plan TEXT NOT NULL DEFAULT 'free';
    CREATE INDEX users_bio ON users (bio);
    ALTER TABLE users ADD CONSTRAINT users_email_check CHECK (email <> '');
    CREATE FUNCTION stamp() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.bio := coalesce(NEW.bio, ''); RETURN NEW; END $$;
    CREATE TRIGGER users_stamp BEFORE INSERT ON users FOR EACH ROW EXECUTE FUNCTION stamp();
    CREATE VIEW user_plans AS SELECT id, plan FROM users;
    CREATE FUNCTION tag_count() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM tags $$;`, 'drift_live');
  const generated = kmb(['diff', '4', 'database', '--generate', 'capture hand-made changes', '--json', ...live, '--project', dir]);
  assert.equal(generated.code, 0, generated.stderr + generated.stdout);
  const { written, refused } = JSON.parse(generated.stdout);
  assert.deepEqual(refused, []);
  assert.deepEqual(written.map((f) => f.fileName), ['0005_capture_hand_made_changes.sql', '0006_capture_hand_made_changes_index_1.sql', '0007_capture_hand_made_changes_validate.sql']);
  // Written as the lint rules want it: no finding at all.
  const lint = JSON.parse(kmb(['lint', '--format', 'json', '--project', dir]).stdout);
  assert.deepEqual(lint.filter((d) => d.code !== 'unlocked' && written.some((f) => d.file.endsWith(f.fileName))), []);
  // All of them on a new database: the same schema as the one changed by hand.
  const fresh = ['--database', server.urlFor('drift_fresh')];
  const applied = kmb(['apply', '--json', ...fresh, '--project', dir]);
  assert.equal(applied.code, 0, applied.stderr);
  assert.deepEqual(json(kmb(['schema', '--json', ...fresh, '--project', dir])), json(kmb(['schema', '--json', ...live, '--project', dir])));
  // On the database it came from, the new migrations are already in effect: baseline them.
  assert.equal(kmb(['diff', '7', 'database', '--json', ...live, '--project', dir]).code, 0);
  const baseline = JSON.parse(kmb(['diff', '7', 'database', '--json', ...live, '--project', dir]).stdout);
  assert.equal(baseline.same, true, JSON.stringify(baseline.diff ?? baseline, null, 1).slice(0, 3000));

  // A type change and a dropped column are not guessed at.
  await server.query('ALTER TABLE users ALTER COLUMN name TYPE VARCHAR(80); ALTER TABLE posts DROP COLUMN author CASCADE;', 'drift_live');
  const unsafe = kmb(['diff', '7', 'database', '--generate', 'more', ...live, '--project', dir]);
  assert.equal(unsafe.code, 1);
  assert.match(unsafe.stdout, /warning\[not-generated\]: column users\.name: changed from name text NOT NULL DEFAULT ''::text to name character varying\(80\)/);
  assert.match(unsafe.stdout, /warning\[not-generated\]: column posts\.author: removed/);
});
