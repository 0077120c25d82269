// Fills in the statements of `analyze`'s report. The core returns the report
// without them; each migration's `up` and `down` become ordinary enumerable
// properties that parse that one file (`parseMigration`, the same core
// function `analyze` runs) the first time either is read, then keep the
// result. A report of 10 000 migrations holds hundreds of thousands of
// statements that most callers never look at; making them all was most of
// `analyze`'s time. JSON, spreading, `structuredClone` and assignment see
// plain data.

function lazy(migration, key, load) {
  Object.defineProperty(migration, key, {
    enumerable: true,
    configurable: true,
    get() {
      const value = load()[key];
      Object.defineProperty(migration, key, { value, enumerable: true, configurable: true, writable: true });
      return value;
    },
    set(value) {
      Object.defineProperty(migration, key, { value, enumerable: true, configurable: true, writable: true });
    },
  });
}

/**
 * `report` from the core's `analyze(input)`, with statements to come from
 * `parse` (the core's `parseMigration`) unless `input.statements === false`.
 */
export function assemble(report, input, parse) {
  if (input.statements === false) return report;
  // The contents as they are now: a caller may reuse its buffers.
  const sources = new Map();
  for (const { path, contents } of input.files) {
    if (!sources.has(path)) sources.set(path, typeof contents === 'string' ? contents : new Uint8Array(contents));
  }
  for (const migration of report.migrations) {
    const contents = migration.path === null ? undefined : sources.get(migration.path);
    if (contents === undefined) continue;
    let parsed;
    const load = () => (parsed ??= parse(migration.path, contents));
    lazy(migration, 'up', load);
    lazy(migration, 'down', load);
  }
  return report;
}
