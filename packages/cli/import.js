// `kmb migration import --from <tool> <dir>`: another tool's migrations
// folder as Kimberlite-format files. `convert` is pure (names and texts in,
// files and problems out); the CLI reads the folder and writes the result.
//
// Layouts read (each tool's documented one):
// - golang-migrate: `<version>_<title>.up.sql` and `<version>_<title>.down.sql`.
// - dbmate: `<version>_<name>.sql` with `-- migrate:up [transaction:false]`
//   and `-- migrate:down` sections.
// - sqlx: `<version>_<description>.up.sql` / `.down.sql`, or
//   `<version>_<description>.sql` (no down); `-- no-transaction` as the
//   first line runs it outside a transaction.
// - diesel: a folder `<version>_<name>/` with `up.sql` and `down.sql`
//   (`metadata.toml` with `run_in_transaction = false`).
// - flyway: `V<version>__<description>.sql` (version `1`, `1.2`, `1_2`),
//   `U<version>__<description>.sql` as its undo; a `<file>.conf` with
//   `executeInTransaction=false`, or a statement PostgreSQL cannot run in a
//   transaction (Flyway then runs the script outside one itself). Repeatable (`R__`) and baseline (`B`)
//   scripts have no place in an ordered list of migrations: reported, not
//   converted.

import { createMigration, lint } from 'kimberlite-migration';

export const IMPORT_FORMATS = Object.freeze(['golang-migrate', 'dbmate', 'sqlx', 'diesel', 'flyway']);

/** A title from a file name's words: `add_users-table` is `add users table`. */
function titleOf(name) {
  return name.replace(/[_-]+/g, ' ').replace(/\s+/g, ' ').trim() || 'migration';
}

/** Versions compared as numbers, part by part (`1.10` after `1.9`; `20210101` after `9`). */
function compareVersions(a, b) {
  const pa = a.split(/[._]/).map((p) => BigInt(p));
  const pb = b.split(/[._]/).map((p) => BigInt(p));
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? 0n;
    const y = pb[i] ?? 0n;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/**
 * The dbmate file's sections: `{ up, down, transactional }`, or null when
 * it has no `-- migrate:up` line.
 */
function dbmateSections(text) {
  const lines = text.split('\n');
  const upAt = lines.findIndex((line) => /^--\s*migrate:up\b/.test(line.trim()));
  if (upAt < 0) return null;
  const downAt = lines.findIndex((line, i) => i > upAt && /^--\s*migrate:down\b/.test(line.trim()));
  const transactional = !/transaction:false/.test(lines[upAt]);
  const up = lines.slice(upAt + 1, downAt < 0 ? undefined : downAt).join('\n');
  const down = downAt < 0 ? '' : lines.slice(downAt + 1).join('\n');
  return { up, down, transactional };
}

/**
 * `text` without a `BEGIN;` ... `COMMIT;` pair around all of it (golang-migrate
 * runs files as they are, so projects wrap them; kmb runs each migration in
 * a transaction of its own, in which they would be errors). Returns `{ text,
 * unwrapped }`.
 */
function unwrapped(text) {
  const lines = text.split('\n');
  const code = (line) => line.trim() !== '' && !line.trim().startsWith('--');
  const first = lines.findIndex(code);
  let last = lines.length - 1;
  while (last >= 0 && !code(lines[last])) last--;
  if (first < 0 || first === last) return { text, unwrapped: false };
  const begins = /^(BEGIN|BEGIN\s+TRANSACTION|BEGIN\s+WORK|START\s+TRANSACTION)\s*;$/i.test(lines[first].trim());
  const commits = /^(COMMIT|END|COMMIT\s+TRANSACTION|COMMIT\s+WORK)\s*;$/i.test(lines[last].trim());
  if (!begins || !commits) return { text, unwrapped: false };
  return { text: [...lines.slice(0, first), ...lines.slice(first + 1, last), ...lines.slice(last + 1)].join('\n'), unwrapped: true };
}

/** Whether SQL has anything but blanks and `--` comments. */
const hasSql = (text) => text.split('\n').some((line) => line.trim() !== '' && !line.trim().startsWith('--'));

/**
 * Converts `files` (`[{ path, text }]`, paths relative to the folder, `/`
 * separated) from `tool`'s layout. Returns `{ migrations, problems }`:
 * `migrations` in order, each `{ fileName, text, source }`; `problems`,
 * each `{ path, message }`, what was not converted and why.
 */
export function convert(tool, files) {
  if (!IMPORT_FORMATS.includes(tool)) throw new Error(`unknown format ${tool}`);
  const problems = [];
  /** version -> { version, name, up, down, transactional, sources } */
  const found = new Map();
  const entry = (version, name, path) => {
    let at = found.get(version);
    if (!at) {
      at = { version, name, up: null, down: null, transactional: true, sources: [] };
      found.set(version, at);
    }
    at.sources.push(path);
    return at;
  };
  const setPart = (at, part, text, path) => {
    if (at[part] !== null) {
      problems.push({ path, message: `a second ${part} script for version ${at.version} (the first is kept)` });
      return;
    }
    at[part] = text;
  };
  for (const { path, text } of files) {
    const parts = path.split('/');
    const base = parts[parts.length - 1];
    let match;
    switch (tool) {
      case 'golang-migrate':
        if (parts.length === 1 && (match = /^(\d+)_(.+)\.(up|down)\.sql$/.exec(base))) {
          setPart(entry(match[1], match[2], path), match[3], text, path);
        } else if (base.endsWith('.sql')) problems.push({ path, message: 'not named <version>_<title>.up.sql or .down.sql' });
        break;
      case 'sqlx':
        if (parts.length === 1 && (match = /^(\d+)_(.+?)(?:\.(up|down))?\.sql$/.exec(base))) {
          const at = entry(match[1], match[2], path);
          const part = match[3] ?? 'up';
          let body = text;
          if (part === 'up' && /^--\s*no-transaction\s*$/.test(text.split('\n')[0].trim())) {
            at.transactional = false;
            body = text.split('\n').slice(1).join('\n');
          }
          setPart(at, part, body, path);
        } else if (base.endsWith('.sql')) problems.push({ path, message: 'not named <version>_<description>.sql, .up.sql or .down.sql' });
        break;
      case 'dbmate':
        if (parts.length === 1 && (match = /^(\d+)_(.+)\.sql$/.exec(base))) {
          const sections = dbmateSections(text);
          if (!sections) {
            problems.push({ path, message: 'it has no `-- migrate:up` line' });
            break;
          }
          const at = entry(match[1], match[2], path);
          at.transactional = sections.transactional;
          setPart(at, 'up', sections.up, path);
          if (hasSql(sections.down)) setPart(at, 'down', sections.down, path);
        } else if (base.endsWith('.sql')) problems.push({ path, message: 'not named <version>_<name>.sql' });
        break;
      case 'diesel':
        if (parts.length === 2 && (match = /^(\d[\d_-]*?)_([A-Za-z].*)$/.exec(parts[0])) && ['up.sql', 'down.sql', 'metadata.toml'].includes(base)) {
          const version = match[1].replace(/[-_]/g, '');
          const at = entry(version, match[2], path);
          if (base === 'metadata.toml') {
            if (/^\s*run_in_transaction\s*=\s*false\s*$/m.test(text)) at.transactional = false;
            at.sources.pop();
          } else setPart(at, base === 'up.sql' ? 'up' : 'down', text, path);
        } else if (base.endsWith('.sql') && !/^00000000000000_diesel_initial_setup\//.test(path)) {
          problems.push({ path, message: 'not in a <version>_<name>/ folder as up.sql or down.sql' });
        }
        break;
      case 'flyway': {
        if (parts.length !== 1) {
          if (base.endsWith('.sql')) problems.push({ path, message: 'in a subfolder: Flyway reads them, but their order against the others is by version; move them up first' });
          break;
        }
        if ((match = /^([VU])(\d+(?:[._]\d+)*)__(.+)\.sql$/.exec(base))) {
          const version = match[2].replace(/_/g, '.');
          const at = entry(version, match[3], path);
          setPart(at, match[1] === 'V' ? 'up' : 'down', text, path);
          const conf = files.find((f) => f.path === `${path}.conf`);
          if (match[1] === 'V' && conf && /^\s*executeInTransaction\s*=\s*false\s*$/m.test(conf.text)) at.transactional = false;
          // Flyway runs a script with a statement PostgreSQL refuses in a
          // transaction (CONCURRENTLY, VACUUM, ...) outside one, by itself:
          // decided below, by the core's non-transactional-statement rule.
          if (match[1] === 'V') at.outsideIfNeeded = true;
        } else if (/^R__.+\.sql$/.test(base)) {
          problems.push({ path, message: 'a repeatable migration (R__): it runs again whenever it changes, which an ordered, locked list cannot express; apply it by hand or turn it into versioned migrations' });
        } else if (/^B\d.*\.sql$/.test(base)) {
          problems.push({ path, message: 'a baseline migration (B): use `kmb migration baseline <id>` on databases built before the import instead' });
        } else if (base.endsWith('.sql')) problems.push({ path, message: 'not named V<version>__<description>.sql' });
        break;
      }
    }
  }
  const ordered = [...found.values()].filter((at) => {
    if (at.up === null) {
      problems.push({ path: at.sources[0] ?? at.version, message: `version ${at.version} has a down script and no up script` });
      return false;
    }
    return true;
  });
  ordered.sort((a, b) => compareVersions(a.version, b.version));
  const existing = [];
  const created = new Date().toISOString();
  const migrations = ordered.map((at) => {
    // The up script named first, then its down (or undo).
    const isDown = (path) => /(^|[./_])(down|U\d)/.test(path.split('/').pop()) || path.endsWith('/down.sql');
    at.sources.sort((a, b) => isDown(a) - isDown(b));
    const up = unwrapped(at.up);
    const down = at.down === null ? null : unwrapped(at.down);
    at.up = up.text;
    if (down) at.down = down.text;
    // The file name the core gives the next migration of this title (SPEC §3.3).
    let made = createMigration({ existing, name: titleOf(at.name), created });
    if (!made.ok) made = createMigration({ existing, name: 'migration', created });
    existing.push(made.fileName);
    const text = (transactional) => {
      const lines = [
        `-- Migration: ${titleOf(at.name)}`,
        `-- Imported from ${tool}: ${at.sources.join(', ')}`,
      ];
      if (up.unwrapped || down?.unwrapped) lines.push('-- (its BEGIN/COMMIT wrapper was removed: kmb runs each migration in a transaction)');
      if (!transactional) lines.push('-- kimberlite:no-transaction');
      lines.push('', '-- Up Migration', at.up.replace(/\s+$/, ''));
      if (at.down !== null && hasSql(at.down)) lines.push('', '-- Down Migration', at.down.replace(/\s+$/, ''));
      return `${lines.join('\n')}\n`;
    };
    let transactional = at.transactional;
    if (transactional && at.outsideIfNeeded) {
      transactional = !lint(made.fileName, text(true), { parserRules: false }).some((d) => d.code === 'non-transactional-statement');
    }
    return { fileName: made.fileName, text: text(transactional), source: at.sources.join(', '), version: at.version };
  });
  return { migrations, problems };
}
