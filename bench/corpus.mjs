// Generates realistic migration projects for the benchmarks: a mix of small,
// medium and large files (tables, columns, indexes, seed data, functions),
// with a lock over every file and a tracker over the first 80%, or without.
import { mkdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { checksum } from '../packages/core/node.js';

function random(seed) {
  let state = seed >>> 0;
  return () => ((state = (state * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

function migration(id, next) {
  const table = `t${id}`;
  const kind = next();
  let up;
  let down;
  if (kind < 0.7) {
    up = `CREATE TABLE ${table} (\n    id BIGINT NOT NULL,\n    name TEXT NOT NULL DEFAULT 'n/a',\n    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),\n    PRIMARY KEY (id)\n);\n\nCREATE INDEX ${table}_name ON ${table} (name);\n`;
    down = `DROP TABLE ${table};\n`;
  } else if (kind < 0.95) {
    const columns = Array.from({ length: 12 }, (_, i) => `ALTER TABLE ${table} ADD COLUMN c${i} TEXT; -- column ${i}; it's fine\n`).join('');
    up = `CREATE TABLE ${table} (id BIGINT PRIMARY KEY);\n${columns}COMMENT ON TABLE ${table} IS 'medium; with '';'' inside';\n` +
      `CREATE FUNCTION ${table}_touch() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  NEW.c0 := 'x;y';\n  RETURN NEW;\nEND;\n$$;\n` +
      Array.from({ length: 20 }, (_, i) => `INSERT INTO ${table} (id, c0) VALUES (${i}, 'row ${i}; ok');\n`).join('');
    down = `DROP FUNCTION ${table}_touch();\nDROP TABLE ${table};\n`;
  } else {
    up = `CREATE TABLE ${table} (id BIGINT PRIMARY KEY, body TEXT);\n` +
      Array.from({ length: 300 }, (_, i) => `INSERT INTO ${table} VALUES (${i}, E'seed\\n${i}: ''quoted''; $$ not a dollar body');\n`).join('');
    down = `DROP TABLE ${table};\n`;
  }
  return `-- Migration: Step ${id}\n-- Created: 2026-01-01T00:00:00Z\n-- Author: bench@example.com\n\n-- Up Migration\n${up}\n-- Down Migration\n${down}`;
}

/** Writes `count` migrations under `dir` (Kimberlite layout), plus a postgrator copy. */
export function generate(dir, count, { state = true, postgrator = false } = {}) {
  const done = join(dir, '.complete');
  if (existsSync(done)) return dir;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'migrations'), { recursive: true });
  if (postgrator) mkdirSync(join(dir, 'postgrator'), { recursive: true });
  const next = random(count);
  const lock = ['version = 1\n'];
  const tracker = [];
  for (let id = 1; id <= count; id++) {
    const text = migration(id, next);
    const name = `${String(id).padStart(4, '0')}_step_${id}.sql`;
    writeFileSync(join(dir, 'migrations', name), text);
    if (postgrator) writeFileSync(join(dir, 'postgrator', `${String(id).padStart(6, '0')}.do.step-${id}.sql`), text);
    const sum = checksum(text);
    lock.push(`\n[[migration]]\nid = ${id}\nname = "Step ${id}"\nchecksum = "${sum}"\n`);
    if (id <= count * 0.8) {
      tracker.push(`[[migrations]]\nid = ${id}\nname = "Step ${id}"\nchecksum = "${sum}"\napplied_at = "2026-01-02T00:00:00Z"\n`);
    }
  }
  if (state) {
    mkdirSync(join(dir, '.kimberlite', 'migrations'), { recursive: true });
    writeFileSync(join(dir, '.kimberlite', 'migrations', '.lock'), lock.join(''));
    writeFileSync(join(dir, '.kimberlite', 'migrations', 'applied.toml'), tracker.join('\n'));
  }
  writeFileSync(done, '');
  return dir;
}

/** One migration of about `bytes` bytes: many statements of every kind. */
export function migrationOfSize(bytes) {
  const parts = ['-- Migration: Big\n-- Up Migration\n'];
  let size = parts[0].length;
  for (let i = 0; size < bytes; i++) {
    const statement = i % 3 === 0
      ? `CREATE TABLE t${i} (id BIGINT PRIMARY KEY, name TEXT NOT NULL DEFAULT 'a;b', body TEXT);\n`
      : i % 3 === 1
        ? `INSERT INTO t${i - 1} (id, name) VALUES (${i}, $$it's ${i}; fine$$); -- note ${i}\n`
        : `/* step ${i} */ UPDATE t${i - 2} SET body = E'line\\n${i}' WHERE id = ${i};\n`;
    parts.push(statement);
    size += statement.length;
  }
  parts.push('-- Down Migration\nSELECT 1;\n');
  return parts.join('');
}

