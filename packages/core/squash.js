// A squash built and checked on any executor: the CLI's PGlite or
// PostgreSQL, the Studio's PGlite in a worker. What it writes to disk (or
// offers as a download) is the caller's. No I/O of its own.

import { runStep } from './run.js';
import { readSchema, readRows, squashBlockers, squashText, schemaSql, diffSchemas, diffLines } from './schema.js';

const decoder = new TextDecoder();

/**
 * A migration's Down section as written (comments included), from the
 * line after its `-- Down Migration` marker to the end of the file.
 */
function downSection(migration, bytes) {
  const first = migration.down[0].span.start;
  const lines = decoder.decode(bytes.subarray(0, first)).split('\n');
  let at = lines.length - 1;
  while (at >= 0 && !/^\s*--\s*down\s+migration/i.test(lines[at])) at -= 1;
  return lines.slice(at + 1).join('\n') + decoder.decode(bytes.subarray(first));
}

const refused = (code, message, help, extra = {}) => ({ ok: false, code, message, help, ...extra });

/**
 * Builds the squash of migrations 1..`to` and checks it before anything is
 * written. `report` is `analyze`'s (with no history), `steps` `planApply`'s,
 * `contents` the files' bytes by path, `open(steps)` a new empty database
 * with what `steps` need (called twice; each is closed here), `parse` the
 * core's `parseMigration`, `runOptions(db)` what `runStep` gets.
 *
 * Its Up is the schema after `to`, read from the first database's catalogs;
 * with the rows they left (`readRows`); its Down the replaced Down
 * sections, last first. Refused (`ok: false`,
 * with `code`, `message`, `help` and any `blockers`) when the project has
 * errors, `to` is not a later migration, the database holds what the SQL
 * does not carry (`squashBlockers`), or the squash, run on the second
 * database, does not make the same schema and rows, or its Down does not
 * leave what the replaced ones leave. Else `{ ok: true, fileName, text, parsed,
 * replaced, down, noDown }`.
 */
export async function buildSquash({ report, steps, contents, to, open, parse, runOptions = () => ({}), migrationsDir = 'migrations', keptIn, created = null, author = null }) {
  const errors = report.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) {
    return refused('refused', `The project has ${errors.length} error${errors.length === 1 ? '' : 's'}; nothing was squashed.`, 'Fix them first (`kmb migration validate` lists them).', { diagnostics: errors });
  }
  const replaced = report.migrations.filter((m) => m.id <= to && m.status !== 'missing');
  if (!replaced.some((m) => m.id === to)) {
    return refused('unknown-migration', `There is no migration ${to} in ${migrationsDir}.`, 'Name the id of the last migration the squash replaces (`kmb migration status` lists them).');
  }
  if (replaced.length < 2) {
    return refused('invalid-target', `Migration ${to} is the first one; there is nothing to squash into it.`, 'Name a later migration: the squash replaces every migration up to it.');
  }
  const undo = [...replaced].reverse();
  const stopper = undo.find((m) => !m.down || m.down.length === 0 || !m.transactional);
  let noDown = !stopper
    ? null
    : !stopper.down || stopper.down.length === 0
      ? `migration ${stopper.id} (${stopper.fileName}) cannot be rolled back`
      : `migration ${stopper.id} (${stopper.fileName}) runs outside a transaction, and a squash's Down runs in one`;
  let down = noDown ? null : undo.map((m) => `-- From ${m.fileName}\n${downSection(m, contents.get(m.path)).trim()}`).join('\n\n');
  const mine = steps.filter((step) => step.id <= to);

  const onScratch = async (run, read, extensionsOf) => {
    const db = await open(extensionsOf);
    try {
      for (const step of run) await runStep(db, step, runOptions(db));
      return await read(db);
    } finally {
      await db.close().catch(() => {});
    }
  };

  // The migrations on a scratch database, read from its catalogs; then their Downs run on it.
  const { schema, data, blockers, undone, failedDown } = await onScratch(mine, async (db) => {
    const made = await readSchema(db);
    const built = { schema: made, data: await readRows(db, made), blockers: await squashBlockers(db) };
    if (built.blockers.length > 0 || down === null) return built;
    for (const m of undo) {
      try {
        await runStep(db, { id: m.id, path: m.path, transactional: true, statements: m.down }, runOptions(db));
      } catch (error) {
        // The replaced Downs do not roll back what their Ups made: a squash
        // of them has no Down either, and says why.
        const first = String(error?.message ?? error).split('\n')[0];
        return { ...built, failedDown: `the replaced Down sections do not roll back what migrations 1 to ${to} build (${first.replace(/\.$/, '')})` };
      }
    }
    return { ...built, undone: await readSchema(db) };
  }, mine);
  if (blockers.length > 0) {
    return refused('squash-refused', `Migrations 1 to ${to} make ${blockers.length === 1 ? 'something' : `${blockers.length} things`} a squash cannot carry; nothing was written.`,
      `${blockers.slice(0, 20).map((b) => `${b.object}: ${b.reason}`).join('; ')}${blockers.length > 20 ? `; and ${blockers.length - 20} more` : ''}. Squash up to an earlier migration, before the first of these.`,
      { blockers });
  }
  if (failedDown) {
    down = null;
    noDown = failedDown;
  }
  const fileName = `${String(to).padStart(4, '0')}_squash.sql`;
  const text = squashText({ id: to, created, author, up: schemaSql(schema, data), down, noDown, keptIn });
  const parsed = parse(`${migrationsDir}/${fileName}`, text);

  // The squash on a second scratch database: the same schema and rows, and its Down undoes it as the replaced ones do.
  const schemaLines = (diff) => diffLines(diff).slice(0, 12).map((line) => `${line.sign} ${line.text}`);
  const step = (statements) => ({ id: to, path: `${migrationsDir}/${fileName}`, transactional: true, statements });
  const check = () => onScratch([step(parsed.up)], async (db) => {
    const made = diffSchemas(schema, await readSchema(db));
    if (!made.same) return { what: 'makes another schema than', lines: schemaLines(made) };
    const rows = await readRows(db, schema);
    const rowsOf = (of, name) => JSON.stringify(of.tables.find((t) => t.name === name) ?? null);
    const moved = [
      ...schema.tables.filter((table) => rowsOf(data, table.name) !== rowsOf(rows, table.name)).map((table) => `rows of ${table.name}`),
      ...(JSON.stringify(data.sequences) === JSON.stringify(rows.sequences) ? [] : ['where the sequences stand']),
    ];
    if (moved.length > 0) return { what: 'leaves other data than', lines: moved };
    if (!parsed.down) return null;
    await runStep(db, step(parsed.down), runOptions(db));
    const undoes = diffSchemas(undone, await readSchema(db));
    return undoes.same ? null : { what: 'leaves after its Down another schema than', lines: schemaLines(undoes) };
  }, mine);
  let difference;
  try {
    difference = await check();
  } catch (error) {
    // The squash's own SQL failed (an object written before one it needs).
    const message = String(error?.message ?? error).split('\n')[0].replace(/\.$/, '');
    difference = { what: 'fails on a new database, unlike', lines: [message] };
  }
  if (difference) {
    return refused('squash-refused', `The squash ${difference.what} migrations 1 to ${to}; nothing was written.`,
      `${difference.lines.join('; ')}. This is a limit of the squash's SQL: please report it, and squash up to an earlier migration.`);
  }
  return { ok: true, id: to, fileName, text, parsed, replaced: replaced.map((m) => ({ id: m.id, fileName: m.fileName, path: m.path })), down: down !== null, noDown };
}
