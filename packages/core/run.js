// Running one step of a plan on a database (any executor: PGlite in a
// browser, the CLI's PGlite worker or PostgreSQL connection, a caller's
// own): the one loop the CLI's apply and rollback and the Studio share.
// No I/O of its own and no dependency: it only calls the executor.

/**
 * Runs `step`'s statements in order on `db`, inside one transaction when the
 * step is transactional (`db.transaction(fn)`: commit when `fn` resolves,
 * roll back when it throws), else one by one on `db` itself.
 *
 * - `statement(handle, step, statement)` runs one statement; by default
 *   `handle.query(statement.text)`, with the failing statement attached to
 *   the error as `error.statement`.
 * - `before(db)` runs first, outside any transaction, for a step that is
 *   not transactional (a `running` history row).
 * - `after(handle)` runs after the last statement: in the same transaction
 *   for a transactional step (the history row commits with the migration),
 *   else on `db`.
 *
 * Resolves to `after`'s result; rejects with the first error.
 */
export async function runStep(db, step, { statement = runStatement, before, after } = {}) {
  const body = async (handle) => {
    for (const each of step.statements) await statement(handle, step, each);
    return after ? after(handle) : undefined;
  };
  if (step.transactional) return db.transaction(body);
  if (before) await before(db);
  return body(db);
}

/** `handle.query(statement.text)`; a failure carries the statement as `error.statement`. */
export async function runStatement(handle, step, statement) {
  try {
    await handle.query(statement.text);
  } catch (error) {
    if (error && typeof error === 'object' && !('statement' in error)) error.statement = statement;
    throw error;
  }
}
